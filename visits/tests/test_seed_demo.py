"""`seed_demo` runs at every `make run`: safe to run again, and it never deletes or changes what a
person made or changed (it used to delete every visit of the demo families on each start)."""

import datetime
import os

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import RosterTier, School, SchoolMembership, StaffProfile, TierKind
from accounts.working_for import schools_of
from notifications.models import Notification
from safety import ladder
from safety.management.commands.seed_demo import SCHOOL_NAME, SECOND_SCHOOL_NAME
from safety.models import Escalation, EscalationReason
from safety.watchdog import check_in, scan
from visits.assessments import complete_checklist, ensure_risk_assessment, mark_reviewed
from visits.models import (
    Carer,
    Child,
    EventKind,
    Family,
    Round,
    SafetyChecklist,
    Visit,
    VisitEvent,
    VisitReport,
    VisitState,
)
from visits.scoping import trust_schools
from visits.services import submit

from .planning import make_ready, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

NOW = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC)  # a Tuesday, 10:00 in London
LATER = NOW + datetime.timedelta(hours=7)  # the next `make run`, the same afternoon


def seed():
    call_command("seed_demo", stdout=open(os.devnull, "w"))


def counts():
    return (School.objects.count(), get_user_model().objects.count(), Family.objects.count(),
            Child.objects.count(), Carer.objects.count(), Visit.objects.count(), VisitEvent.objects.count())


def user(name):
    return get_user_model().objects.get(username=name)


def family(name):
    return Family.objects.get(display_name=name)


def snapshot(visit_pk):
    """Everything about a visit that anyone could have made or changed."""
    visit = Visit.objects.get(pk=visit_pk)
    def rows(qs):
        return [tuple(sorted(r.items())) for r in qs.values()]
    return {
        "visit": rows(Visit.objects.filter(pk=visit_pk)),
        "staff": sorted(visit.staff.values_list("pk", flat=True)),
        "children": sorted(visit.children.values_list("pk", flat=True)),
        "events": rows(visit.events.order_by("pk")),
        "report": rows(VisitReport.objects.filter(visit=visit)),
        "checklist": rows(SafetyChecklist.objects.filter(visit=visit)),
        "assessment": rows(type(visit.risk_assessment).objects.filter(visit=visit)),
        "escalations": rows(Escalation.objects.filter(visit=visit).order_by("pk")),
    }


def demo_visit(family_name, state, **extra):
    return Visit.objects.get(family__display_name=family_name, state=state,
                             events__kind=EventKind.CREATED, events__data__demo=True, **extra)


@time_machine.travel(NOW, tick=False)
def test_seed_demo_twice_gives_the_same_counts():
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first[2] == 12 + 3  # the demo school's families and the trust's second school's


@time_machine.travel(NOW, tick=False)
def test_the_demo_trust_lead_sees_two_schools_with_people_out_at_both():
    seed()
    lead = get_user_model().objects.get(username="trustlead")
    schools = list(trust_schools(lead).order_by("name"))
    assert [s.name for s in schools] == [SECOND_SCHOOL_NAME, SCHOOL_NAME]
    assert all(Visit.objects.filter(school=s).out().exists() for s in schools)
    # A school someone took out of the trust stays out at the next start.
    School.objects.filter(name=SECOND_SCHOOL_NAME).update(trust=None)
    seed()
    assert trust_schools(lead).get().name == SCHOOL_NAME


@time_machine.travel(NOW, tick=False)
def test_seed_demo_has_every_state_and_an_overdue_visit():
    seed()
    assert set(Visit.objects.values_list("state", flat=True)) == set(VisitState.values)
    # The one the running beat escalates straight away (R-LATE-15).
    assert Visit.objects.out().filter(next_check_at__lte=NOW).count() == 1


@time_machine.travel(NOW, tick=False)
def test_the_overdue_demo_visit_is_a_late_return_though_its_dog_makes_it_medium_risk():
    """R-CHECKIN: its staff said "All OK" on time, so its alarm is the late return (level 1 at once),
    not a check-in missed an hour ago, which would ask for the police at the first tick."""
    seed()
    overdue = Visit.objects.out().get(next_check_at__lte=NOW)
    assert overdue.risk_assessment.level == "medium"
    due = ladder.deadlines(overdue)
    assert due.reason == EscalationReason.LATE_RETURN and due.anchor == overdue.expected_return
    scan(NOW)
    assert list(Escalation.objects.filter(visit=overdue).values_list("level", "reason")) == [
        (1, EscalationReason.LATE_RETURN)]


@time_machine.travel(NOW, tick=False)
def test_demo_families_have_parents_or_carers():
    seed()
    for fam in Family.objects.all():
        assert fam.carers.exists(), fam
    assert family("Khan family").carers.filter(name="Sara Khan", relationship="Mother",
                                                parental_responsibility=True).exists()


