"""The escalation ladder of one visit: its deadlines, computed here only, from the school's settings.

Read by the scan (safety.watchdog: when a visit is next due, and what is due then), by the board's
progress bars (safety.board: static/js/board.js counts down from the same instants, handed over in
data attributes) and by every sentence that names a minute count (`rule_words`), so a school that
set 20 and 40 minutes reads 20 and 40 everywhere.

  anchor = the expected return, or the periodic check-in due time if that comes first (R-CHECKIN; how
           often, if at all, is the visit's watch: visits.watch.watch_of, from its risk level). A visit
           of a day's round is due back at the round's next return point (its expected return: lunch
           or the end of the day, R-LUNCH); once its staff go on to the round's next visit it raises
           nothing new (`handed_on`): the next visit carries the watch, so a round is one alert
  level 1 at anchor + late_call_minutes     office flagged (R-LATE-15); a visit approved with an
                                            override has every tier up to the head's (visits.watch)
  level 2 at anchor + office_chase_minutes  office must contact now, head of school alerted (R-RETURN-30)
  any level unacknowledged: repeated every alert_repeat_minutes to the same people (R-RETURN-30)
  taken charge of, no contact step for charge_reminder_minutes: the person in charge reminded, and
    from the second reminder the head too (R-CONTACT-STEPS); watched until resolved
  still open at anchor + police_prompt_minutes (60): the person in charge and the head are prompted
    to call the police, once (R-CONTACT-STEPS step 4)
  level 3 at once on a code word, duress or "felt unsafe" (R-CODEWORD: not a deadline)
  the roster (accounts.roster): level 1 starts with its first tier on duty, level 2 with every tier
    up to the head's, level 3 up to the DSL's; nobody taking charge within the last tier's timeout
    moves the alert on to the next tier (earlier tiers kept on it); after the last tier's timeout
    everyone in the roster is told, on every channel, to call the police now (R-CONTACT-STEPS step 4)

Before all that, staff first (fewer false alarms; safety.staff_reminders sends them): each member of
staff still out is reminded staff_reminder_minutes (5) before the expected return and nudged at it,
each once per expected return, and neither once an escalation has started. They never move level 1.

All times are aware UTC instants (visits.localtime.as_utc): adding minutes is elapsed time, so the
clock change neither shifts nor loses an escalation.
"""

import dataclasses
import datetime

from accounts import roster
from accounts.models import TierKind
from visits.lifecycle import OUT_STATES
from visits.localtime import as_utc
from visits.watch import Watch, watch_of

from .models import Escalation, EscalationLevel, EscalationReason


@dataclasses.dataclass(frozen=True)
class Deadlines:
    """When each rung of the ladder falls due for one visit, counted from `anchor`."""

    anchor: datetime.datetime
    reason: str  # EscalationReason: a late return or a missed periodic check-in
    late_at: datetime.datetime  # level 1, R-LATE-15
    chase_at: datetime.datetime  # level 2, R-RETURN-30
    repeat_every: datetime.timedelta  # an unacknowledged alert, R-RETURN-30
    remind_every: datetime.timedelta  # an alert taken charge of with no contact step since, R-CONTACT-STEPS
    police_at: datetime.datetime  # still no word: call the police, R-CONTACT-STEPS step 4

    def due_at(self, level: int) -> datetime.datetime:
        """When the ladder raises `level` (1 or 2)."""
        return self.late_at if level == EscalationLevel.LATE else self.chase_at

    def repeat_at(self, alert: Escalation) -> datetime.datetime:
        return as_utc(alert.last_alert_at) + self.repeat_every

    def remind_at(self, alert: Escalation) -> datetime.datetime:
        """When the person in charge of `alert` is next reminded: this long after they took charge,
        their last contact step or the last reminder, whichever is latest."""
        since = max(as_utc(moment) for moment in (alert.acknowledged_at, alert.last_step_at, alert.charge_reminded_at)
                    if moment is not None)
        return since + self.remind_every


def counted_from(anchor: datetime.datetime, reason: str, school) -> Deadlines:
    """The ladder of `school` counted from `anchor`."""
    anchor = as_utc(anchor)
    return Deadlines(
        anchor=anchor, reason=reason,
        late_at=anchor + datetime.timedelta(minutes=school.late_call_minutes),  # R-LATE-15
        chase_at=anchor + datetime.timedelta(minutes=school.office_chase_minutes),  # R-RETURN-30
        repeat_every=datetime.timedelta(minutes=school.alert_repeat_minutes),
        remind_every=datetime.timedelta(minutes=school.charge_reminder_minutes),
        police_at=anchor + datetime.timedelta(minutes=school.police_prompt_minutes),
    )


def anchor(visit, watch: Watch | None = None) -> tuple[datetime.datetime, str]:
    """The deadline the ladder counts from, and why (late return or a missed periodic check-in), as
    a UTC instant: a time just typed may still carry the local zone, where adding minutes would be
    wall-clock arithmetic. `watch`: the visit's (visits.watch.watch_of), where the caller has it."""
    every = (watch or watch_of(visit)).checkin_every  # R-CHECKIN, by the visit's risk
    expected = as_utc(visit.expected_return)
    last_word = visit.heard_from_all_at or visit.last_contact_at or visit.departed_at
    if every is not None and last_word is not None:
        # Each person's word counts for them only: the clock runs from the oldest among those out.
        checkin_due = as_utc(last_word) + every
        if checkin_due < expected:
            return checkin_due, EscalationReason.MISSED_CHECKIN
    return expected, EscalationReason.LATE_RETURN


