"""Writing a visit's history: every event row (R-RECORD) is made here, one at a time by the
workflow, the check-ins and the office's actions, or a batch at a time by the watchdog's scan.
Events are append-only (visits.models.VisitEvent)."""

from django.utils import timezone

from .models import RecordedHow, VisitEvent


def new_event(visit, kind, actor=None, *, at=None, how=RecordedHow.SELF, note="", data=None,
              on_behalf_of=None, idempotency_key=None, said_at=None) -> VisitEvent:
    """An event not yet saved, for `record_events`."""
    return VisitEvent(
        visit=visit, kind=kind, actor=actor, at=at or timezone.now(), how=how, note=note or "",
        data=data or {}, on_behalf_of=on_behalf_of, idempotency_key=idempotency_key, said_at=said_at,
    )


def record_event(visit, kind, actor=None, *, at=None, how=RecordedHow.SELF, note="", data=None,
                 on_behalf_of=None, idempotency_key=None, said_at=None) -> VisitEvent:
    """Write one event of `visit` now (in the caller's transaction)."""
    event = new_event(visit, kind, actor, at=at, how=how, note=note, data=data, on_behalf_of=on_behalf_of,
                      idempotency_key=idempotency_key, said_at=said_at)
    event.save(force_insert=True)
    return event


def record_events(events: list[VisitEvent]) -> list[VisitEvent]:
    """Write a batch of events made by `new_event` in one statement (the scan's)."""
    return VisitEvent.objects.bulk_create(events)
