"""The school admin changes the school's policy settings on the site's own pages: each page shows its
settings with the help text of the model, saves them whole, and says a bad value beside its field
with nothing saved (R-LATE-15, R-RETURN-30, R-CONTACT-STEPS, R-CHECKIN, R-WAIT, R-EVENING, R-PAIR,
R-TRAINING, R-INFORM; retention)."""

import datetime

import pytest

from accounts.models import RosterTier, School, TierKind

from .admin_forms import read_form
from .settings_helpers import beside, form_of, url

pytestmark = pytest.mark.django_db

ALL_FIELDS = ("late_call_minutes", "office_chase_minutes", "police_prompt_minutes", "alert_repeat_minutes",
              "charge_reminder_minutes", "staff_reminder_minutes", "low_risk_checkin_minutes",
              "medium_risk_checkin_minutes", "high_risk_checkin_minutes", "checkin_interval_minutes", "pin_to_end_visit",
              "override_alerts_head_at_late_call", "max_wait_minutes", "evening_starts", "lone_visits_allowed",
              "training_required", "dsl_may_clear_head_gates", "visit_retention_years", "concern_retention_years",
              "letter_greeting", "letter_sign_off", "name", "address", "two_factor_for_visiting_staff")


@pytest.fixture
def as_admin(client, school_admin):
    client.force_login(school_admin)
    return client


def stored(school):
    return School.objects.filter(pk=school.pk).values(*ALL_FIELDS).get()


@pytest.mark.parametrize(("page", "shows"), [
    ("alerts", ["First alert: minutes after the expected return", "the office is alerted to check on them",
                "Prompt to call the police", "Repeat an alert nobody has taken charge of"]),
    ("watch", ["Medium risk: check in this often", "How often staff on a medium-risk visit check in"]),
    ("planning", ["Wait at the door at most", "Evening starts at", "Lone visits may be approved",
                  "The DSL may also approve"]),
    ("letters", ["Letter greeting", "Letter sign-off", "New logo", "A PNG or JPEG of at most 1 MB"]),
    ("records", ["Years after the last of a family", "youngest child"]),
    ("roster", ["Office hours (UK time)", "The alert roster", "Monday", "Sunday"]),
])
def test_each_page_shows_its_settings_with_their_help(as_admin, school, page, shows):
    response = as_admin.get(url(school, page))
    assert response.status_code == 200
    html = response.content.decode()
    for text in shows:
        assert text in html
    assert 'data-testid="settings-pages"' in html  # every page links to the others


@pytest.mark.parametrize(("page", "changes", "expected"), [
    ("alerts", {"late_call_minutes": "10", "office_chase_minutes": "25", "police_prompt_minutes": "45",
                "alert_repeat_minutes": "5", "charge_reminder_minutes": "20", "staff_reminder_minutes": ""},
     {"late_call_minutes": 10, "office_chase_minutes": 25, "police_prompt_minutes": 45, "alert_repeat_minutes": 5,
      "charge_reminder_minutes": 20, "staff_reminder_minutes": None}),
    ("watch", {"low_risk_checkin_minutes": "120", "medium_risk_checkin_minutes": "60",
               "high_risk_checkin_minutes": "20", "checkin_interval_minutes": "180", "pin_to_end_visit": "on"},
     {"low_risk_checkin_minutes": 120, "medium_risk_checkin_minutes": 60, "high_risk_checkin_minutes": 20,
      "checkin_interval_minutes": 180, "override_alerts_head_at_late_call": False, "pin_to_end_visit": True}),
    ("planning", {"max_wait_minutes": "15", "evening_starts": "18:00", "lone_visits_allowed": "on",
                  "training_required": "on", "dsl_may_clear_head_gates": "on"},
     {"max_wait_minutes": 15, "evening_starts": datetime.time(18, 0), "lone_visits_allowed": True,
      "training_required": True, "dsl_may_clear_head_gates": True}),
    ("letters", {"letter_greeting": "Hello", "letter_sign_off": "With best wishes,", "address": "1 High St\nNorthampton"},
     {"letter_greeting": "Hello", "letter_sign_off": "With best wishes", "address": "1 High St\nNorthampton"}),
    ("records", {"visit_retention_years": "7", "concern_retention_years": "30"},
     {"visit_retention_years": 7, "concern_retention_years": 30}),
])
def test_the_school_admin_saves_a_page(as_admin, school, page, changes, expected):
    before = stored(school)
    data = form_of(as_admin, school, page)
    data.pop("override_alerts_head_at_late_call", None)  # unticked on the watch page
    data.update(changes)
    response = as_admin.post(url(school, page), data)
    assert response.status_code == 302 and response.url == url(school, page)
    after = stored(school)
    assert {k: after[k] for k in expected} == expected
    # Nothing of any other page moved.
    assert {k: v for k, v in after.items() if k not in expected} == {k: v for k, v in before.items()
                                                                      if k not in expected}
    assert "saved" in as_admin.get(response.url).content.decode()


