"""factory_boy factories for tests (and benchmarks)."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import School, StaffProfile
from visits.models import Child, Family, Purpose, Visit


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    office_phone = "01604 496000"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@school.example")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_staff(school, role=roles.VISITING_STAFF, *, mobile="07700 900123", username=None, **profile):
    """A user with a staff profile at `school` in `role`."""
    kwargs = {"username": username} if username else {}
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.create(user=user, school=school, mobile=mobile or "", **profile)
    return user


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    school = factory.SubFactory(SchoolFactory)
    display_name = factory.Sequence(lambda n: f"Family {n}")
    address_line1 = factory.Sequence(lambda n: f"{n} Elm Road")
    town = "Northampton"
    postcode = "NN4 9BX"
    phone = "07700 900999"


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    family = factory.SubFactory(FamilyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = datetime.date(2021, 3, 14)
    class_name = "Reception"


class VisitFactory(factory.django.DjangoModelFactory):
    """A plan with two staff; pass `staff=[...]` to choose them."""

    class Meta:
        model = Visit
        skip_postgeneration_save = True

    family = factory.SubFactory(FamilyFactory)
    school = factory.SelfAttribute("family.school")
    purpose = Purpose.INDUCTION
    planned_start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    duration_minutes = 45
    expected_return = factory.LazyAttribute(lambda v: v.planned_start + datetime.timedelta(minutes=75))
    address = factory.SelfAttribute("family.address")
    transport = "foot"
    lead = factory.LazyAttribute(lambda v: make_staff(v.school))
    created_by = factory.SelfAttribute("lead")
    code_word = "bluebell"

    @factory.post_generation
    def staff(obj, create, extracted, **kwargs):
        if not create:
            return
        people = list(extracted) if extracted is not None else [obj.lead, make_staff(obj.school)]
        obj.staff.set(people)
