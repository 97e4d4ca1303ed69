"""The office's live board: everyone out now, most urgent first, with the alerts the office must
act on and today's schedule (R-SCHEDULE, R-RETURN, R-LATE-15, R-RETURN-30).

One function, `live_board(user, now)`, reads everything the page shows in a constant number of
queries whatever the number of visits, so the board can be polled every few seconds all day.
The view only renders what it returns, or answers 304 when its version (safety.board_version, made
from what it returns) is the one the page already shows.
"""

import dataclasses
import datetime
import functools

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.models import school_of
from notifications.models import Channel, DeliveryStatus, Notification
from visits import cover
from visits.lifecycle import CHECKIN_KINDS, OUT_STATES, SCHEDULE_STATES, EventKind, VisitState
from visits.localtime import local_day_bounds
from visits.models import RiskAssessment, VisitEvent, VisitStaff
from visits.scoping import visible_visits
from visits.watch import Watch, watch_for

from . import ladder
from .board_version import REDRAWN
from .health import monitoring_is_down
from .models import Escalation, EscalationLevel, EscalationReason

# A visit due back within this many minutes is "due back soon" (shown above those on time).
DUE_SOON_MINUTES = 15
# Failed deliveries stay on the board this long (an alert that reached no one is itself an alert).
FAILED_NOTIFICATION_HOURS = 24


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
    # From the clock alone: board.js redraws both every second (left out of the board's version).
    percent: int = dataclasses.field(metadata=REDRAWN)
    label: str = dataclasses.field(metadata=REDRAWN)
    start_ms: int
    due_ms: int
    late_ms: int
    chase_ms: int
    missed_checkin: bool = False  # amber and red are counted from a periodic check-in due (R-CHECKIN)

    @property
    def soon_ms(self) -> int:
        return self.due_ms - DUE_SOON_MINUTES * 60_000

    @property
    def step(self) -> str:
        """The width before the script takes over, in 5 % steps (CSS classes: no inline style, CSP)."""
        return str(self.percent // 5 * 5)

    @property
    def percent_text(self) -> str:
        return str(self.percent)

    @property
    def data(self) -> str:
        """The data attributes static/js/board.js counts down from (epoch milliseconds), in one string:
        hundreds of separately formatted numbers would be a measurable part of a poll."""
        return mark_safe(f'data-start="{self.start_ms}" data-soon="{self.soon_ms}" data-due="{self.due_ms}" '  # noqa: S308 - integers only
                         f'data-late="{self.late_ms}" data-chase="{self.chase_ms}"')


def progress(visit, now: datetime.datetime, school=None, watch=None) -> Progress:
    """The progress bar's state from the clock alone, so it turns amber and red even if the watchdog
    is not running: amber at the late call, red at the office chase, both counted from the ladder's
    own anchor (safety.ladder.deadlines: the expected return, or a periodic check-in due before it by
    the visit's watch, R-CHECKIN; R-LATE-15, R-RETURN-30). The bar itself runs from departure to the
    expected return. `watch`: the visit's (visits.watch), where the board read it for many at once."""
    school = school or visit.school
    start = visit.departed_at or visit.planned_start
    due = visit.expected_return
    rungs = ladder.deadlines(visit, watch, school)
    late_at, chase_at = rungs.late_at, rungs.chase_at
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
    return Progress(state, percent, label, epoch_ms(start), epoch_ms(due), epoch_ms(late_at), epoch_ms(chase_at),
                    missed_checkin=rungs.reason == EscalationReason.MISSED_CHECKIN)


def hhmm(moment: datetime.datetime | None, tz=None) -> str:
    """A time of day in the school's time zone (Europe/London), as the board shows it."""
    return moment.astimezone(tz or timezone.get_current_timezone()).strftime("%H:%M") if moment else ""


EVENT_LABELS = dict(EventKind.choices)
STATE_LABELS = dict(VisitState.choices)


class Urls:
    """The board's links for one visit. Reversed once per poll and filled in per row: several
    hundred reverse() calls would cost more than the rest of the poll."""

    NAMES = {"detail": "visits:visit-detail", "escalation": "safety:escalation",
             "record_call": "safety:record-call", "police": "safety:police-pack"}
    _MARK = "987654321"

    def __init__(self):
        self.patterns = {key: reverse(name, args=[self._MARK]) for key, name in self.NAMES.items()}

    def for_visit(self, pk: int) -> dict[str, str]:
        pk = str(pk)
        return {key: pattern.replace(self._MARK, pk) for key, pattern in self.patterns.items()}


@dataclasses.dataclass
class Person:
    """A member of staff as the board shows them: name and a number to tap (R-PHONE)."""

    pk: int
    name: str
    sort_key: tuple
    tel: str  # E.164, for tel: links
    national: str  # as people read it: 07700 900101

    @functools.cached_property
    def item_html(self) -> str:
        """Their line in a row's staff list, tap to call (R-PHONE). Built once per person and poll,
        not once per visit they are on."""
        if self.tel:
            return format_html('<li>{}: <a href="tel:{}" class="text-nowrap">{}</a></li>', self.name, self.tel,
                               self.national)
        return format_html('<li>{}: <span class="text-danger">no mobile on record</span></li>', self.name)


def people(user_ids) -> dict[int, Person]:
    """Everyone named on the board, read and formatted once each, however many visits they are on."""
    users = (get_user_model().objects.filter(pk__in=set(user_ids)).select_related("profile")
             .only("pk", "username", "first_name", "last_name", "profile__mobile"))
    out = {}
    for user in users:
        mobile = getattr(getattr(user, "profile", None), "mobile", None)
        out[user.pk] = Person(pk=user.pk, name=user.get_full_name() or user.get_username(),
                              sort_key=(user.last_name, user.first_name, user.pk),
                              tel=str(mobile) if mobile else "", national=mobile.as_national if mobile else "")
    return out


def staff_of(visits) -> dict[int, dict[int, datetime.datetime | None]]:
    """The staff on each of `visits` (a queryset: a subquery, not hundreds of ids as parameters),
    the lead included, each with when they were back (None while out, R-RETURN), in one query."""
    out: dict[int, dict[int, datetime.datetime | None]] = {}
    for visit_id, user_id, returned_at in VisitStaff.objects.filter(visit__in=visits.values("pk")).values_list(
            "visit_id", "user_id", "returned_at"):
        out.setdefault(visit_id, {})[user_id] = returned_at
    return out


# What each row says in words beside its colour (colour is never the only signal).
URGENCY = {
    3: ("danger", "EMERGENCY (level 3)"),
    2: ("danger", "Level 2: contact them now"),
    1: ("warning", "Level 1: should have called in"),
}


def clock_urgency(school) -> dict[str, tuple[str, str]]:
    """A row's tone and words from its progress bar alone, with the school's own minute counts;
    "missed-late" and "missed-chase" where they are counted from a missed periodic check-in."""
    words = ladder.rule_words(school)
    return {
        "chase": ("danger", words.chase),
        "late": ("warning", words.late),
        "missed-chase": ("danger", words.missed_chase),
        "missed-late": ("warning", words.missed_late),
        "over": ("secondary", "Past expected return"),
        "soon": ("info", "Due back soon"),
        "ok": ("success", "Out, on time"),
    }


def _clock_key(bar: Progress) -> str:
    missed = bar.missed_checkin and bar.state in ("late", "chase")
    return f"missed-{bar.state}" if missed else bar.state


@dataclasses.dataclass
class BoardRow:
    visit: "BoardVisit"
    staff: list[Person]  # those still out (R-RETURN)
    progress: Progress
    tone: str  # danger | warning | secondary | info | success
    status: str
    open_escalations: list
    top: Escalation | None
    urls: dict
    key: str  # the visit's pk, ready to print
    level: str
    state_label: str
    left_at: str
    back_by: str
    # Those already back while the others are still out, with the time they were back.
    back: list[tuple[Person, str]] = dataclasses.field(default_factory=list)
    # The staff's last word (a check-in, never a system event), when, and from whom.
    last_event_label: str = ""
    last_event_at: str = ""
    last_event_ms: str = ""
    last_event_ago: str = dataclasses.field(default="", metadata=REDRAWN)  # board.js redraws it from last_event_ms
    last_event_by: str = ""
    last_event_said: str = ""
    # R-LUNCH: a round's row: "Day's round, visit 2: back at school 12:30 (lunch), 15:30 (end of the day)",
    # and the round's visits already done that its staff are still out from.
    round_text: str = ""
    round_done: str = ""

    @property
    def alert_ids(self) -> str:
        # An alert found to have reached nobody is new news, and so is one nobody took charge of at the
        # last tier of the roster: the board sounds again ("u" or "x" + its id).
        return " ".join(f"e{e.pk}" + (f" u{e.pk}" if e.reached_nobody else "")
                        + (f" x{e.pk}" if e.nobody_took_charge else "") for e in self.open_escalations)

    @property
    def staff_html(self) -> str:
        back = [format_html('<li class="text-success-emphasis">{}: back {}</li>', p.name, at) for p, at in self.back]
        return SafeString("".join(p.item_html for p in self.staff) + "".join(back))

    @property
    def escalation_text(self) -> str:
        """The top open alert in words: what, since when, and who has acknowledged it."""
        top = self.top
        if top is None:
            return ""
        reason = top.get_reason_display()
        if top.reason == EscalationReason.DURESS and self.visit.duress_signal in cover.SIGNAL_LABELS:
            reason = cover.SIGNAL_LABELS[self.visit.duress_signal]
            if self.visit.duress_signal == cover.SIGNAL_DURESS_PIN:
                reason += " (their phone shows a normal screen)"
        text = f"{reason} · raised {hhmm(top.created_at)}"
        if top.alert_count > 1:
            text += f", alerted {top.alert_count} times"
        if top.acknowledged_at:
            who = top.acknowledged_by.get_full_name() or top.acknowledged_by.get_username()
            text += f" · {who} took charge at {hhmm(top.acknowledged_at)}"
        return text

    @property
    def alert_text(self) -> str:
        """For a desktop notification: names and level only, never the family or address (R-CONFIDENTIAL)."""
        return f"{self.status}: {', '.join(p.name for p in self.staff)} (due back {self.back_by})"

    @property
    def to_acknowledge(self) -> Escalation | None:
        """The top open alert, when nobody has acknowledged it yet (it repeats until then)."""
        return self.top if self.top is not None and self.top.acknowledged_at is None else None


@dataclasses.dataclass
class ScheduleRow:
    """One visit of today's schedule (R-SCHEDULE), ticked off when back (R-RETURN)."""

    visit: "BoardVisit"
    staff_names: str
    times: str
    url: str
    returned_at: str
    tick: str = "○"
    state_text: str = ""
    state_class: str = "text-secondary"
    round_text: str = ""  # R-LUNCH: "Round, visit 2 · back at school 12:30"

    def __post_init__(self):
        visit = self.visit
        if visit.state == VisitState.RETURNED:
            self.tick, self.state_text, self.state_class = "✔", f"Back {self.returned_at}", "text-success"
        elif visit.state == VisitState.CANCELLED:
            self.tick, self.state_text = "✕", "Cancelled"
        elif visit.is_out:
            self.tick, self.state_text, self.state_class = "➜", "Out now", ""
        else:
            self.state_text = STATE_LABELS.get(visit.state, "")


def round_words(visit, now, tz) -> str:
    """R-LUNCH: a round's visit in words, with the round's next return point as the time it is due
    back: "Day's round, visit 2 · back at school 12:30 (lunch), then 15:30 (end of the day)"."""
    if visit.day_round_id is None:
        return ""
    lunch, end = visit.round_lunch_return, visit.round_end_return
    points = f"back at school {hhmm(lunch, tz)} (lunch), then {hhmm(end, tz)} (end of the day)"
    if now >= lunch:
        points = f"back at school {hhmm(end, tz)} (end of the day)"
    return f"Day's round, visit {visit.round_order} · {points}"


def schedule_row(visit, staff_names, urls, now, tz) -> ScheduleRow:
    row = ScheduleRow(visit=visit, staff_names=staff_names, url=urls.for_visit(visit.pk)["detail"],
                      times=f"{hhmm(visit.planned_start, tz)}–{hhmm(visit.expected_return, tz)}",
                      returned_at=hhmm(visit.returned_at, tz), round_text=round_words(visit, now, tz))
    if visit.state == VisitState.APPROVED and visit.planned_start < now:
        # R-DEPART: its time has come and nobody has left for it.
        row.state_text, row.state_class = "Not left yet", "text-danger"
    return row


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
    def what_to_check(self) -> str:
        """What of theirs the office should check: "check their mobile number"."""
        if self.channel in (Channel.SMS, Channel.VOICE):
            return "mobile number"
        return "email address" if self.channel == Channel.EMAIL else "devices that take alerts"

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
    # "updated 10:50:00" and the page's clock: board.js keeps them when the poll finds nothing new.
    # Not in the board's version, so nothing shown may be worked out from it at render time (a
    # property): words that depend on the time are fields, set when the board is built.
    now: datetime.datetime = dataclasses.field(metadata=REDRAWN)
    rows: list[BoardRow]
    failed: list[FailedAlert]
    schedule: list[ScheduleRow]
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
        keys = sorted(key for row in self.rows for key in row.alert_ids.split())
        return " ".join(keys + [f.key for f in self.failed])

    @property
    def alert_count(self) -> int:
        """Open alerts, for the tab title: visits with an open alert (one each, at its highest level)
        and undelivered notifications."""
        return sum(1 for row in self.rows if row.open_escalations) + len(self.failed)

    @property
    def everyone_back(self) -> bool:
        """R-RETURN: someone went out today, nobody is out now, and every visit of today's schedule is
        back or cancelled (one still waiting for approval cannot be out)."""
        return (not self.rows and any(s.visit.state == VisitState.RETURNED for s in self.schedule)
                and all(s.visit.state in (VisitState.RETURNED, VisitState.CANCELLED, VisitState.SUBMITTED)
                        for s in self.schedule))


def _sort_key(row: BoardRow):
    # Most urgent first: escalated (level 3, 2, 1), then by expected return, soonest first, which
    # puts the overdue before those due back soon, and those before the ones on time.
    return (-row.visit.escalation_level, row.visit.expected_return, row.visit.pk)


# Only what the board shows: a poll reads hundreds of rows, and phone numbers are costly to parse.
@dataclasses.dataclass
class BoardVisit:
    """What the board shows of a visit. Read as plain values: a poll reads hundreds of visits, and
    building model instances for them (and parsing their phone numbers) would be most of its time."""

    pk: int
    family_name: str
    address: str
    state: str
    planned_start: datetime.datetime
    expected_return: datetime.datetime
    departed_at: datetime.datetime | None
    returned_at: datetime.datetime | None
    escalation_level: int
    # The periodic check-in clock and the approval's overrides: the ladder's anchor and the visit's watch.
    heard_from_all_at: datetime.datetime | None
    last_contact_at: datetime.datetime | None
    gate_overrides: dict
    last_event_kind: str | None
    last_event_at: datetime.datetime | None
    last_event_by: int | None
    # How the visit's latest duress signal came (visits.cover: SOS, duress PIN, code word), if any.
    duress_signal: str | None = None
    # When the last word was tapped, where the phone kept it without signal and sent it later.
    last_event_said_at: datetime.datetime | None = None
    # R-LUNCH: its day's round, if on one: its place, whether its staff went on to the next visit
    # (safety.ladder.handed_on), and the round's return points.
    day_round_id: int | None = None
    round_order: int | None = None
    handed_on_at: datetime.datetime | None = None
    round_lunch_return: datetime.datetime | None = None
    round_end_return: datetime.datetime | None = None

    @property
    def is_out(self) -> bool:
        return self.state in OUT_STATES


VISIT_FIELDS = ("pk", "family__display_name", "address", "state", "planned_start", "expected_return", "departed_at",
                "returned_at", "escalation_level", "heard_from_all_at", "last_contact_at", "gate_overrides",
                "last_event_kind", "last_event_at", "last_event_by", "duress_signal", "last_event_said_at",
                "day_round_id", "round_order", "handed_on_at", "day_round__lunch_return", "day_round__end_return")


def today_bounds(now) -> tuple[datetime.datetime, datetime.datetime]:
    return local_day_bounds(timezone.localdate(now))


def on_the_board(visits, now):
    """Of `visits` (already scoped), those out now (whenever they started) and today's schedule
    (R-SCHEDULE): on a busy day they are mostly the same rows, so they are read together."""
    start, end = today_bounds(now)
    return visits.filter(
        Q(state__in=OUT_STATES) | Q(planned_start__gte=start, planned_start__lt=end, state__in=SCHEDULE_STATES))


def board_visits(visits, now) -> tuple[list[BoardVisit], list[BoardVisit]]:
    start, end = today_bounds(now)
    # The staff's last word: a check-in of theirs (or given for them by phone), not the watchdog's
    # own events (escalated, alert repeated, acknowledged...), which say nothing of how they are.
    last = (VisitEvent.objects.filter(visit=OuterRef("pk"), kind__in=CHECKIN_KINDS).order_by("-at", "-pk")
            .annotate(speaker=Coalesce("on_behalf_of_id", "actor_id")))
    # R-CODEWORD: the office sees how a duress signal came, a duress PIN above all (the phone shows nothing).
    signals = (VisitEvent.objects.filter(visit=OuterRef("pk"), kind=EventKind.DURESS).order_by("-at", "-pk")
               .annotate(signal=KT("data__signal")))
    visits = [BoardVisit(*values) for values in (
        on_the_board(visits, now)
        .annotate(last_event_kind=Subquery(last.values("kind")[:1]), last_event_at=Subquery(last.values("at")[:1]),
                  last_event_by=Subquery(last.values("speaker")[:1]),
                  duress_signal=Subquery(signals.values("signal")[:1]),
                  last_event_said_at=Subquery(last.values("said_at")[:1]))
        .order_by("planned_start", "pk").values_list(*VISIT_FIELDS)
    )]
    out = [v for v in visits if v.state in OUT_STATES]
    schedule = [v for v in visits if start <= v.planned_start < end]
    return out, schedule


def watches(visits, school, out) -> dict[int, Watch]:
    """The watch of each visit out now (visits.watch), its risk assessment read for all of them at
    once (two queries whatever their number)."""
    risks = {ra.visit_id: ra.level for ra in RiskAssessment.objects.filter(
        visit__in=visits.out().values("pk")).prefetch_related("hazards")}
    return {visit.pk: watch_for(school, risks.get(visit.pk), visit.gate_overrides) for visit in out}


def open_escalations(visits) -> dict[int, list[Escalation]]:
    """The open alert of each of `visits` out now (one per visit, at its highest level), by visit."""
    out: dict[int, list[Escalation]] = {}
    for esc in Escalation.objects.open_alerts().filter(visit__in=visits.out().values("pk")) \
            .select_related("acknowledged_by"):
        out.setdefault(esc.visit_id, []).append(esc)
    return out


def failed_alerts(school, now) -> list[FailedAlert]:
    """Notifications of this school that could not be delivered in the last 24 hours."""
    since = now - datetime.timedelta(hours=FAILED_NOTIFICATION_HOURS)
    failed = (
        Notification.objects.filter(status__in=DeliveryStatus.undelivered(), created_at__gte=since,
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


def live_board(user, now=None) -> LiveBoard:
    """The board of the user's school, of the visits they may see (visits.scoping)."""
    return school_board(school_of(user), visible_visits(user), now)


def school_board(school, visits, now=None) -> LiveBoard:
    """Everything the board of `school` shows of `visits` (already scoped: the office's visible visits,
    or the trust pages' read-only view of the school), in a constant number of queries whatever the
    number of visits."""
    now = now or timezone.now()
    if school is None:
        return LiveBoard(now=now, rows=[], failed=[], schedule=[], monitoring_down=monitoring_is_down(now))
    out, today = board_visits(visits, now)
    tz = timezone.get_current_timezone()
    staff = staff_of(on_the_board(visits, now))
    named = people(pk for pks in staff.values() for pk in pks)
    escalations = open_escalations(visits)
    urls = Urls()

    def staff_list(visit, out_only=False):
        on_it = staff.get(visit.pk, {})
        return sorted((named[pk] for pk, back in on_it.items() if pk in named and not (out_only and back)),
                      key=lambda p: p.sort_key)

    def back_list(visit):
        on_it = staff.get(visit.pk, {})
        return [(p, hhmm(on_it[p.pk], tz)) for p in staff_list(visit) if on_it[p.pk]]

    rows = []
    by_clock = clock_urgency(school)
    watch_of_visit = watches(visits, school, out)
    # R-LUNCH: a round's visits its staff went on from are one row with the visit they are on now
    # (watched for the round), unless one of them still has an alert of its own.
    handed_on = {}
    for visit in out:
        if ladder.handed_on(visit):
            handed_on.setdefault(visit.day_round_id, []).append(visit)
    for visit in out:
        if ladder.handed_on(visit) and not escalations.get(visit.pk):
            continue
        bar = progress(visit, now, school, watch_of_visit[visit.pk])
        level = visit.escalation_level
        tone, status = URGENCY[min(level, EscalationLevel.EMERGENCY)] if level else by_clock[_clock_key(bar)]
        mine = escalations.get(visit.pk, [])
        row = BoardRow(visit=visit, staff=staff_list(visit, out_only=True), back=back_list(visit),
                       progress=bar, tone=tone, status=status,
                       open_escalations=mine, top=mine[0] if mine else None, urls=urls.for_visit(visit.pk),
                       key=str(visit.pk), level=str(level), state_label=STATE_LABELS.get(visit.state, ""),
                       left_at=hhmm(visit.departed_at, tz) or "?", back_by=hhmm(visit.expected_return, tz),
                       round_text=round_words(visit, now, tz))
        if visit.day_round_id is not None and not ladder.handed_on(visit):
            row.round_done = ", ".join(f"{earlier.family_name} ({hhmm(earlier.planned_start, tz)})"
                                       for earlier in handed_on.get(visit.day_round_id, []))
        if visit.last_event_at:
            kind = visit.last_event_kind
            row.last_event_label = EVENT_LABELS.get(kind, "")
            if kind == EventKind.DURESS and visit.duress_signal in cover.SIGNAL_LABELS:
                row.last_event_label = cover.SIGNAL_LABELS[visit.duress_signal]
            row.last_event_at, row.last_event_ms = hhmm(visit.last_event_at, tz), str(epoch_ms(visit.last_event_at))
            age = now - visit.last_event_at
            row.last_event_ago = "just now" if age < datetime.timedelta(minutes=1) else f"{duration_text(age)} ago"
            speaker = named.get(visit.last_event_by)
            row.last_event_by = speaker.name if speaker else ""
            said = visit.last_event_said_at
            if said is not None and visit.last_event_at - said >= datetime.timedelta(minutes=1):
                # Kept on the phone without signal: both times ("said at 11:42, received 11:58").
                row.last_event_said = hhmm(said, tz)
        rows.append(row)
    rows.sort(key=_sort_key)

    schedule = [schedule_row(visit, ", ".join(p.name for p in staff_list(visit)), urls, now, tz) for visit in today]
    return LiveBoard(now=now, rows=rows, failed=failed_alerts(school, now), schedule=schedule,
                     monitoring_down=monitoring_is_down(now))
