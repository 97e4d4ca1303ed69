"""Four planning rules, each named by its test (issue 11, item 14): R-REASON, R-INFO, R-RECORD, R-FSW.
Each test fails when its rule is taken out of the code."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from homevisits.factories import make_staff
from safety.watchdog import check_in
from visits import services
from visits.models import EventKind, Gate, Purpose, SafetyChecklist, Visit, VisitState

from .planning import TOMORROW, local, login, make_ready, plan, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt", "shared_family")]
CREATE = reverse("visits:visit-create")


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- R-REASON: a purpose from the known reasons (policies 001, 003), "other" with its text ---------

def test_r_reason_the_purposes_are_the_policies_known_reasons():
    # R-REASON
    assert [label for _, label in Purpose.choices] == [
        "New starter / induction", "Attendance concern", "Refusing school", "Educated at home",
        "Welfare check of absent child", "Safeguarding", "Support strategies", "Drop off / collect work",
        "Medical absence contact", "Transport of child", "Suspected unauthorised holiday",
        "Family support worker support", "Other",
    ]


def test_r_reason_a_purpose_outside_the_list_is_refused(client, teacher, ta, family):
    # R-REASON
    login(client, teacher)
    for purpose in ("", "shopping"):
        response = client.post(CREATE, plan_data(family, teacher, [ta], purpose=purpose))
        assert "purpose" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_r_reason_other_needs_its_text(client, teacher, ta, family):
    # R-REASON: "other with text".
    login(client, teacher)
    response = client.post(CREATE, plan_data(family, teacher, [ta], purpose="other", purpose_other="  "))
    assert response.context["form"].errors["purpose_other"] == ["Say what the visit is for."]
    assert not Visit.objects.exists()
    # The service says so too, whichever page saves the plan.
    unsaid = Visit(school=family.school, family=family, purpose=Purpose.OTHER, purpose_other="", lead=teacher)
    errors = services.plan_errors(unsaid, [teacher, ta], datetime.datetime(2026, 11, 24, tzinfo=datetime.UTC))
    assert errors["purpose_other"] == ["Say what the visit is for."]
    response = client.post(CREATE, plan_data(family, teacher, [ta], purpose="other",
                                             purpose_other="Return the loan laptop"))
    assert response.status_code == 302
    assert Visit.objects.get().purpose_label == "Other: Return the loan laptop"


# --- R-INFO: existing information gathered and the safeguarding team aware, before the visit -------

def test_r_info_the_lead_is_asked_and_the_visit_waits_until_information_is_gathered(client, family, teacher, ta):
    # R-INFO: the personal safety checklist asks it, and an unanswered question holds the visit back.
    question = dict(SafetyChecklist.QUESTIONS)["info_gathered"]
    assert question == "Have I gathered all the information I can about the family?"
    visit = make_ready(plan(family, teacher, ta))
    page = login(client, teacher).get(reverse("visits:checklist", args=[visit.pk])).content.decode()
    assert "Have I gathered all the information I can about the family?" in page
    checklist = visit.checklist
    checklist.info_gathered = False
    checklist.save()
    visit.refresh_from_db()
    with pytest.raises(ValidationError, match="personal safety checklist"):
        services.submit(visit, teacher)
    assert Visit.objects.get(pk=visit.pk).state == VisitState.DRAFT


def test_r_info_the_risk_assessment_asks_whether_the_safeguarding_team_is_aware(client, family, teacher, ta):
    # R-INFO
    visit = plan(family, teacher, ta)
    page = login(client, teacher).get(reverse("visits:risk-assessment", args=[visit.pk])).content.decode()
    assert "Is the safeguarding team aware of this visit?" in page
    assert 'name="safeguarding_team_aware"' in page


def test_r_info_the_plan_records_whether_information_was_gathered(client, family, teacher, ta):
    # R-INFO
    login(client, teacher)
    client.post(CREATE, plan_data(family, teacher, [ta], info_gathered=None))
    visit = Visit.objects.get()
    assert visit.info_gathered is False
    assert "Information gathered Not yet" in text(client.get(visit.get_absolute_url()).content.decode())
    client.post(reverse("visits:visit-edit", args=[visit.pk]), plan_data(family, teacher, [ta], info_gathered="on"))
    assert "Information gathered Yes" in text(client.get(visit.get_absolute_url()).content.decode())


# --- R-RECORD: names, date, address, contact number, departure, expected return, return, office
# contact; a copy for the office and the head of school ------------------------------------------

def test_r_record_each_visit_records_the_journey_and_the_office_and_head_have_it(client, family, teacher, ta,
                                                                                 office, head):
    # R-RECORD
    visit = make_ready(plan(family, teacher, ta, office_contact=office, contact_phone="07700 900555"))
    services.approve(services.submit(visit, teacher), head)
    left, back = local(TOMORROW, 9, 52), local(TOMORROW, 11, 24)
    with time_machine.travel(back, tick=False):
        check_in(visit, EventKind.DEPARTED, teacher, now=left)
        check_in(visit, EventKind.RETURNED, ta, now=back - datetime.timedelta(minutes=1))
        check_in(visit, EventKind.RETURNED, teacher, now=back)
        visit.refresh_from_db()
        # The visit is back when the last of the pair is (R-RETURN).
        assert visit.departed_at == left and visit.returned_at == back
        assert visit.events.filter(kind=EventKind.DEPARTED, actor=teacher, at=left).exists()
        assert visit.events.filter(kind=EventKind.RETURNED, actor=teacher, at=back).exists()
        for reader in (office, head):
            page = text(login(client, reader).get(visit.get_absolute_url()).content.decode())
            for person in (teacher, ta):
                assert person.get_full_name() in page
            assert "Wednesday 25 November 2026, 10:00" in page  # date and planned time
            assert visit.address in page
            assert "07700 900555" in page  # contact number at the visit
            assert "Wed 25 Nov 09:52 Left for the visit" in page  # time of departure
            assert "Expected back 11:30" in page
            assert "Wed 25 Nov 11:24 Back at school" in page  # confirmation of return
            assert f"Office contact {office.get_full_name()}" in page


# --- R-FSW: planned with the head of school as safeguarding lead, in the school calendar ---------

def test_r_fsw_a_family_support_workers_visit_is_a_gate_for_the_head(family, teacher, ta, school, head, dsl):
    # R-FSW: by purpose, or by who goes.
    by_purpose = services.submit(make_ready(plan(family, teacher, ta, purpose=Purpose.FSW)), teacher)
    assert by_purpose.gates_required == [Gate.FSW]
    fsw = make_staff(school, job_title="Family Support Worker")
    by_job = services.submit(make_ready(plan(family, teacher, fsw, start=(14, 0))), teacher)
    assert by_job.gates_required == [Gate.FSW]
    with pytest.raises(ValidationError):
        services.approve(by_job, head, {})  # no override, no approval
    with pytest.raises(ValidationError, match="Only the head of school"):
        services.approve(by_job, dsl, {"fsw": "Agreed"})
    assert services.approve(by_job, head, {"fsw": "Planned together"}).state == VisitState.APPROVED


def test_r_fsw_the_office_and_the_head_see_it_in_the_school_calendar(client, family, teacher, school, office, head):
    # R-FSW: "in the school calendar, and office + HoS know date and time".
    fsw = make_staff(school, job_title="Family support worker")
    visit = services.submit(make_ready(plan(family, fsw, teacher, purpose=Purpose.FSW)), fsw)
    for reader in (office, head):
        page = text(login(client, reader).get(reverse("visits:timetable")).content.decode())
        assert "10:00" in page and family.display_name in page, reader
    assert visit.state == VisitState.SUBMITTED