# A rung that never falls due: the staff of a round's visit went on to its next visit (R-LUNCH).
NEVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def handed_on(visit) -> bool:
    """R-LUNCH: the round's staff went on from this visit to the round's next one, which is watched
    instead, anchored on the same return point: one overdue round is one alert, not one per visit.
    The visit stays out until they are back at school; an alert it already had keeps its own clock."""
    return visit.handed_on_at is not None


def deadlines(visit, watch: Watch | None = None, school=None) -> Deadlines:
    """The ladder of a visit that is out, from its anchor (the scan's view, and the board's: it hands
    over the watch and school it read for many visits at once). A visit of a round anchors on its
    round's return point, its expected return (visits.rounds keeps the two in step, R-LUNCH); one
    handed on to the round's next visit raises no new rung."""
    due = counted_from(*anchor(visit, watch), school or visit.school)
    if handed_on(visit):
        return dataclasses.replace(due, late_at=NEVER, chase_at=NEVER)
    return due


def ladder_level(round_escalations: list[Escalation]) -> int | None:
    """The level this round's ladder raises next: 1, then 2; nothing above (3 only by a code word)."""
    top = max((e.level for e in round_escalations), default=0)
    return {0: EscalationLevel.LATE, EscalationLevel.LATE: EscalationLevel.CHASE}.get(top)


def repeats(alert: Escalation | None) -> bool:
    """R-RETURN-30: an open alert repeats until someone acknowledges it, level 1 too (R-LATE-15: one
    lost message must not be the only word), until the ladder raises it."""
    return alert is not None and alert.acknowledged_at is None


def reminds(alert: Escalation | None) -> bool:
    """R-CONTACT-STEPS: an open alert someone took charge of stays watched: its person in charge is
    reminded while no contact step is recorded (until it is resolved)."""
    return alert is not None and alert.acknowledged_at is not None and alert.resolved_at is None


def prompts_police(alert: Escalation | None) -> bool:
    """R-CONTACT-STEPS step 4: an open alert about a late return or a missed check-in prompts the police
    step once, at its deadline + police_prompt_minutes (a code word asks for the police at once)."""
    return (alert is not None and alert.resolved_at is None and alert.police_prompted_at is None
            and alert.reason in (EscalationReason.LATE_RETURN, EscalationReason.MISSED_CHECKIN))


def on_duty(visit, at) -> tuple[roster.Tier, ...]:
    """The school's roster as it stands at `at` (out of hours: the out-of-hours contacts first)."""
    return roster.on_duty(visit.school, at)


def start_tiers(level: int, tiers: tuple[roster.Tier, ...], lower: Escalation | None = None, *,
                head_at_late_call: bool = False) -> int:
    """How many tiers on duty an alert at `level` starts with: level 1 the first (R-LATE-15), or every
    tier up to the head of school's on a visit whose watch says so (`head_at_late_call`: approved with
    an override, visits.watch), level 2 every tier up to the head of school's (R-RETURN-30), level 3
    up to the DSL's (R-CODEWORD: straight to the top); never fewer than the lower level it was raised
    from had reached."""
    if level >= EscalationLevel.EMERGENCY:
        reach = roster.reach_through(tiers, TierKind.HEAD, TierKind.DSL)
    elif level == EscalationLevel.CHASE or head_at_late_call:
        reach = roster.reach_through(tiers, TierKind.HEAD)
    else:
        reach = roster.reach_through(tiers)
    return max(reach, lower.tiers_reached if lower is not None else 0)


def first_tiers(visit, level: int, now: datetime.datetime, lower: Escalation | None = None) -> int:
    """How many tiers on duty at `now` a new alert of `visit` at `level` starts with (start_tiers, with
    the visit's own watch)."""
    return start_tiers(level, on_duty(visit, now), lower, head_at_late_call=watch_of(visit).head_at_late_call)


def moves_on(alert: Escalation | None) -> bool:
    """An open alert nobody has taken charge of moves on along the roster until it has reached every
    tier and the last tier's timeout has passed."""
    return (alert is not None and alert.resolved_at is None and alert.acknowledged_at is None
            and alert.exhausted_at is None)


def move_on_at(visit, alert: Escalation) -> datetime.datetime:
    """When `alert` moves on: the timeout of the last tier it reached, from when it reached it."""
    since = as_utc(alert.tier_at or alert.created_at)
    reached = on_duty(visit, since)[:max(alert.tiers_reached, 1)]
    return since + (reached[-1].timeout if reached else roster.DEFAULT_TIMEOUT)


