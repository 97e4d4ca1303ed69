"""The watch of a visit while it is out, and why: decided here only (R-CHECKIN, R-RISK, R-LATE-15).

The risk assessment's level sets it, from the school's table (accounts.models.School):

  low risk     low_risk_checkin_minutes     (default empty: no periodic check-in, only the return)
  medium risk  medium_risk_checkin_minutes  (default 30)
  high risk    high_risk_checkin_minutes    (default 15; R-NOVISIT: a high risk blocks approval, so this
                                             is the watch of one that is out all the same)

The school-wide `checkin_interval_minutes` applies to every visit whatever its risk, and alone to a
visit with no risk assessment: it is the loosest watch a visit gets, so where it and the risk's own
minutes are both set, the shorter applies.

A visit approved with an override (a gate the approver agreed to with a reason: evening, from home,
lone visit...) has the head of school on its first alert, at the late-call time (R-LATE-15), not
only at the office chase (R-RETURN-30), while the school keeps `override_alerts_head_at_late_call` on.

Read by the ladder (safety.ladder: the check-in interval of the anchor, and who the first alert
starts with), the board (its bar's amber and red), and the visit and phone check-in pages, which
show `reason` and `head_reason` as they are: plain words, no rule IDs.
"""

import dataclasses
import datetime

from .models import RiskLevel

RISK_CHECKIN_FIELDS = {
    RiskLevel.LOW: "low_risk_checkin_minutes",
    RiskLevel.MEDIUM: "medium_risk_checkin_minutes",
    RiskLevel.HIGH: "high_risk_checkin_minutes",
}


@dataclasses.dataclass(frozen=True)
class Watch:
    """How a visit is watched while out: a periodic check-in every `checkin_minutes` (None: none, only
    the return), whether the head of school is on the first alert, and why, in words."""

    checkin_minutes: int | None
    head_at_late_call: bool
    reason: str  # "Medium risk: check in every 30 minutes."
    head_reason: str = ""  # why the head of school is on the first alert; empty when they are not

    @property
    def checkin_every(self) -> datetime.timedelta | None:
        return None if self.checkin_minutes is None else datetime.timedelta(minutes=self.checkin_minutes)

    @property
    def has_checkins(self) -> bool:
        return self.checkin_minutes is not None

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(words for words in (self.reason, self.head_reason) if words)


def _shorter(*minutes: int | None) -> int | None:
    set_ = [m for m in minutes if m]
    return min(set_) if set_ else None


def watch_for(school, risk: str | None, gate_overrides) -> Watch:
    """The watch of a visit at `school` whose risk assessment is at `risk` (None: it has none) and whose
    approval overrode `gate_overrides` (the gates agreed to with a reason; empty when none)."""
    everyone = school.checkin_interval_minutes or None
    own = None
    if risk in RISK_CHECKIN_FIELDS:
        own = getattr(school, RISK_CHECKIN_FIELDS[risk]) or None
    minutes = _shorter(everyone, own)
    said = f"{RiskLevel(risk).label} risk" if risk in RISK_CHECKIN_FIELDS else "No risk assessment yet"
    if minutes is None:
        reason = f"{said}: no check-ins needed while out, only the return."
    elif own is not None and own == minutes:
        reason = f"{said}: check in every {minutes} minutes."
    else:
        reason = f"{said}: check in every {minutes} minutes, as on every visit at this school."
    head = bool(gate_overrides) and school.override_alerts_head_at_late_call
    head_reason = ""
    if head:
        head_reason = (f"Approved with an override, so the head of school is alerted at the first alert "
                       f"({school.late_call_minutes} minutes late), not at {school.office_chase_minutes} minutes.")
    return Watch(checkin_minutes=minutes, head_at_late_call=head, reason=reason, head_reason=head_reason)


def risk_of(visit) -> str | None:
    """The level of the visit's risk assessment, or None while it has none (reads prefetched
    `risk_assessment__hazards` where the caller prefetched them)."""
    assessment = getattr(visit, "risk_assessment", None)
    return None if assessment is None else assessment.level


def watch_of(visit) -> Watch:
    """What watch applies to `visit` while it is out, and why."""
    return watch_for(visit.school, risk_of(visit), visit.gate_overrides)
