"""The trust's rules for its schools' settings: a school may tighten (fewer minutes, the stricter yes or
no) but never loosen them, a locked one it can't change; the trust's save tightens every school of the
trust at once, on each school's audit page, and the ladder follows (R-LATE-15, R-RETURN-30, R-CHECKIN,
R-PAIR, R-CODEWORD)."""

import datetime

import pytest

from accounts.models import School, SchoolSettingChange, Trust
from accounts.tests.admin_forms import read_form
from homevisits.factories import as_user
from safety import ladder

pytestmark = pytest.mark.django_db


def rules_data(**values):
    data = {"late_call_minutes": "", "office_chase_minutes": "", "checkin_interval_minutes": "",
            "lone_visits_allowed": "", "pin_to_end_visit": ""}
    data.update({k: ("on" if v is True else str(v)) for k, v in values.items()})
    return data


def settings_form(client, school, page):
    """The page's form as it stands (every field with its stored value)."""
    form = client.get(f"/schools/{school.pk}/settings/{page}/").context["form"]
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value.strftime("%H:%M") if isinstance(value, datetime.time) else str(value)
    return data


@pytest.fixture
def admin_client(client, school_admin):
    return as_user(client, school_admin)


def test_a_school_may_tighten_but_not_loosen_the_trusts_minutes(trusts, school, admin_client):
    Trust.objects.filter(pk=trusts.a.pk).update(late_call_minutes=15, office_chase_minutes=30)
    url = f"/schools/{school.pk}/settings/alerts/"
    data = settings_form(admin_client, school, "alerts")
    data["office_chase_minutes"] = "40"
    page = admin_client.post(url, data)
    assert page.status_code == 200
    assert "Your trust requires at most 30 minutes." in page.content.decode()
    assert page.context["form"].errors["office_chase_minutes"] == ["Your trust requires at most 30 minutes."]
    school.refresh_from_db()
    assert school.office_chase_minutes == 30
    data["office_chase_minutes"], data["late_call_minutes"] = "25", "10"
    assert admin_client.post(url, data).status_code == 302
    school.refresh_from_db()
    assert (school.late_call_minutes, school.office_chase_minutes) == (10, 25)


def test_a_school_may_refuse_lone_visits_but_not_allow_them_against_the_trust(trusts, school, admin_client):
    Trust.objects.filter(pk=trusts.a.pk).update(lone_visits_allowed=False, pin_to_end_visit=True)
    School.objects.filter(pk=school.pk).update(pin_to_end_visit=True)
    data = settings_form(admin_client, school, "planning")
    data["lone_visits_allowed"] = "on"
    page = admin_client.post(f"/schools/{school.pk}/settings/planning/", data)
    assert page.context["form"].errors["lone_visits_allowed"] == ["Your trust does not allow lone visits."]
    watch = settings_form(admin_client, school, "watch")
    watch.pop("pin_to_end_visit", None)
    page = admin_client.post(f"/schools/{school.pk}/settings/watch/", watch)
    assert page.context["form"].errors["pin_to_end_visit"] == ["Your trust requires the PIN to end a visit."]
    school.refresh_from_db()
    assert school.lone_visits_allowed is False and school.pin_to_end_visit is True


def test_a_periodic_check_in_can_be_made_more_frequent_not_turned_off(trusts, school, admin_client):
    Trust.objects.filter(pk=trusts.a.pk).update(checkin_interval_minutes=60)
    School.objects.filter(pk=school.pk).update(checkin_interval_minutes=60)
    data = settings_form(admin_client, school, "watch")
    data["checkin_interval_minutes"] = ""
    page = admin_client.post(f"/schools/{school.pk}/settings/watch/", data)
    assert page.context["form"].errors["checkin_interval_minutes"] == [
        "Your trust requires check-ins at least every 60 minutes."]
    data["checkin_interval_minutes"] = "45"
    assert admin_client.post(f"/schools/{school.pk}/settings/watch/", data).status_code == 302


def test_a_locked_setting_is_shown_not_offered_and_a_forged_post_changes_nothing(trusts, school, admin_client):
    Trust.objects.filter(pk=trusts.a.pk).update(late_call_minutes=15, late_call_locked=True)
    page = admin_client.get(f"/schools/{school.pk}/settings/alerts/")
    field = page.context["form"].fields["late_call_minutes"]
    assert field.disabled and "only the trust can change it" in page.content.decode()
    data = settings_form(admin_client, school, "alerts")
    data["late_call_minutes"] = "5"  # tighter, but locked: ignored
    assert admin_client.post(f"/schools/{school.pk}/settings/alerts/", data).status_code == 302
    school.refresh_from_db()
    assert school.late_call_minutes == 15