def test_what_people_made_and_changed_survives_the_next_start(client):
    """The issue's trial: a teacher plans a visit for a demo family, the head approves it, they go
    and come back and the report is filed; others act on demo visits (the head approves one, a
    teacher files the report of one, a lead answers a checklist again). Ctrl-C, `make run`: all
    of it is still there, unchanged; the demo's untouched visits are rebuilt around the new time."""
    with time_machine.travel(NOW, tick=False) as clock:
        seed()
        teacher, ta, head = user("teacher"), user("ta"), user("head")
        khan = family("Khan family")

        # 1. Planned through the visit form, approved on the head's page, out and back, report filed.
        client.force_login(teacher)
        response = client.post("/visits/new/", plan_data(khan, teacher, [ta], day="2026-11-24", start="13:00",
                                                         back="14:30"))
        assert response.status_code == 302, response.content.decode()[:2000]
        mine = Visit.objects.exclude(events__data__demo=True).get(family=khan)
        mark_reviewed(ensure_risk_assessment(mine), teacher)
        make_ready(mine)
        submit(mine, teacher)
        client.force_login(head)
        data = {f"override_{g}": "on" for g in Visit.objects.get(pk=mine.pk).gates_required}
        data |= {f"reason_{g}": "Agreed" for g in Visit.objects.get(pk=mine.pk).gates_required}
        assert client.post(f"/visits/{mine.pk}/approve/", data).status_code == 302
        assert Visit.objects.get(pk=mine.pk).state == VisitState.APPROVED
        clock.move_to(NOW + datetime.timedelta(hours=3))
        check_in(Visit.objects.get(pk=mine.pk), EventKind.DEPARTED, teacher)
        clock.move_to(NOW + datetime.timedelta(hours=4))
        for person in (ta, teacher):  # the visit is back when both are
            check_in(Visit.objects.get(pk=mine.pk), EventKind.RETURNED, person)
        client.force_login(teacher)
        report = {"outcome": "completed", "who_was_seen": "Sara and Aisha", "summary": "Settling in well.",
                  "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "0",
                  "actions-MAX_NUM_FORMS": "20"}
        assert client.post(f"/visits/{mine.pk}/report/", report).status_code == 302

        # 2. People act on the demo's own visits.
        waiting = demo_visit("Ahmed family", VisitState.SUBMITTED)
        client.force_login(head)
        data = {f"override_{g}": "on" for g in waiting.gates_required} | {
            f"reason_{g}": "Agreed" for g in waiting.gates_required}
        assert client.post(f"/visits/{waiting.pk}/approve/", data).status_code == 302
        back = demo_visit("Khan family", VisitState.RETURNED, report__isnull=True)  # back this morning
        client.force_login(teacher)
        assert client.post(f"/visits/{back.pk}/report/", report).status_code == 302
        later = demo_visit("Evans family", VisitState.APPROVED)
        complete_checklist(later.checklist, later.lead)

        kept = [mine.pk, waiting.pk, back.pk, later.pk]
        before = {pk: snapshot(pk) for pk in kept}
        assert VisitReport.objects.filter(visit_id__in=[mine.pk, back.pk]).count() == 2
        untouched = demo_visit("Jones family", VisitState.APPROVED).pk

        # 3. Ctrl-C, and `make run` again that afternoon.
        clock.move_to(LATER)
        seed()

    for pk in kept:
        assert snapshot(pk) == before[pk], f"visit {pk} changed"
    assert not Visit.objects.filter(pk=untouched).exists()  # the demo's own, rebuilt around the new time
    fresh = demo_visit("Jones family", VisitState.APPROVED)
    assert fresh.planned_start == LATER + datetime.timedelta(minutes=30)


def test_the_watchdogs_own_work_on_a_demo_visit_does_not_keep_it():
    """The overdue demo visit is escalated by the beat within a tick of starting; nobody acted on
    it, so the next start replaces it: one overdue visit, not one more each time."""
    with time_machine.travel(NOW, tick=False) as clock:
        seed()
        scan(NOW)
        scan(NOW + datetime.timedelta(minutes=20))
        overdue = Visit.objects.out().get(family__display_name="Okafor family")
        assert overdue.escalations.exists()
        clock.move_to(LATER)
        seed()
        assert not Visit.objects.filter(pk=overdue.pk).exists()
        assert Visit.objects.out().filter(next_check_at__lte=LATER).count() == 1


def test_an_acknowledged_alert_keeps_its_visit():
    with time_machine.travel(NOW, tick=False) as clock:
        seed()
        scan(NOW)
        overdue = Visit.objects.out().get(family__display_name="Okafor family")
        check_in(overdue, EventKind.OK, user("office"), how="phone", on_behalf_of=overdue.lead)
        before = snapshot(overdue.pk)
        clock.move_to(LATER)
        seed()
    assert snapshot(overdue.pk) == before