GOOD_CHANGE = {"alerts": ("charge_reminder_minutes", "25"), "watch": ("checkin_interval_minutes", "200"),
               "planning": ("lone_visits_allowed", "on"), "letters": ("address", "2 Low Road"),
               "records": ("concern_retention_years", "40")}


@pytest.mark.parametrize(("page", "changes", "field", "message"), [
    ("alerts", {"late_call_minutes": "0"}, "late_call_minutes", "greater than or equal to 1"),
    ("alerts", {"late_call_minutes": "30", "office_chase_minutes": "30"}, "office_chase_minutes",
     "The office chase must come after the first alert."),
    ("alerts", {"police_prompt_minutes": "30"}, "police_prompt_minutes",
     "The prompt to call the police must come after the office chase."),
    ("alerts", {"alert_repeat_minutes": "abc"}, "alert_repeat_minutes", "Enter a whole number."),
    ("alerts", {"staff_reminder_minutes": "61"}, "staff_reminder_minutes", "less than or equal to 60"),
    ("watch", {"high_risk_checkin_minutes": "40"}, "high_risk_checkin_minutes",
     "can't check in less often than a medium-risk one"),
    ("planning", {"evening_starts": "25:99"}, "evening_starts", "Enter a valid time."),
    ("planning", {"max_wait_minutes": "121"}, "max_wait_minutes", "less than or equal to 120"),
    ("letters", {"letter_greeting": "<b>Dear</b>"}, "letter_greeting", "Use words and ordinary punctuation only"),
    ("letters", {"letter_sign_off": "x" * 61}, "letter_sign_off", "at most 60 characters"),
    ("letters", {"office_phone": "12345"}, "office_phone", "Enter a UK phone number"),
    ("records", {"visit_retention_years": "0"}, "visit_retention_years", "greater than or equal to 1"),
])
def test_a_bad_value_is_said_beside_its_field_and_nothing_is_saved(as_admin, school, page, changes, field,
                                                                   message):
    before = stored(school)
    data = form_of(as_admin, school, page)
    good, value = GOOD_CHANGE[page]
    data[good] = value  # a good change beside the bad one is not saved either
    data.update(changes)
    response = as_admin.post(url(school, page), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert message in beside(html, field)
    assert stored(school) == before


def test_a_posted_school_id_or_name_is_ignored(as_admin, school, other_school):
    # No mass assignment: only the page's own fields are read from the form.
    data = form_of(as_admin, school, "alerts")
    data.update(late_call_minutes="12", id=str(other_school.pk), pk=str(other_school.pk), school=str(other_school.pk),
                name="Renamed", lone_visits_allowed="on", visit_retention_years="1")
    assert as_admin.post(url(school, "alerts"), data).status_code == 302
    school.refresh_from_db()
    other_school.refresh_from_db()
    assert school.late_call_minutes == 12 and school.name != "Renamed"
    assert not school.lone_visits_allowed and school.visit_retention_years == 6
    assert other_school.late_call_minutes == 15


def test_an_unknown_page_is_not_found(as_admin, school):
    assert as_admin.get(f"/schools/{school.pk}/settings/everything/").status_code == 404


def test_the_menu_and_home_page_link_to_the_settings(as_admin, school):
    html = as_admin.get("/").content.decode()
    assert url(school, "alerts") in html
    assert html.count(url(school, "alerts")) >= 2  # the menu and the admin's home page
    assert as_admin.get("/school/settings/").url == url(school, "alerts")


def test_the_django_admin_still_saves_the_school(client, school_admin, school):
    school_admin.is_staff = True
    school_admin.save()
    client.force_login(school_admin)
    admin_url = f"/admin/accounts/school/{school.pk}/change/"
    data, _ = read_form(client.get(admin_url).content.decode(), "school_form")
    data["late_call_minutes"] = "11"
    data["letter_sign_off"] = "Kind regards"
    assert client.post(admin_url, data).status_code == 302
    school.refresh_from_db()
    assert school.late_call_minutes == 11 and school.letter_sign_off == "Kind regards"


def test_the_alert_check_page_links_the_admin_to_the_roster(as_admin, client, school, head):
    RosterTier.objects.create(school=school, position=1, kind=TierKind.OFFICE)
    assert url(school, "roster") in as_admin.get("/out/readiness/").content.decode()
    client.force_login(head)
    assert url(school, "roster") not in client.get("/out/readiness/").content.decode()


def test_a_rule_broken_by_what_was_stored_before_only_stops_its_own_page(as_admin, school):
    # Stored before the police prompt had to come after the chase: the letters page still saves,
    # and the alerts page says what to fix beside the field.
    School.objects.filter(pk=school.pk).update(office_chase_minutes=90, police_prompt_minutes=60)
    data = form_of(as_admin, school, "letters")
    data["letter_greeting"] = "Hello"
    assert as_admin.post(url(school, "letters"), data).status_code == 302
    school.refresh_from_db()
    assert school.letter_greeting == "Hello"
    data = form_of(as_admin, school, "alerts")
    response = as_admin.post(url(school, "alerts"), data)
    assert "must come after the office chase" in beside(response.content.decode(), "police_prompt_minutes")
