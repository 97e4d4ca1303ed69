"""Changes to a school's settings on the audit page: each save of a settings page (or of the school in
the Django admin) with who, when, which page and every setting old -> new, including the office hours,
the roster and the logo; the auditor's own school only; a save that changed nothing writes nothing."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import RosterTier, SchoolSettingChange, TierKind
from accounts.tests.admin_forms import read_form
from accounts.tests.settings_helpers import form_of, url
from homevisits.factories import TUESDAY_GMT as NOW
from homevisits.factories import as_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


@pytest.fixture
def as_admin(client, school_admin):
    school_admin.first_name, school_admin.last_name = "Adam", "Ellis"
    school_admin.save()
    return as_user(client, school_admin)


def save(client, school, page, **changes):
    data = form_of(client, school, page)
    data.update(changes)
    response = client.post(url(school, page), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def settings_entries(client, **params):
    response = client.get("/audit/", {"model": "school_settings", **params})
    assert response.status_code == 200
    return response, response.context["entries"]


def test_a_saved_page_shows_who_when_which_page_and_old_to_new(as_admin, school, head, clock_tuesday_gmt):
    clock_tuesday_gmt.move_to(NOW + datetime.timedelta(minutes=5))
    save(as_admin, school, "alerts", late_call_minutes="10", staff_reminder_minutes="")
    page, entries = settings_entries(as_user(Client(), head))
    assert len(entries) == 1
    entry = entries[0]
    assert entry["who"] == "Adam Ellis" and entry["label"] == "Alerts and the ladder"
    assert entry["at"] == NOW + datetime.timedelta(minutes=5)
    assert entry["changes"] == [
        {"field": "first alert: minutes after the expected return", "old": "15", "new": "10"},
        {"field": "remind staff this many minutes before they are due back", "old": "5", "new": "off"},
    ]
    html = page.content.decode()
    assert "<del>15</del> → <ins>10</ins>" in html and "School settings" in html


def test_the_hours_and_roster_changes_are_shown_by_day_and_tier(as_admin, school, office, dsl):
    RosterTier.objects.create(school=school, position=1, kind=TierKind.OFFICE).people.set([office])
    save(as_admin, school, "roster", **{
        "hours-0-on_duty": "on", "hours-0-opens": "08:00", "hours-0-closes": "16:00",
        "tiers-0-ack_timeout_minutes": "3",
        "tiers-1-position": "2", "tiers-1-kind": "out_of_hours", "tiers-1-people": str(dsl.pk),
        "tiers-1-ack_timeout_minutes": "10"})
    change = SchoolSettingChange.objects.get()
    assert change.changes == [
        {"setting": "office hours, Monday", "old": "closed", "new": "08:00 to 16:00"},
        {"setting": "roster tier 1", "old": f"Office on duty, 5 min to take charge; named: {office.get_full_name()}",
         "new": f"Office on duty, 3 min to take charge; named: {office.get_full_name()}"},
        {"setting": "roster tier 2", "old": "(none)",
         "new": f"Out-of-hours contacts, 10 min to take charge; named: {dsl.get_full_name()}"},
    ]


def test_the_logo_is_recorded_by_its_size_and_digest_never_its_bytes(as_admin, school):
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (0, 90, 0)).save(out, format="PNG")
    data = form_of(as_admin, school, "letters")
    data["logo_file"] = SimpleUploadedFile("crest.png", out.getvalue(), content_type="image/png")
    assert as_admin.post(url(school, "letters"), data).status_code == 302
    (change,) = SchoolSettingChange.objects.all()
    assert change.changes[0]["setting"] == "school logo" and change.changes[0]["old"] == "(none)"
    assert change.changes[0]["new"].startswith("PNG 120 x 60 px (")
    assert len(str(change.changes)) < 300


def test_a_save_that_changed_nothing_writes_nothing(as_admin, school):
    save(as_admin, school, "planning")
    save(as_admin, school, "roster")
    assert not SchoolSettingChange.objects.exists()


def test_a_refused_save_writes_nothing(as_admin, school):
    data = form_of(as_admin, school, "alerts")
    data["late_call_minutes"] = "0"
    assert as_admin.post(url(school, "alerts"), data).status_code == 200
    assert not SchoolSettingChange.objects.exists()


def test_a_change_in_the_django_admin_is_recorded_too(client, school_admin, school, head):
    school_admin.is_staff = True
    school_admin.save()
    as_user(client, school_admin)
    admin_url = f"/admin/accounts/school/{school.pk}/change/"
    data, _ = read_form(client.get(admin_url).content.decode(), "school_form")
    data.update(max_wait_minutes="25", lone_visits_allowed="on")
    assert client.post(admin_url, data).status_code == 302
    _, entries = settings_entries(as_user(Client(), head))
    assert entries[0]["label"] == "School in the Django admin"
    assert {c["field"]: (c["old"], c["new"]) for c in entries[0]["changes"]} == {
        "wait at the door at most (minutes)": ("20", "25"), "lone visits may be approved": ("No", "Yes")}


def test_another_schools_changes_are_not_shown(as_admin, school, other_school, other_admin, head):
    save(as_user(Client(), other_admin), other_school, "records", visit_retention_years="9")
    _, entries = settings_entries(as_user(Client(), head))
    assert entries == []
    _, everything = settings_entries(as_user(Client(), head), model="")
    assert all(e["key"] != "school_settings" for e in everything)


def test_the_change_shows_among_all_records_and_by_person(as_admin, school, school_admin, head, office):
    save(as_admin, school, "records", concern_retention_years="30")
    client = as_user(Client(), head)
    _, everything = settings_entries(client, model="")
    assert [e["label"] for e in everything if e["key"] == "school_settings"] == ["Keeping records"]
    _, by_admin = settings_entries(client, person=str(school_admin.pk))
    _, by_office = settings_entries(client, person=str(office.pk))
    assert len(by_admin) == 1 and by_office == []


def test_setting_changes_are_append_only(as_admin, school):
    save(as_admin, school, "records", concern_retention_years="30")
    change = SchoolSettingChange.objects.get()
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        change.delete()


@pytest.mark.parametrize(("page", "changes", "recorded"), [
    ("alerts", {"police_prompt_minutes": "75"},
     ("prompt to call the police: minutes after the expected return", "60", "75")),
    ("watch", {"low_risk_checkin_minutes": "90"}, ("low risk: check in this often (minutes)", "off", "90")),
    ("planning", {"evening_starts": "18:15"}, ("evening starts at", "17:30", "18:15")),
    ("letters", {"letter_greeting": "Hello"}, ("letter greeting", "Dear", "Hello")),
    ("records", {"visit_retention_years": "8"}, ("visit retention years", "6", "8")),
    ("roster", {"hours-6-on_duty": "on", "hours-6-opens": "10:00", "hours-6-closes": "12:00"},
     ("office hours, Sunday", "closed", "10:00 to 12:00")),
])
def test_every_page_records_its_changes_old_to_new(as_admin, school, head, page, changes, recorded):
    save(as_admin, school, page, **changes)
    _, entries = settings_entries(as_user(Client(), head))
    (entry,) = entries
    assert [(c["field"], c["old"], c["new"]) for c in entry["changes"]] == [recorded]
    assert entry["who"] == "Adam Ellis"
