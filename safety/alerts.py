"""The wording and the audience of escalation alerts (R-LATE-15, R-RETURN-30, R-CODEWORD), handed
to the outbox (notifications.outbox). Bodies say who and give a link; nothing more."""

import datetime

from django.utils import timezone

from accounts import permissions, roles
from notifications.outbox import every_channel, in_order, link, queue, school_people
from visits.alerts import staff_names

from .models import EscalationLevel, EscalationReason


def _names_out(visit, escalation=None) -> str:
    """Who an alert is about: the staff still out (R-RETURN), since those already back are not
    missing; for a missed periodic check-in, those of them not heard from in time (R-CHECKIN)."""
    links = [out for out in visit.staff_links_with_people() if out.is_out]
    interval = visit.school.checkin_interval_minutes
    if escalation is not None and escalation.reason == EscalationReason.MISSED_CHECKIN and interval:
        due = escalation.last_alert_at - datetime.timedelta(minutes=interval)
        silent = [out for out in links if (out.last_word_at or visit.departed_at or due) <= due]
        links = silent or links
    return ", ".join(out.name for out in links) or staff_names(visit)


def escalation_audience(level) -> tuple[str, ...]:
    """Who hears of an escalation: level 1 the office (R-LATE-15); level 2 office and head of school
    (R-RETURN-30); level 3 office, head and DSL at once (R-CODEWORD)."""
    if level >= EscalationLevel.EMERGENCY:
        return permissions.KEEPERS
    if level == EscalationLevel.CHASE:
        return permissions.CALL_TAKERS
    return (roles.OFFICE,)


def escalation_messages(escalation, alert_number: int, people) -> list[dict]:
    """The messages for one alert of an escalation to `people` (one per person and channel)."""
    visit = escalation.visit
    names = _names_out(visit, escalation)
    due = timezone.localtime(escalation.anchor).strftime("%H:%M") if escalation.anchor else "?"
    if escalation.level >= EscalationLevel.EMERGENCY:
        subject = f"EMERGENCY: {names} need help now"
        body = (f"{escalation.get_reason_display()} from {names}. Call the police (999) and follow the "
                f"emergency steps. Details: {link(visit)}")
    elif escalation.level == EscalationLevel.CHASE:
        subject = f"Overdue: {names} not back (due {due})"
        body = f"{names} were due by {due} and have not been in touch. Contact them now: {link(visit)}"
    else:
        subject = f"Late: {names} should have called in (due {due})"
        body = f"{names} were due by {due} with no word. Please check: {link(visit)}"
    if alert_number > 1:
        subject = f"REPEAT {alert_number}: {subject}"
    key = f"esc:{escalation.pk}:{alert_number}"
    # Each person on their channels in order (push, SMS, call, email), the next one when the last is
    # not confirmed delivered in time (notifications.outbox.fall_back).
    return in_order(key, people, subject, body, escalation.level, visit=visit, escalation=escalation)


def unreached_audience(level) -> tuple[str, ...]:
    """Who hears that an alert reached nobody: the next people up (level 1's to the office and head,
    level 2's to the office, head and DSL); at the top, the same people and the school admin, who can
    put a wrong number right."""
    if level >= EscalationLevel.EMERGENCY:
        return (*permissions.KEEPERS, roles.SCHOOL_ADMIN)
    return escalation_audience(level + 1)


def unreached_messages(escalation, people) -> list[dict]:
    """The alert that an escalation's alerts reached nobody: every channel of each person at once,
    since waiting on one channel after another has already failed."""
    visit = escalation.visit
    names = _names_out(visit, escalation)
    subject = f"NOT REACHED: nobody has the alert about {names}"
    body = (f"The level {escalation.level} alert about {names} reached nobody: every "
            f"message failed or there was nobody to send it to. Ring the school and the people on duty "
            f"yourself, and check their numbers: {link(visit)}")
    return every_channel(f"unreached:{escalation.pk}", people, subject, body, visit=visit, escalation=escalation)


def notify_escalation(escalation, alert_number: int, now) -> None:
    people = school_people(escalation.visit.school, *escalation_audience(escalation.level))
    queue(escalation_messages(escalation, alert_number, people), now)


def notify_unreached(escalation, now) -> None:
    people = school_people(escalation.visit.school, *unreached_audience(escalation.level))
    queue(unreached_messages(escalation, people), now)
