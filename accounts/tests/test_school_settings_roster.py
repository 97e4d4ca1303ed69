"""Office hours and the alert roster on their settings page, as formsets: tiers added, removed, swapped
and renumbered; only the school's own office staff, head and DSL named; one bad row anywhere and
nothing of the page is saved (accounts.roster, RosterTierForm's check of the people named)."""

import datetime

import pytest

from accounts import roles
from accounts.models import OfficeHours, RosterTier, TierKind
from accounts.settings_forms import RosterTierForm, SettingsRosterTierForm
from homevisits.factories import make_staff

from .settings_helpers import beside, form_of, url

pytestmark = pytest.mark.django_db

PAGE = "roster"


@pytest.fixture
def as_admin(client, school_admin):
    client.force_login(school_admin)
    return client


@pytest.fixture
def roster(school, office, head, dsl):
    """Office, head, DSL (named: the office person on the office tier), weekdays 08:00-16:00."""
    for position, kind in enumerate((TierKind.OFFICE, TierKind.HEAD, TierKind.DSL), start=1):
        tier = RosterTier.objects.create(school=school, position=position, kind=kind, ack_timeout_minutes=5)
        if kind == TierKind.OFFICE:
            tier.people.set([office])
    for day in range(5):
        OfficeHours.objects.create(school=school, weekday=day, opens=datetime.time(8), closes=datetime.time(16))
    return school


def tiers(school):
    return [(t.position, t.kind, t.ack_timeout_minutes, sorted(p.username for p in t.people.all()))
            for t in RosterTier.objects.filter(school=school).order_by("position")]


def hours(school):
    return {h.weekday: (h.opens, h.closes) for h in OfficeHours.objects.filter(school=school)}


def test_the_page_shows_the_roster_and_the_hours(as_admin, roster, office, other_head):
    html = as_admin.get(url(roster, PAGE)).content.decode()
    data = form_of(as_admin, roster, PAGE)
    assert data["tiers-TOTAL_FORMS"] == "4"  # three tiers and a blank one
    assert data["tiers-0-kind"] == "office" and data["tiers-0-people"] == str(office.pk)
    assert data["hours-0-on_duty"] == "on" and data["hours-0-opens"] == "08:00"
    assert "hours-5-on_duty" not in data  # Saturday unticked
    assert office.get_full_name() in html
    assert other_head.get_full_name() not in html  # another school's people are never offered


def test_the_admin_adds_an_out_of_hours_contact_and_changes_the_hours(as_admin, roster, dsl):
    data = form_of(as_admin, roster, PAGE)
    data.update({"tiers-3-position": "4", "tiers-3-kind": "out_of_hours", "tiers-3-people": str(dsl.pk),
                 "tiers-3-ack_timeout_minutes": "10", "tiers-1-ack_timeout_minutes": "3",
                 "hours-4-closes": "15:30", "hours-5-on_duty": "on", "hours-5-opens": "09:00",
                 "hours-5-closes": "12:00"})
    del data["hours-2-on_duty"]  # Wednesday: closed now
    assert as_admin.post(url(roster, PAGE), data).status_code == 302
    assert tiers(roster) == [(1, "office", 5, ["office"]), (2, "head", 3, []), (3, "dsl", 5, []),
                             (4, "out_of_hours", 10, ["dsl"])]
    assert hours(roster) == {0: (datetime.time(8), datetime.time(16)), 1: (datetime.time(8), datetime.time(16)),
                             3: (datetime.time(8), datetime.time(16)), 4: (datetime.time(8), datetime.time(15, 30)),
                             5: (datetime.time(9), datetime.time(12))}


def test_tiers_swap_places_and_are_numbered_again(as_admin, roster):
    data = form_of(as_admin, roster, PAGE)
    data.update({"tiers-0-position": "20", "tiers-1-position": "5", "tiers-2-DELETE": "on"})
    assert as_admin.post(url(roster, PAGE), data).status_code == 302
    assert tiers(roster) == [(1, "head", 5, []), (2, "office", 5, ["office"])]


def test_tiers_swap_kinds(as_admin, roster):
    # Office <-> head in one save: the one-tier-per-kind rule holds at the end, not half-way.
    data = form_of(as_admin, roster, PAGE)
    data.update({"tiers-0-kind": "head", "tiers-0-people": [], "tiers-1-kind": "office"})
    assert as_admin.post(url(roster, PAGE), data).status_code == 302
    assert [t[:2] for t in tiers(roster)] == [(1, "head"), (2, "office"), (3, "dsl")]


