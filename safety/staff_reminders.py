"""Staff first (fewer false alarms): "Due back at 11:30 — tap to tell school", to each member of
staff still out, staff_reminder_minutes before the expected return and again at it.

When they fall due is safety.ladder's (`staff_reminders`, folded into `next_check`, so the scan's
one indexed query finds the visit); the scan (safety.watchdog._scan_batch) hands its due visits here
once a batch, after its escalations, so a visit escalated in the same scan gets no reminder. Each goes
once per expected return (Visit.staff_reminded_for / staff_nudged_for), never to someone already
back, never once an escalation has started, and it never moves level 1 (R-LATE-15 still fires at the
expected return + late_call_minutes). Their dedupe keys start "due:", never the outbox's ALERT_PREFIX,
so they are not escalation alerts: not counted as alerted for the all clear, nor in "reached nobody".
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from homevisits.bulk import update_rows
from notifications.models import PushSubscription
from notifications.outbox import in_order
from visits.models import VisitStaff

from . import ladder
from .models import EscalationLevel

KEY_PREFIX = "due:"
# Level 1's channel order (push, then SMS, then email by default; never a phone call), with its
# fallback wait: the person's next channel when a push is not shown.
LEVEL = EscalationLevel.LATE

SENT_FOR = {ladder.STAFF_REMINDER: "staff_reminded_for", ladder.STAFF_NUDGE: "staff_nudged_for"}


def words(expected_return) -> str:
    """The message, in London time: "Due back at 11:30 — tap to tell school"."""
    return f"Due back at {timezone.localtime(expected_return).strftime('%H:%M')} — tap to tell school"


def checkin_url(visit) -> str:
    """The check-in page of the visit (each member of staff sees their own place on it)."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('safety:checkin', args=[visit.pk])}"


def messages_for(visit, reminder: ladder.StaffReminder, people) -> list[dict]:
    subject = words(reminder.expected_return)
    key = f"{KEY_PREFIX}{visit.pk}:{reminder.kind}:{int(reminder.expected_return.timestamp())}"
    return in_order(key, people, subject, f"{subject}: {checkin_url(visit)}", LEVEL, visit=visit)


def due_messages(visits, round_escalations: dict, alerts: dict, now) -> list[dict]:
    """The reminders and nudges due at `now` for the scan's locked `visits` (given each one's round
    escalations and open alert, as the scan has them after this batch's escalations), recorded as sent
    on the visits; the messages for the scan to queue. A due one no longer worth sending is recorded
    too (ladder.staff_reminder_goes), so the visit does not come due again for it."""
    sending, done = [], []
    for visit in visits:
        for reminder in ladder.staff_reminders(visit, round_escalations[visit.pk], alerts[visit.pk]):
            if now < reminder.at:
                continue
            setattr(visit, SENT_FOR[reminder.kind], reminder.expected_return)
            done.append(visit)
            if ladder.staff_reminder_goes(reminder, visit, now):
                sending.append((visit, reminder))
    if not done:
        return []
    update_rows({visit.pk: visit for visit in done}.values(), list(SENT_FOR.values()))
    if not sending:
        return []
    out_by_visit = _staff_out({visit.pk for visit, _ in sending})
    messages = []
    for visit, reminder in sending:
        messages += messages_for(visit, reminder, out_by_visit.get(visit.pk, []))
    return messages


def _staff_out(visit_ids) -> dict[int, list]:
    """The people still out on each visit (never someone already back), active, with what the outbox
    asks of them (profile, push device) read in two queries for the batch."""
    links = list(VisitStaff.objects.filter(visit_id__in=visit_ids, returned_at__isnull=True)
                 .values_list("visit_id", "user_id"))
    User = get_user_model()
    people = {person.pk: person for person in User.objects.filter(pk__in={user for _, user in links}, is_active=True)
              .annotate(has_push_device=Exists(PushSubscription.objects.filter(user=OuterRef("pk"))))
              .select_related("profile")}
    out: dict[int, list] = {}
    for visit_id, user_id in sorted(links):
        if user_id in people:
            out.setdefault(visit_id, []).append(people[user_id])
    return out
