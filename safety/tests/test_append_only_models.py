"""Visit events, contact attempts and the access log are written once: no change, no delete."""

import datetime

import pytest

from audit.models import AccessLog
from safety.models import ContactAttempt, ContactOutcome, Escalation
from safety.watchdog import record_contact, scan
from visits.models import VisitEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(out_visit, people):
    visit = out_visit()
    scan(visit.expected_return + datetime.timedelta(minutes=15))
    attempt = record_contact(Escalation.objects.get(visit=visit), 1, ContactOutcome.NO_ANSWER, people["office"],
                             now=visit.expected_return + datetime.timedelta(minutes=16))
    log = AccessLog.objects.create(school=visit.school, user=people["office"], kind=AccessLog._meta.get_field(
        "kind").choices[0][0], object_id=visit.family_id, family_id=visit.family_id)
    return [visit.events.first(), attempt, log]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["visit event", "contact attempt", "access log"])
def test_it_refuses_to_change_or_delete_a_written_record(records, index):
    record = records[index]
    with pytest.raises(TypeError, match="append-only"):
        record.save()
    with pytest.raises(TypeError, match="append-only"):
        record.delete()
    assert type(record).objects.filter(pk=record.pk).exists()


def test_visit_events_refuse_bulk_changes_too(records):
    with pytest.raises(TypeError):
        VisitEvent.objects.filter(pk=records[0].pk).update(note="rewritten")
    assert ContactAttempt.objects.count() == 1