@time_machine.travel(NOW, tick=False)
def test_staff_records_and_families_are_never_reset():
    seed()
    profile = StaffProfile.objects.get(user__username="teacher")
    profile.mobile = "07700 900999"
    profile.training_date = None
    profile.save()
    teacher = profile.user
    teacher.first_name = "Thomas"
    teacher.save()
    teacher.groups.clear()
    khan = family("Khan family")
    khan.phone = "07700 900888"
    khan.save()
    khan.carers.filter(name="Imran Khan").delete()
    seed()
    profile.refresh_from_db()
    teacher.refresh_from_db()
    khan.refresh_from_db()
    assert (str(profile.mobile.as_national), profile.training_date) == ("07700 900999", None)
    assert teacher.first_name == "Thomas" and not teacher.groups.exists()
    assert str(khan.phone.as_national) == "07700 900888"
    assert list(khan.carers.values_list("name", flat=True)) == ["Sara Khan"]


AFTER_HOURS = NOW + datetime.timedelta(hours=8)  # the same Tuesday, 18:00 in London: the office has closed


def alerted(visit):
    return set(Notification.objects.filter(visit=visit, dedupe_key__startswith="esc:")
               .values_list("recipient__username", flat=True))


def test_the_demo_overdue_visit_after_hours_alerts_the_out_of_hours_contact_not_the_office():
    """The demo school keeps office hours and names an out-of-hours contact (R-CONTACT-STEPS): started
    in the evening, its overdue visit reaches the deputy, never the empty office."""
    with time_machine.travel(AFTER_HOURS, tick=False):
        seed()
        scan(AFTER_HOURS)
        overdue = Visit.objects.out().get(family__display_name="Okafor family")
        # Due back 17:40, after the evening cut-off: approved with an override, so the head is on the
        # first alert too (visits.watch); the empty office never is.
        assert overdue.gate_overrides
        assert alerted(overdue) == {"deputy", "head"}
        scan(AFTER_HOURS + datetime.timedelta(minutes=10))  # R-RETURN-30: still not the office
        assert alerted(overdue) == {"deputy", "head"}


def test_the_demo_overdue_visit_in_office_hours_alerts_the_office():
    with time_machine.travel(NOW, tick=False):
        seed()
        scan(NOW)
        assert alerted(Visit.objects.out().get(family__display_name="Okafor family")) == {"office"}


@time_machine.travel(NOW, tick=False)
def test_office_hours_and_a_roster_someone_removed_stay_removed():
    seed()
    school = School.objects.get(name=SCHOOL_NAME)
    assert school.office_hours.count() == 5
    assert list(RosterTier.objects.filter(school=school).values_list("kind", flat=True)) == [
        TierKind.OFFICE, TierKind.HEAD, TierKind.DSL, TierKind.OUT_OF_HOURS]
    school.office_hours.filter(weekday=4).delete()  # the office now closes on Fridays
    RosterTier.objects.filter(school=school, kind=TierKind.DSL).delete()
    seed()
    assert school.office_hours.count() == 4
    assert RosterTier.objects.filter(school=school).count() == 3


def test_the_demo_has_one_days_round_and_a_second_run_replaces_it():
    """R-LUNCH: the demo's round, two visits before lunch and one after, approved; run again, still one."""
    with time_machine.travel(NOW, tick=False):
        seed()
    day_round = Round.objects.get()
    visits = list(day_round.visits.order_by("round_order"))
    assert [v.state for v in visits] == [VisitState.APPROVED] * 3
    assert [v.expected_return for v in visits] == [day_round.lunch_return] * 2 + [day_round.end_return]
    assert day_round.lunch_return == datetime.datetime(2026, 11, 26, 12, 30, tzinfo=datetime.UTC)
    with time_machine.travel(LATER, tick=False):
        seed()
    assert Round.objects.count() == 1 and Round.objects.get().visits.count() == 3


def test_the_demos_round_is_on_a_school_day_when_it_starts_on_a_thursday():
    thursday = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=datetime.UTC)  # the day after tomorrow: a Saturday
    with time_machine.travel(thursday, tick=False):
        seed()
    assert Round.objects.get().date == datetime.date(2026, 12, 7)  # the Monday


def test_the_demo_trusts_family_support_worker_works_for_both_schools():
    seed()
    fsw = get_user_model().objects.get(username="trustfsw")
    assert [school.name for school in schools_of(fsw)] == [SCHOOL_NAME, SECOND_SCHOOL_NAME]
    brookside = School.objects.get(name=SECOND_SCHOOL_NAME)
    assert Visit.objects.filter(school=brookside, staff=fsw).exists()
    # A membership someone took away stays away at the next start.
    SchoolMembership.objects.filter(user=fsw).delete()
    seed()
    assert [school.name for school in schools_of(fsw)] == [SCHOOL_NAME]