def test_another_schools_person_is_refused_beside_the_field(as_admin, roster, other_head):
    before_tiers, before_hours = tiers(roster), hours(roster)
    data = form_of(as_admin, roster, PAGE)
    data.update({"tiers-1-people": str(other_head.pk), "hours-4-closes": "15:00"})
    response = as_admin.post(url(roster, PAGE), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "Select a valid choice" in beside(html, "tiers-1-people")
    assert other_head.get_full_name() not in html
    assert tiers(roster) == before_tiers and hours(roster) == before_hours


def test_the_check_of_the_people_named_is_the_admins_own(roster, other_head):
    # The page's form is the admin's RosterTierForm: its check refuses another school's head even when
    # a list offered them (every school's, as a superuser's admin page does).
    assert issubclass(SettingsRosterTierForm, RosterTierForm)
    form = SettingsRosterTierForm({"position": "4", "kind": "named", "people": [str(other_head.pk)],
                                   "ack_timeout_minutes": "5"}, instance=RosterTier(school=roster), school=None)
    assert not form.is_valid()
    assert "Name only this school's office staff, head of school or DSL" in form.errors["people"][0]


def test_a_teacher_of_the_school_is_not_offered(as_admin, roster, teacher):
    data = form_of(as_admin, roster, PAGE)
    data["tiers-2-people"] = str(teacher.pk)
    response = as_admin.post(url(roster, PAGE), data)
    assert "Select a valid choice" in beside(response.content.decode(), "tiers-2-people")
    assert tiers(roster)[2] == (3, "dsl", 5, [])


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"tiers-1-position": "1"}, "tiers-1-position", "Two tiers can't both be number 1"),
    ({"tiers-2-kind": "head"}, "tiers-2-kind", "The roster has this kind of tier already"),
    ({"tiers-1-ack_timeout_minutes": "0"}, "tiers-1-ack_timeout_minutes", "greater than or equal to 1"),
    ({"tiers-3-position": "4", "tiers-3-kind": "named", "tiers-3-ack_timeout_minutes": "99"},
     "tiers-3-ack_timeout_minutes", "less than or equal to 60"),
    ({"hours-1-closes": "07:00"}, "hours-1-closes", "The office must close after it opens."),
    ({"hours-2-opens": ""}, "hours-2-opens", "Give the time, or untick the day."),
    ({"hours-6-on_duty": "on", "hours-6-opens": "10:00"}, "hours-6-closes", "Give the time, or untick the day."),
], ids=["same-place", "same-kind", "too-quick", "new-row-too-slow", "closes-before-opens", "no-time", "sunday-no-close"])
def test_one_bad_row_and_nothing_of_the_page_is_saved(as_admin, roster, dsl, changes, field, message):
    before_tiers, before_hours = tiers(roster), hours(roster)
    data = form_of(as_admin, roster, PAGE)
    # Good changes in other rows of both formsets, which must not be saved either.
    data.update({"tiers-0-ack_timeout_minutes": "9", "hours-0-opens": "07:30", "tiers-2-people": str(dsl.pk)})
    data.update(changes)
    response = as_admin.post(url(roster, PAGE), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert message in beside(html, field)
    assert tiers(roster) == before_tiers and hours(roster) == before_hours


def test_a_forged_eighth_day_is_never_read(as_admin, roster):
    data = form_of(as_admin, roster, PAGE)
    data.update({"hours-TOTAL_FORMS": "8", "hours-7-on_duty": "on", "hours-7-opens": "01:00",
                 "hours-7-closes": "02:00", "hours-7-weekday": "3", "hours-0-weekday": "6"})
    assert as_admin.post(url(roster, PAGE), data).status_code == 302
    assert hours(roster) == {day: (datetime.time(8), datetime.time(16)) for day in range(5)}


def test_a_new_office_person_can_be_named(as_admin, roster):
    second = make_staff(roster, roles.OFFICE, username="office2")
    data = form_of(as_admin, roster, PAGE)
    data["tiers-0-people"] = [data["tiers-0-people"], str(second.pk)]
    assert as_admin.post(url(roster, PAGE), data).status_code == 302
    assert tiers(roster)[0] == (1, "office", 5, ["office", "office2"])


def test_every_tier_removed_leaves_the_default_roster(as_admin, roster):
    data = form_of(as_admin, roster, PAGE)
    data.update({"tiers-0-DELETE": "on", "tiers-1-DELETE": "on", "tiers-2-DELETE": "on"})
    assert as_admin.post(url(roster, PAGE), data).status_code == 302
    assert tiers(roster) == []
    assert "With no tiers, the roster is the office" in as_admin.get(url(roster, PAGE)).content.decode()


def test_another_schools_tier_posted_by_its_id_is_never_touched(as_admin, roster, other_school, other_head):
    theirs = RosterTier.objects.create(school=other_school, position=1, kind=TierKind.HEAD, ack_timeout_minutes=7)
    theirs.people.set([other_head])
    data = form_of(as_admin, roster, PAGE)
    data.update({"tiers-0-id": str(theirs.pk), "tiers-0-DELETE": "on"})
    as_admin.post(url(roster, PAGE), data)
    theirs.refresh_from_db()
    assert theirs.school == other_school and theirs.ack_timeout_minutes == 7
    assert list(theirs.people.all()) == [other_head]
