"""Staff who work across a trust's schools (issue 16): a member of two schools chooses which one they
are working for, and scoping stays exact (R-CONFIDENTIAL): while working for A they see A's records
only, while working for B, B's only; everyone else still gets "not found" on another school's
records; a forged switch is 404 and changes nothing; a membership taken away falls back to the home
school at the next request."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import Client

from accounts import roles
from accounts.models import (
    WORKING_FOR_SESSION_KEY,
    AccountChange,
    AccountChangeKind,
    SchoolMembership,
    school_of,
)
from accounts.working_for import works_at
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, as_user, make_staff, make_trust
from notifications.models import Notification
from notifications.outbox import school_people
from safety.watchdog import check_in, scan
from visits.assessments import ensure_risk_assessment
from visits.models import EventKind, VisitState

pytestmark = pytest.mark.django_db
User = get_user_model()

NOW = datetime.datetime(2026, 11, 24, 11, 0, tzinfo=datetime.UTC)  # a Tuesday, 11:00 in London
SWITCH = "/accounts/working-for/"


def late_visit(school, staff, family_name):
    """A visit of `school` out since 08:00 and due back 90 minutes ago."""
    family = FamilyFactory(school=school, display_name=family_name)
    visit = VisitFactory(family=family, school=school, lead=staff[0], created_by=staff[0], staff=staff,
                         state=VisitState.APPROVED, planned_start=NOW - datetime.timedelta(hours=3),
                         expected_return=NOW - datetime.timedelta(minutes=90))
    ensure_risk_assessment(visit)
    check_in(visit, EventKind.DEPARTED, staff[0], now=NOW - datetime.timedelta(hours=3))
    return visit


@pytest.fixture
def two(clock_tuesday_11am_gmt, school, other_school, teacher, ta, head, office):
    """School A (the world's school) and B, one trust; the other school in no trust. `fsw`: visiting
    staff, home school A, also B. `both_office`: office role, home A, also B. On each of A and B a
    visit by the fsw that is overdue."""
    b = SchoolFactory(name="Brookside")
    make_trust(school, b, name="Nene Valley Trust")
    fsw = make_staff(school, roles.VISITING_STAFF, username="fsw")
    SchoolMembership.objects.create(user=fsw, school=b)
    both_office = make_staff(school, roles.OFFICE, username="bothoffice")
    SchoolMembership.objects.create(user=both_office, school=b)
    b_office = make_staff(b, roles.OFFICE, username="boffice")
    b_teacher = make_staff(b, roles.VISITING_STAFF, username="bteacher")
    return {"a": school, "b": b, "fsw": fsw, "both_office": both_office, "b_office": b_office,
            "a_visit": late_visit(school, [fsw, teacher], "Quillfeather family"),
            "b_visit": late_visit(b, [fsw, b_teacher], "Ashby family"),
            "elsewhere": late_visit(other_school, [make_staff(other_school, username="ot1"),
                                                   make_staff(other_school, username="ot2")], "Zanzibar family")}


def pages_of(visit):
    return [f"/visits/{visit.pk}/", f"/families/{visit.family_id}/", f"/out/{visit.pk}/", f"/visits/{visit.pk}/letter/"]


def switch(client, school):
    return client.post(SWITCH, {"school": str(school.pk)})


def test_the_fsw_sees_as_only_while_working_for_a_and_bs_only_while_working_for_b(client, two):
    as_user(client, two["fsw"])
    for url in pages_of(two["a_visit"]):
        assert client.get(url).status_code == 200, url
    for url in pages_of(two["b_visit"]) + pages_of(two["elsewhere"]):
        assert client.get(url).status_code == 404, url
    assert "Quillfeather" in client.get("/visits/").content.decode()
    assert "Ashby" not in client.get("/visits/").content.decode()

    assert switch(client, two["b"]).status_code == 302
    for url in pages_of(two["b_visit"]):
        assert client.get(url).status_code == 200, url
    for url in pages_of(two["a_visit"]) + pages_of(two["elsewhere"]):
        assert client.get(url).status_code == 404, url
    listing = client.get("/visits/").content.decode()
    assert "Ashby" in listing and "Quillfeather" not in listing

    assert switch(client, two["a"]).status_code == 302  # back to the home school
    assert client.get(f"/visits/{two['a_visit'].pk}/").status_code == 200
    assert client.get(f"/visits/{two['b_visit'].pk}/").status_code == 404
    assert WORKING_FOR_SESSION_KEY not in client.session


def test_an_office_member_of_two_schools_sees_one_schools_board_families_and_export_at_a_time(client, two):
    as_user(client, two["both_office"])
    pages = ("/out/", "/families/", "/timetable/csv/")
    for url in pages:
        text = client.get(url).content.decode()
        assert "Quillfeather" in text and "Ashby" not in text and "Zanzibar" not in text, url
    switch(client, two["b"])
    for url in pages:
        text = client.get(url).content.decode()
        assert "Ashby" in text and "Quillfeather" not in text and "Zanzibar" not in text, url


def test_someone_of_one_school_only_still_gets_not_found_on_the_other_schools_records(client, two, teacher, head,
                                                                                     office):
    for person in (teacher, head, office):
        as_user(client, person)
        for url in pages_of(two["b_visit"]):
            assert client.get(url).status_code == 404, (person, url)
    as_user(client, two["b_office"])
    for url in (f"/visits/{two['a_visit'].pk}/", f"/families/{two['a_visit'].family_id}/"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("forged", ["other_school", "nobody's", "abc", ""])
def test_a_forged_switch_is_not_found_and_changes_nothing(client, two, other_school, forged):
    value = {"other_school": str(other_school.pk), "nobody's": "999999", "abc": "abc", "": ""}[forged]
    as_user(client, two["fsw"])
    switch(client, two["b"])
    changes = AccountChange.objects.count()
    assert client.post(SWITCH, {"school": value}).status_code == 404
    assert client.session[WORKING_FOR_SESSION_KEY] == two["b"].pk
    assert AccountChange.objects.count() == changes
    assert client.get(f"/visits/{two['b_visit'].pk}/").status_code == 200


def test_a_single_school_person_cannot_switch_into_another_school_of_the_trust(client, two, teacher):
    as_user(client, teacher)
    assert switch(client, two["b"]).status_code == 404
    assert WORKING_FOR_SESSION_KEY not in client.session
    assert client.get(f"/visits/{two['b_visit'].pk}/").status_code == 404


def test_a_session_value_planted_for_a_school_they_dont_belong_to_counts_for_nothing(client, two, teacher):
    as_user(client, teacher)
    session = client.session
    session[WORKING_FOR_SESSION_KEY] = two["b"].pk
    session.save()
    assert client.get(f"/visits/{two['b_visit'].pk}/").status_code == 404
    assert WORKING_FOR_SESSION_KEY not in client.session


def test_the_switch_takes_only_a_post(client, two):
    as_user(client, two["fsw"])
    assert client.get(SWITCH, {"school": two["b"].pk}).status_code == 405
    assert WORKING_FOR_SESSION_KEY not in client.session


def test_the_switch_needs_the_csrf_token(two):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(two["fsw"])
    assert strict.post(SWITCH, {"school": two["b"].pk}).status_code == 403
    assert WORKING_FOR_SESSION_KEY not in strict.session


def test_removing_the_membership_falls_back_to_the_home_school_at_the_next_request(client, two):
    as_user(client, two["fsw"])
    switch(client, two["b"])
    assert client.get(f"/visits/{two['b_visit'].pk}/").status_code == 200
    SchoolMembership.objects.filter(user=two["fsw"], school=two["b"]).delete()
    assert client.get(f"/visits/{two['b_visit'].pk}/").status_code == 404
    assert client.get(f"/visits/{two['a_visit'].pk}/").status_code == 200
    assert WORKING_FOR_SESSION_KEY not in client.session


def test_a_school_that_leaves_the_trust_is_no_longer_theirs_to_work_for(client, two):
    as_user(client, two["fsw"])
    switch(client, two["b"])
    type(two["b"]).objects.filter(pk=two["b"].pk).update(trust=None)
    assert client.get(f"/visits/{two['b_visit'].pk}/").status_code == 404
    assert client.get(f"/visits/{two['a_visit'].pk}/").status_code == 200


def test_each_change_of_school_is_on_the_account_change_log_of_both_schools(client, two):
    as_user(client, two["fsw"])
    switch(client, two["b"])
    rows = AccountChange.objects.filter(account=two["fsw"], kind=AccountChangeKind.WORKING_FOR)
    assert sorted(rows.values_list("school_id", "old", "new", "actor_id")) == sorted([
        (two["a"].pk, two["a"].name, "Brookside", two["fsw"].pk), (two["b"].pk, two["a"].name, "Brookside", two["fsw"].pk)])
    switch(client, two["b"])  # no change, no row
    assert rows.count() == 2


def test_the_header_says_which_school_and_offers_the_others(client, two, teacher):
    as_user(client, two["fsw"])
    page = client.get("/visits/").content.decode()
    assert 'data-testid="working-for"' in page and "Brookside" in page
    switch(client, two["b"])
    page = client.get("/visits/").content.decode()
    assert f'<option value="{two["b"].pk}" selected>Brookside</option>' in page
    assert 'data-testid="school-name">Brookside<' in page
    as_user(client, teacher)
    assert 'data-testid="working-for"' not in client.get("/visits/").content.decode()


def test_while_out_on_a_visit_they_cannot_switch_away_from_its_school(client, two, school):
    # R-CHECKIN, R-RETURN: the check-in pages of the visit they are out on are its school's.
    as_user(client, two["fsw"])
    # Out on both A's and B's visits (the fixture): back from B's, still out on A's.
    check_in(two["b_visit"], EventKind.RETURNED, two["fsw"], now=NOW)
    response = switch(client, two["b"])
    assert response.status_code == 302
    assert WORKING_FOR_SESSION_KEY not in client.session
    assert "out on a visit for Hunsbury Park" in client.get("/").content.decode()
    assert client.get(f"/out/{two['a_visit'].pk}/").status_code == 200


def test_school_of_outside_a_request_is_the_home_school(two):
    fsw = User.objects.get(pk=two["fsw"].pk)
    assert school_of(fsw) == two["a"]


def test_staff_on_a_visit_of_their_other_school_check_in_whichever_school_they_work_for(two, office):
    # R-CHECKIN, R-RETURN: a text message or a phone tap has no "working for"; their own visit counts.
    fsw = User.objects.get(pk=two["fsw"].pk)
    assert school_of(fsw) == two["a"]
    check_in(two["b_visit"], EventKind.RETURNED, fsw, now=NOW)
    assert two["b_visit"].staff_links.get(user=fsw).returned_at is not None
    # The office of A, on no visit of B, still records nothing for B's visit.
    with pytest.raises(PermissionDenied):
        check_in(two["b_visit"], EventKind.OK, office, now=NOW, how="phone")


def test_the_trusts_other_schools_staff_who_work_here_can_be_picked_for_its_visits(two, other_school):
    stranger = make_staff(other_school, username="stranger")
    SchoolMembership.objects.create(user=stranger, school=two["b"])  # outside the trust: counts for nothing
    picked = set(User.objects.filter(works_at(two["b"])).distinct())
    assert {two["fsw"], two["both_office"], two["b_office"]} <= picked
    assert stranger not in picked


# --- Alerts: roles are the person's own, the rosters their home school's ------------------------------

def test_an_office_member_of_two_schools_is_on_the_home_schools_alerts_only(two):
    """Decided conservatively: a school's alerts (the office, head and DSL tiers) reach the people
    whose home school it is. An office member of two schools is on their home school's roster; the
    other school's roster is its own people. A family support worker with the visiting staff role is
    on no roster anywhere."""
    assert two["both_office"] in school_people(two["a"], roles.OFFICE)
    assert two["both_office"] not in school_people(two["b"], roles.OFFICE)
    assert two["b_office"] in school_people(two["b"], roles.OFFICE)
    scan(NOW)
    alerted_about = set(Notification.objects.filter(recipient=two["both_office"])
                        .values_list("visit_id", flat=True))
    assert two["a_visit"].pk in alerted_about and two["b_visit"].pk not in alerted_about
    assert Notification.objects.filter(recipient=two["b_office"], visit=two["b_visit"]).exists()
    # The fsw is told about nothing as a roster member (only their own visits' notices to them).
    assert not Notification.objects.filter(recipient=two["fsw"]).exclude(
        visit__in=[two["a_visit"], two["b_visit"]]).exists()


def test_a_member_who_becomes_head_works_for_the_home_school_only(client, two, head):
    """The head, DSL and school admin lead one school: a membership (made before the role, say)
    gives them no other school to work for, and a choice already made falls back."""
    as_user(client, two["fsw"])
    switch(client, two["b"])
    two["fsw"].groups.add(Group.objects.get(name=roles.DSL))
    assert client.get(f"/visits/{two['b_visit'].pk}/").status_code == 404
    assert 'data-testid="working-for"' not in client.get("/visits/").content.decode()
    assert switch(client, two["b"]).status_code == 404
