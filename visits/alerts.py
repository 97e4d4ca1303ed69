"""The wording of planning notices (submitted, decided, cancelled) and of the head's "at once"
notices about a visit, handed to the outbox (notifications.outbox). Bodies say what and give a
link; never a family address, a child's name or a code word."""

from django.utils import timezone

from accounts import roles
from notifications.outbox import both_channels, emails, link, queue, school_people


def staff_names(visit) -> str:
    return ", ".join(u.get_full_name() or u.username for u in visit.staff.all())


def notify_head_now(visit, what: str, key: str, now=None) -> None:
    """Something on a visit the head must hear about at once (R-ARRIVE, abandoned visits, incidents)."""
    people = school_people(visit.school, roles.HEAD, roles.OFFICE)
    subject = f"{what}: {staff_names(visit)}"
    queue(both_channels(key, people, subject, f"{subject}. Details: {link(visit)}", visit=visit), now)


def notify_submitted_soon(visit, now) -> None:
    """The head hears at once of a visit submitted for the next two school days."""
    people = [p for p in school_people(visit.school, roles.HEAD) if p.pk != visit.created_by_id]
    when = timezone.localtime(visit.planned_start).strftime("%a %d %b %H:%M")
    count = visit.events.filter(kind="submitted").count()
    queue(emails(f"submitted:{visit.pk}:{count}", people, f"Visit waiting for approval ({when})",
                 f"A home visit on {when} is waiting for your approval: {link(visit)}", visit=visit), now)


def notify_decision(visit, now) -> None:
    people = list(visit.staff.all())
    decision = visit.get_state_display().lower()
    when = timezone.localtime(visit.planned_start).strftime("%a %d %b %H:%M")
    queue(emails(f"decision:{visit.pk}:{visit.decided_at.timestamp() if visit.decided_at else 0}", people,
                 f"Your visit on {when} was {decision}", f"Your home visit on {when} was {decision}: {link(visit)}",
                 visit=visit), now)


def notify_cancelled(visit, now) -> None:
    """R-CANCEL: staff hear at once; a cancellation for safety reaches the head in writing."""
    people = list(visit.staff.all())
    if visit.cancelled_for_safety:
        people += [p for p in school_people(visit.school, roles.HEAD) if p not in people]
    when = timezone.localtime(visit.planned_start).strftime("%a %d %b %H:%M")
    subject = f"Visit on {when} cancelled" + (" for safety reasons" if visit.cancelled_for_safety else "")
    queue(emails(f"cancelled:{visit.pk}", people, subject, f"{subject}. Reason and details: {link(visit)}",
                 visit=visit), now)