def test_the_django_admin_keeps_the_trusts_rules_too(trusts, school, client, school_admin):
    Trust.objects.filter(pk=trusts.a.pk).update(late_call_minutes=15)
    school_admin.is_staff = True
    school_admin.save()
    client.force_login(school_admin)
    admin_url = f"/admin/accounts/school/{school.pk}/change/"
    data, _ = read_form(client.get(admin_url).content.decode(), "school_form")
    data["late_call_minutes"] = "20"
    page = client.post(admin_url, data)
    assert page.status_code == 200 and "Your trust requires at most 15 minutes." in page.content.decode()
    school.refresh_from_db()
    assert school.late_call_minutes == 15


def test_the_trusts_save_tightens_every_school_audits_it_and_moves_the_ladder(
        trusts, school, client, clock_tuesday_gmt):
    School.objects.filter(pk=trusts.second.pk).update(late_call_minutes=20, office_chase_minutes=45,
                                                      lone_visits_allowed=True)
    as_user(client, trusts.admin)
    response = client.post("/trust/rules/", rules_data(late_call_minutes=10, office_chase_minutes=20,
                                                       lone_visits_allowed="false", lone_visits_locked=True))
    assert response.status_code == 302
    second = School.objects.get(pk=trusts.second.pk)
    assert (second.late_call_minutes, second.office_chase_minutes, second.lone_visits_allowed) == (10, 20, False)
    change = SchoolSettingChange.objects.filter(school=second).get()
    assert change.actor == trusts.admin and change.section == "The trust's rules"
    said = {c["setting"]: (c["old"], c["new"]) for c in change.changes}
    assert said["office must chase: minutes after the expected return"] == ("45", "20")
    assert said["trust's rule: lone visits may be approved"] == ("no rule", "No, locked")
    # The ladder reads the value in force: the chase 20 minutes after the expected return.
    back = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC)
    assert ladder.counted_from(back, "late_return", second).chase_at == back + datetime.timedelta(minutes=20)
    # Another trust's school is untouched.
    assert not SchoolSettingChange.objects.filter(school=trusts.b.schools.get()).exists()


def test_the_trusts_save_that_would_break_a_schools_own_rules_saves_nothing(trusts, client):
    School.objects.filter(pk=trusts.second.pk).update(late_call_minutes=25, office_chase_minutes=45)
    as_user(client, trusts.admin)
    page = client.post("/trust/rules/", rules_data(office_chase_minutes=20))
    assert page.status_code == 200
    assert "Nene Valley: The office chase must come after the first alert." in page.content.decode()
    assert Trust.objects.get(pk=trusts.a.pk).office_chase_minutes is None
    assert School.objects.get(pk=trusts.second.pk).office_chase_minutes == 45


def test_a_lock_needs_a_value(trusts, client):
    as_user(client, trusts.admin)
    page = client.post("/trust/rules/", rules_data(late_call_locked=True))
    assert page.context["form"].errors["late_call_locked"] == ["Give the trust's value first: there is nothing to lock."]


@pytest.mark.parametrize("who", ["lead", "other_admin"])
def test_only_the_trusts_admin_sets_its_rules(trusts, client, who, school_admin):
    as_user(client, getattr(trusts, who))
    if who == "lead":
        assert client.get("/trust/rules/").status_code == 404
    else:
        # Another trust's admin sets their own trust's rules, never trust A's.
        client.post("/trust/rules/", rules_data(late_call_minutes=5))
        assert Trust.objects.get(pk=trusts.a.pk).late_call_minutes is None
    as_user(client, school_admin)
    assert client.get("/trust/rules/").status_code == 404


def test_the_schools_audit_page_shows_the_trusts_change(trusts, school, client, head):
    School.objects.filter(pk=school.pk).update(office_chase_minutes=30)
    as_user(client, trusts.admin).post("/trust/rules/", rules_data(office_chase_minutes=25,
                                                                   office_chase_locked=True))
    text = as_user(client, head).get("/audit/").content.decode()
    assert "The trust&#x27;s rules" in text and "25 minutes, locked" in text


def test_a_school_admin_cannot_move_the_school_out_of_its_trust(trusts, school, client, school_admin):
    school_admin.is_staff = True
    school_admin.save()
    client.force_login(school_admin)
    admin_url = f"/admin/accounts/school/{school.pk}/change/"
    data, _ = read_form(client.get(admin_url).content.decode(), "school_form")
    data["trust"] = ""  # a forged field: the trust is shown, not offered
    data["address"] = "2 New Road"
    assert client.post(admin_url, data).status_code == 302
    school.refresh_from_db()
    assert school.address == "2 New Road" and school.trust == trusts.a


def test_the_rules_page_shows_each_schools_values(trusts, school, client):
    page = as_user(client, trusts.admin).get("/trust/rules/")
    assert page.status_code == 200
    text = page.content.decode()
    assert school.name in text and "Nene Valley" in text and "Heather Avenue" not in text
