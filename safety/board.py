"""The office's live board: everyone out now, most urgent first, with the alerts the office must
act on and today's schedule (R-SCHEDULE, R-RETURN, R-LATE-15, R-RETURN-30).

One function, `live_board(user, now)`, reads everything the page shows in a constant number of
queries whatever the number of visits, so the board can be polled every few seconds all day.
The view only renders what it returns.
"""

import dataclasses
import datetime

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from accounts.models import school_of
from visits.models import OUT_STATES, EventKind, Visit, VisitEvent, VisitState
from visits.scoping import visible_visits

from .health import monitoring_is_down
from .models import Channel, DeliveryStatus, Escalation, EscalationLevel, Notification

# A visit due back within this many minutes is "due back soon" (shown above those on time).
DUE_SOON_MINUTES = 15
# Failed deliveries stay on the board this long (an alert that reached no one is itself an alert).
FAILED_NOTIFICATION_HOURS = 24
# Today's visits shown in the schedule (drafts and refused plans are not going anywhere).
SCHEDULE_STATES = (VisitState.SUBMITTED, VisitState.APPROVED, *OUT_STATES, VisitState.RETURNED,
                   VisitState.CANCELLED)


def epoch_ms(moment: datetime.datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def duration_text(delta: datetime.timedelta) -> str:
    """'7 min', '1 h 05 min' (static/js/board.js formats the live countdown the same way)."""
    total = max(0, int(delta.total_seconds() // 60))
    hours, mins = divmod(total, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


@dataclasses.dataclass
class Progress:
    """Time from departure to the expected return, and where the clock stands against the rules."""

    state: str  # ok | soon | over | late | chase
    percent: int
    label: str
    start_ms: int
    due_ms: int
    late_ms: int
    chase_ms: int

    @property
    def soon_ms(self) -> int:
        return self.due_ms - DUE_SOON_MINUTES * 60_000

    @property
    def step(self) -> int:
        """The width before the script takes over, in 5 % steps (CSS classes: no inline style, CSP)."""
        return self.percent // 5 * 5


def progress(visit: Visit, now: datetime.datetime) -> Progress:
    """The progress bar's state from the clock alone, so it turns amber and red even if the watchdog
    is not running: amber at expected return + late_call_minutes (R-LATE-15), red at + office_chase_minutes
    (R-RETURN-30)."""
    school = visit.school
    start = visit.departed_at or visit.planned_start
    due = visit.expected_return
    late_at = due + datetime.timedelta(minutes=school.late_call_minutes)  # R-LATE-15
    chase_at = due + datetime.timedelta(minutes=school.office_chase_minutes)  # R-RETURN-30
    if now >= chase_at:
        state = "chase"
    elif now >= late_at:
        state = "late"
    elif now >= due:
        state = "over"
    elif due - now <= datetime.timedelta(minutes=DUE_SOON_MINUTES):
        state = "soon"
    else:
        state = "ok"
    span = (due - start).total_seconds()
    percent = 100 if span <= 0 or now >= due else max(0, min(100, int((now - start).total_seconds() * 100 / span)))
    label = f"overdue by {duration_text(now - due)}" if now >= due else f"due back in {duration_text(due - now)}"
    return Progress(state, percent, label, epoch_ms(start), epoch_ms(due), epoch_ms(late_at), epoch_ms(chase_at))


# What each row says in words beside its colour (colour is never the only signal).
URGENCY = {
    3: ("danger", "EMERGENCY (level 3)"),
    2: ("danger", "Level 2: contact them now"),
    1: ("warning", "Level 1: should have called in"),
}
CLOCK_URGENCY = {
    "chase": ("danger", "Not back: 30-minute rule passed"),
    "late": ("warning", "Late: 15-minute rule passed"),
    "over": ("secondary", "Past expected return"),
    "soon": ("info", "Due back soon"),
    "ok": ("success", "Out, on time"),
}


@dataclasses.dataclass
class BoardRow:
    visit: Visit
    staff: list
    progress: Progress
    tone: str  # danger | warning | secondary | info | success
    status: str
    open_escalations: list
    top: Escalation | None
    last_event_label: str
    last_event_at: datetime.datetime | None
    last_event_ago: str = ""

    @property
    def last_event_ms(self) -> int | None:
        return epoch_ms(self.last_event_at)

    @property
    def alert_ids(self) -> str:
        return " ".join(f"e{e.pk}" for e in self.open_escalations)

    @property
    def alert_text(self) -> str:
        """For a desktop notification: names and level only, never the family or address (R-CONFIDENTIAL)."""
        names = ", ".join(p.get_full_name() or p.get_username() for p in self.staff)
        due = timezone.localtime(self.visit.expected_return).strftime("%H:%M")
        return f"{self.status}: {names} (due back {due})"

    @property
    def to_acknowledge(self) -> Escalation | None:
        """The top open alert, when nobody has acknowledged it yet (it repeats until then)."""
        return self.top if self.top is not None and self.top.acknowledged_at is None else None


@dataclasses.dataclass
class FailedAlert:
    """Deliveries to one person on one channel that failed (grouped: a dead SMS gateway is one line)."""

    recipient: object
    channel: str
    count: int
    latest: Notification

    @property
    def key(self) -> str:
        return f"f{self.latest.pk}"

    @property
    def channel_label(self) -> str:
        return "SMS" if self.channel == Channel.SMS else Channel(self.channel).label.lower()

    @property
    def name(self) -> str:
        return self.recipient.get_full_name() or self.recipient.get_username()

    @property
    def mobile(self):
        return getattr(getattr(self.recipient, "profile", None), "mobile", "")

    @property
    def text(self) -> str:
        return f"An alert to {self.name} by {self.channel_label} could not be sent"


@dataclasses.dataclass
class LiveBoard:
    now: datetime.datetime
    rows: list[BoardRow]
    failed: list[FailedAlert]
    schedule: list[Visit]
    monitoring_down: bool

    @property
    def now_ms(self) -> int:
        return epoch_ms(self.now)

    @property
    def open_escalation_ids(self) -> list[int]:
        return sorted(e.pk for row in self.rows for e in row.open_escalations)

    @property
    def alert_keys(self) -> str:
        """What the page compares between polls to notice a new alert (static/js/board.js)."""
        return " ".join([f"e{pk}" for pk in self.open_escalation_ids] + [f.key for f in self.failed])

    @property
    def alert_count(self) -> int:
        """Open alerts, for the tab title: unresolved escalations and undelivered notifications."""
        return len(self.open_escalation_ids) + len(self.failed)

    @property
    def everyone_back(self) -> bool:
        """R-RETURN: nobody out and every visit of today's schedule back or cancelled."""
        return (not self.rows and bool(self.schedule)
                and all(v.state in (VisitState.RETURNED, VisitState.CANCELLED, VisitState.SUBMITTED)
                        for v in self.schedule))

    @property
    def returned_today(self) -> int:
        return sum(1 for v in self.schedule if v.state == VisitState.RETURNED)


def _staff_prefetch():
    users = get_user_model().objects.select_related("profile").order_by("last_name", "first_name")
    return Prefetch("staff", queryset=users)


def _sort_key(row: BoardRow):
    # Most urgent first: escalated (level 3, 2, 1), then by expected return, soonest first, which
    # puts the overdue before those due back soon, and those before the ones on time.
    return (-row.visit.escalation_level, row.visit.expected_return, row.visit.pk)


def out_rows(user, now) -> list[BoardRow]:
    last = VisitEvent.objects.filter(visit=OuterRef("pk")).order_by("-at", "-pk")
    visits = (
        visible_visits(user).out()
        .select_related("family", "school")
        .prefetch_related(
            _staff_prefetch(),
            Prefetch("escalations", queryset=Escalation.objects.filter(resolved_at__isnull=True)
                     .select_related("acknowledged_by"), to_attr="open_escalation_list"),
        )
        .annotate(last_event_kind=Subquery(last.values("kind")[:1]), last_event_at=Subquery(last.values("at")[:1]))
    )
    rows = []
    for visit in visits:
        prog = progress(visit, now)
        open_escalations = visit.open_escalation_list  # Escalation's ordering: highest level first
        level = visit.escalation_level
        tone, status = URGENCY[min(level, EscalationLevel.EMERGENCY)] if level else CLOCK_URGENCY[prog.state]
        kind = visit.last_event_kind
        rows.append(BoardRow(
            visit=visit, staff=list(visit.staff.all()), progress=prog, tone=tone, status=status,
            open_escalations=open_escalations, top=open_escalations[0] if open_escalations else None,
            last_event_label=EventKind(kind).label if kind in EventKind.values else "",
            last_event_at=visit.last_event_at,
            last_event_ago=duration_text(now - visit.last_event_at) if visit.last_event_at else "",
        ))
    rows.sort(key=_sort_key)
    return rows


def failed_alerts(user, now) -> list[FailedAlert]:
    """Notifications of this school that could not be delivered in the last 24 hours."""
    school = school_of(user)
    if school is None:
        return []
    since = now - datetime.timedelta(hours=FAILED_NOTIFICATION_HOURS)
    failed = (
        Notification.objects.filter(status=DeliveryStatus.FAILED, created_at__gte=since,
                                    recipient__profile__school=school)
        .select_related("recipient__profile").order_by("-created_at", "-pk")
    )
    groups: dict[tuple, FailedAlert] = {}
    for note in failed:
        key = (note.recipient_id, note.channel)
        if key in groups:
            groups[key].count += 1
        else:
            groups[key] = FailedAlert(recipient=note.recipient, channel=note.channel, count=1, latest=note)
    return list(groups.values())


def todays_schedule(user, now) -> list[Visit]:
    """R-SCHEDULE: who goes where and when today, with returns ticked off (R-RETURN)."""
    today = timezone.localdate(now)
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min))
    return list(
        visible_visits(user).filter(planned_start__gte=start, planned_start__lt=end, state__in=SCHEDULE_STATES)
        .select_related("family").prefetch_related(_staff_prefetch()).order_by("planned_start", "pk")
    )


def live_board(user, now=None) -> LiveBoard:
    now = now or timezone.now()
    return LiveBoard(now=now, rows=out_rows(user, now), failed=failed_alerts(user, now),
                     schedule=todays_schedule(user, now), monitoring_down=monitoring_is_down(now))
