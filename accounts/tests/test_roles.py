import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts import roles
from accounts.models import School, StaffProfile
from accounts.validators import normalise_registration
from homevisits.factories import SchoolFactory, make_staff

pytestmark = pytest.mark.django_db


def test_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)


def test_school_admin_group_holds_only_what_the_admin_pages_need():
    """Not every permission of auth and the apps (the School admin group had them all): staff and
    the school's settings, and reading the append-only records; no delete, groups or permissions."""
    perms = set(Group.objects.get(name=roles.SCHOOL_ADMIN).permissions.values_list(
        "content_type__app_label", "codename"))
    assert perms == {
        ("accounts", "view_school"), ("accounts", "change_school"), ("accounts", "view_staffprofile"),
        ("accounts", "change_staffprofile"), ("accounts", "add_staffprofile"),
        ("auth", "view_user"), ("auth", "change_user"), ("auth", "add_user"),
        ("visits", "view_visitevent"),
        ("safety", "view_contactattempt"), ("notifications", "view_notification"), ("safety", "view_escalation"),
        # The school's alert roster and office hours, rows of its settings (inlines on its page).
        *(("accounts", f"{verb}_{model}") for verb in ("view", "add", "change", "delete")
          for model in ("rostertier", "officehours")),
    }
    # Nothing else deleted: staff leave by being made inactive; records are append-only.
    assert {code for _app, code in perms if code.startswith("delete_")} == {"delete_rostertier", "delete_officehours"}


def test_school_defaults_follow_the_policies():
    school = School.objects.create(name="A", office_phone="01604 496000")
    assert school.late_call_minutes == 15  # R-LATE-15
    assert school.office_chase_minutes == 30  # R-RETURN-30
    assert school.checkin_interval_minutes is None  # R-CHECKIN off by default
    assert school.max_wait_minutes == 20  # R-WAIT
    assert str(school.evening_starts) == "17:30:00"  # R-EVENING
    assert school.lone_visits_allowed is False  # R-PAIR
    assert school.training_required is False  # R-TRAINING


@pytest.mark.parametrize("raw,clean", [("ab12cde", "AB12 CDE"), ("A123 BCD", "A123 BCD"), ("abc 123d", "ABC 123D"),
                                       ("ab-12-cde", "AB12 CDE")])
def test_vehicle_registrations_are_normalised(raw, clean):
    assert normalise_registration(raw) == clean


@pytest.mark.parametrize("raw", ["12345678", "HELLO WORLD", "A", "AB12 CDEF"])
def test_bad_registrations_are_refused(raw):
    with pytest.raises(ValidationError):
        normalise_registration(raw)


def test_profile_validation_refuses_bad_mobile_and_registration():
    school = SchoolFactory()
    user = make_staff(school)
    profile = StaffProfile.objects.get(user=user)
    profile.mobile = "12345"
    profile.vehicle_registration = "NOT A REG"
    with pytest.raises(ValidationError) as err:
        profile.full_clean()
    assert set(err.value.message_dict) == {"mobile", "vehicle_registration"}


@pytest.mark.parametrize("typed", ["07700 900123", "+44 7700 900123", "(07700) 900123"])
def test_uk_mobile_formats_are_stored_as_e164(typed):
    school = SchoolFactory()
    user = make_staff(school, mobile=typed)
    profile = StaffProfile.objects.get(user=user)
    profile.full_clean()
    profile.save()
    profile.refresh_from_db()
    assert str(profile.mobile) == "+447700900123"
    assert profile.mobile.as_national == "07700 900123"


def test_admin_refuses_a_bad_registration_with_a_message(admin_client):
    school = SchoolFactory()
    user = make_staff(school)
    profile = StaffProfile.objects.get(user=user)
    response = admin_client.post(f"/admin/accounts/staffprofile/{profile.pk}/change/", {
        "user": user.pk, "school": school.pk, "job_title": "Teacher", "mobile_0": "GB", "mobile_1": "07700900123",
        "mobile": "07700 900123", "vehicle_registration": "NOT A REG",
    })
    assert response.status_code == 200
    assert "Enter a UK vehicle registration" in response.content.decode()
