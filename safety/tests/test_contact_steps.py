"""R-CONTACT-STEPS on the service: in order, recorded, and only on an open alert."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from safety.models import ContactAttempt, ContactOutcome, Escalation
from safety.watchdog import check_in, record_contact, scan
from visits.models import EventKind

pytestmark = pytest.mark.django_db


def escalated(out_visit):
    visit = out_visit()
    scan(visit.expected_return + datetime.timedelta(minutes=15))
    return visit, Escalation.objects.get(visit=visit)


def test_steps_are_taken_in_order(out_visit, people):
    visit, esc = escalated(out_visit)
    with pytest.raises(ValidationError):
        record_contact(esc, 3, ContactOutcome.NO_ANSWER, people["office"], now=visit.expected_return)
    record_contact(esc, 1, ContactOutcome.NO_ANSWER, people["office"], now=visit.expected_return)
    record_contact(esc, 2, ContactOutcome.MESSAGE_LEFT, people["office"], now=visit.expected_return)
    assert list(ContactAttempt.objects.values_list("step", flat=True)) == [1, 2]


def test_nothing_is_recorded_on_a_resolved_alert(out_visit, people):
    visit, esc = escalated(out_visit)
    for person in (people["teacher"], people["ta"]):  # everyone back: the visit is over
        check_in(visit, EventKind.RETURNED, person, now=visit.expected_return + datetime.timedelta(minutes=20))
    with pytest.raises(ValidationError, match="already resolved"):
        record_contact(esc, 1, ContactOutcome.NO_ANSWER, people["office"],
                       now=visit.expected_return + datetime.timedelta(minutes=21))
    assert not ContactAttempt.objects.exists()
