"""factory_boy factories for tests (and benchmarks)."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import OfficeHours, RosterTier, School, StaffProfile, TierKind, Trust, TrustMembership
from visits.models import Child, Family, Purpose, Visit, VisitState


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


def make_trust(*schools, name=None, **rules):
    """A trust (with the rules given for its schools' settings) and `schools` in it."""
    count = Trust.objects.count() + 1
    trust = Trust.objects.create(name=name or f"Trust {count}", slug=f"trust-{count}", **rules)
    School.objects.filter(pk__in=[s.pk for s in schools]).update(trust=trust)
    for school in schools:
        school.trust = trust
    return trust


def make_trust_person(trust, role=roles.TRUST_SAFEGUARDING_LEAD, **fields):
    """A user in a trust role at `trust`, with no school (no staff profile)."""
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=role))
    TrustMembership.objects.create(user=user, trust=trust)
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


# --- The test world (the root conftest.py turns these into fixtures) --------------------------------

# The moments the world's clocks stand at until a test moves them.
# Tuesday 24 November 2026, 09:00 in London (GMT, so London = UTC).
TUESDAY_GMT = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
# Wednesday 10 June 2026, 10:02 in London (British Summer Time: UTC + 1).
JUNE_BST = datetime.datetime(2026, 6, 10, 9, 2, tzinfo=datetime.UTC)
# Monday 2 March 2026, 09:00 in London (GMT).
MONDAY_GMT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)

SCHOOL_NAME = "Hunsbury Park"
OTHER_SCHOOL_NAME = "Heather Avenue"

# One person in each role, by the name the tests call them: (role, username, staff profile).
PEOPLE = {
    "teacher": (roles.VISITING_STAFF, "teacher",
                {"mobile": "07700 900101", "job_title": "Reception teacher", "vehicle_make": "Ford",
                 "vehicle_model": "Fiesta", "vehicle_registration": "AB12 CDE", "vehicle_colour": "Blue"}),
    "ta": (roles.VISITING_STAFF, "ta", {"mobile": "07700 900102", "job_title": "Teaching assistant"}),
    "other_teacher": (roles.VISITING_STAFF, "otherteacher", {"mobile": "07700 900103"}),
    "office": (roles.OFFICE, "office", {"mobile": "07700 900003"}),
    "head": (roles.HEAD, "head", {"mobile": "07700 900001", "job_title": "Head of school"}),
    "dsl": (roles.DSL, "dsl", {"mobile": "07700 900002", "job_title": "DSL"}),
    "admin": (roles.SCHOOL_ADMIN, "schooladmin", {}),
}
# The other school's people (the ones the scoping and audit tests need), named "other_<name>".
OTHER_PEOPLE = ("head", "admin", "dsl")


def person(school, name, *, username=None, **profile):
    """The world's `name` (a key of PEOPLE) at `school`; `profile` overrides their staff details."""
    role, default_username, details = PEOPLE[name]
    return make_staff(school, role, username=username or default_username, **{**details, **profile})


def other_person(school, name):
    """One of the other school's people: `other_person(other_school, "head")` is "otherhead"."""
    role, username, _ = PEOPLE[name]
    return make_staff(school, role, username=f"other{username.removeprefix('school')}")


def family_of(school, *, display_name="Khan family", children=(), shared_with=(), **fields):
    """A family at `school`; `children` are first names (surname Khan); `shared_with` staff see it."""
    family = FamilyFactory(school=school, display_name=display_name, **fields)
    for first_name in children:
        ChildFactory(family=family, first_name=first_name, last_name="Khan")
    family.shared_with.add(*shared_with)
    return family


def roster_of(school, *tiers, minutes=5):
    """Give `school` a roster: each tier a kind (TierKind) or (kind, [people]) or (kind, [people], minutes)."""
    RosterTier.objects.filter(school=school).delete()
    for position, tier in enumerate(tiers, start=1):
        kind, people, timeout = (tier, (), minutes) if isinstance(tier, str) else (*tier, minutes)[:3]
        row = RosterTier.objects.create(school=school, position=position, kind=kind, ack_timeout_minutes=timeout)
        row.people.set(people)
    school.__dict__.pop("_roster_tiers", None)
    return school


def slow_roster(school, minutes=60):
    """The default roster with long timeouts: a test of something else than the roster moving on."""
    return roster_of(school, TierKind.OFFICE, TierKind.HEAD, TierKind.DSL, minutes=minutes)


def office_hours(school, opens=datetime.time(8), closes=datetime.time(16), days=range(5)):
    """Office hours on `days` (0 = Monday) from `opens` to `closes`, local time."""
    OfficeHours.objects.filter(school=school).delete()
    for day in days:
        OfficeHours.objects.create(school=school, weekday=day, opens=opens, closes=closes)
    school.__dict__.pop("_office_hours", None)
    return school


def june_bst_at(hour, minute=0, day=JUNE_BST):
    """A London wall-clock time on the June day, as an aware UTC datetime (BST: UTC + 1)."""
    return day.replace(hour=hour - 1, minute=minute)


class World:
    """One school with a person in each role (attributes named as in PEOPLE) and a `visit()` builder.
    Pass the school and any people already made (the root conftest passes its fixtures)."""

    def __init__(self, school=None, **people):
        self.school = school or SchoolFactory(name=SCHOOL_NAME)
        for name in PEOPLE:
            setattr(self, name, people.get(name) or person(self.school, name))

    def visit(self, state=VisitState.APPROVED, start=None, back=None, **extra):
        """A visit by the teacher and the TA: 10:00 to 11:15 on the June day unless told otherwise."""
        start = start or june_bst_at(10)
        family = extra.pop("family", None) or FamilyFactory(school=self.school)
        return VisitFactory(family=family, school=self.school, lead=self.teacher, created_by=self.teacher,
                            staff=[self.teacher, self.ta], planned_start=start,
                            expected_return=back or start + datetime.timedelta(minutes=75), state=state, **extra)


def as_user(client, user):
    """The test client, signed in as `user`."""
    client.force_login(user)
    return client