def move_on(visit, alert: Escalation, now) -> bool:
    """Move `alert` on to the next tier on duty at `now`; with none left, mark it exhausted (nobody
    took charge: call the police now). Returns True when it was exhausted."""
    alert.tier_at = now
    if alert.tiers_reached < len(on_duty(visit, now)):
        alert.tiers_reached += 1
        return False
    alert.exhausted_at = now
    return True


def next_rung(round_escalations: list[Escalation], alert: Escalation | None) -> int | None:
    """The level the ladder raises next for a visit, given this round's escalations and its open
    alert (none while an alert at that level or above is open)."""
    level = ladder_level(round_escalations)
    if level is not None and (alert is None or alert.level < level):
        return level
    return None


def next_check(visit, round_escalations: list[Escalation],
               alert: Escalation | None = None) -> datetime.datetime | None:
    """When the watchdog must next look at this visit, given this round's escalations and the
    visit's open alert (from any round)."""
    if visit.state not in OUT_STATES:
        return None
    due = deadlines(visit)
    times = []
    level = next_rung(round_escalations, alert)
    if level is not None and not handed_on(visit):
        times.append(due.due_at(level))
    if repeats(alert):
        times.append(due.repeat_at(alert))
    if moves_on(alert):
        times.append(move_on_at(visit, alert))
    if reminds(alert):
        times.append(due.remind_at(alert))
    if prompts_police(alert):
        times.append(due.police_at)
    times.extend(reminder.at for reminder in staff_reminders(visit, round_escalations, alert))
    return min(times, default=None)


# --- Staff first: "Due back at 11:30 — tap to tell school" ----------------------------------------

STAFF_REMINDER = "reminder"  # staff_reminder_minutes before the expected return
STAFF_NUDGE = "nudge"  # at the expected return itself


@dataclasses.dataclass(frozen=True)
class StaffReminder:
    """One message to the staff still out about their expected return: the reminder before it or the
    nudge at it, due at `at`."""

    kind: str  # STAFF_REMINDER or STAFF_NUDGE
    at: datetime.datetime
    expected_return: datetime.datetime


def reminder_at(visit) -> datetime.datetime | None:
    """When the staff are reminded that they are due back: staff_reminder_minutes before the current
    expected return (elapsed minutes, in UTC); None when the school has reminders off."""
    minutes = visit.school.staff_reminder_minutes
    if not minutes:
        return None
    return as_utc(visit.expected_return) - datetime.timedelta(minutes=minutes)


def nudge_at(visit) -> datetime.datetime | None:
    """When the staff are nudged: at the expected return itself, while the school has reminders on
    (one setting for both: a school that wants no messages to its staff switches the reminder off)."""
    if not visit.school.staff_reminder_minutes:
        return None
    return as_utc(visit.expected_return)


def staff_reminders(visit, round_escalations: list[Escalation],
                    alert: Escalation | None = None) -> list[StaffReminder]:
    """The reminder and nudge not yet sent for the visit's current expected return (a new time means
    new ones). None once an escalation has started, this round or an alert still open from another
    (level 1 and up are then the word; after a code word the phone must show nothing, R-CODEWORD)."""
    if visit.state not in OUT_STATES or round_escalations or alert is not None or handed_on(visit):
        return []
    expected = as_utc(visit.expected_return)
    out = []
    remind, nudge = reminder_at(visit), nudge_at(visit)
    if remind is not None and visit.staff_reminded_for != expected:
        out.append(StaffReminder(STAFF_REMINDER, remind, expected))
    if nudge is not None and visit.staff_nudged_for != expected:
        out.append(StaffReminder(STAFF_NUDGE, nudge, expected))
    return out


def staff_reminder_goes(reminder: StaffReminder, visit, now: datetime.datetime) -> bool:
    """Whether a reminder that has fallen due is still worth sending at `now`, or is passed over: the
    reminder once the nudge is due, the nudge once level 1 is (R-LATE-15: a scan that ran late sends
    the escalation, not a reminder), and either when school heard from the visit at or after its
    instant (they left, or gave a new time, just then: "Due back at 11:30" would be noise)."""
    if now < reminder.at:
        return False
    until = reminder.expected_return if reminder.kind == STAFF_REMINDER else deadlines(visit).late_at
    last_word = max((as_utc(moment) for moment in (visit.departed_at, visit.last_contact_at) if moment is not None),
                    default=None)
    return now < until and (last_word is None or last_word < reminder.at)


@dataclasses.dataclass(frozen=True)
class RuleWords:
    """The ladder's rules in words, with the school's own minute counts."""

    late: str  # "Late: 15-minute rule passed"
    chase: str  # "Not back: 30-minute rule passed"
    missed_late: str  # "Check-in missed: 15 minutes without word"
    missed_chase: str  # "Check-in missed: 30 minutes without word"


def rule_words(school) -> RuleWords:
    return RuleWords(late=f"Late: {school.late_call_minutes}-minute rule passed",  # R-LATE-15
                     chase=f"Not back: {school.office_chase_minutes}-minute rule passed",  # R-RETURN-30
                     # R-CHECKIN: the same ladder, counted from when the check-in was due.
                     missed_late=f"Check-in missed: {school.late_call_minutes} minutes without word",
                     missed_chase=f"Check-in missed: {school.office_chase_minutes} minutes without word")
