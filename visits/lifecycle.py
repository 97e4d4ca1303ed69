"""The visit lifecycle: the states a visit goes through, the named sets of them, and what each
check-in does to a visit that is out.

    draft -> submitted -> approved -> departed -> on site -> left -> returned
               |  ^           |          (any state before "returned" may be cancelled while
               v  |           v           nobody is out; a change sends an approved plan back
             refused       submitted      for approval)

Planning moves (submit, approve, refuse, cancel, send back) are checked by visits.services.
Check-ins from staff who are out are checked by the watchdog (safety.checkins.check_in) against
`CHECK_INS` below, and the phone page and the office's call page (safety.presenters.offered_kinds)
offer exactly what that table accepts, so a button never leads to a refusal and no service
accepts what no page offers. Each row: the states a check-in is accepted from, and the state it
leaves the visit in (None: the state stays; the visit is still out).

The decisions behind the rows that were once accepted without being offered:
- on site -> back at school: accepted and offered. Staff may go straight back without a separate
  "left" tap; their return is what the office needs to know (R-RETURN).
- on site -> does not feel safe: accepted and offered. Doubt can arise during the visit as well as
  on the doorstep (aggression or intoxication, R-NOVISIT); it is an emergency whenever it comes
  (R-ARRIVE), and the visit is left.
- on the way -> no one home: refused. "No one home" follows waiting at the door after arriving
  (R-WAIT, R-NOTHOME): arrival comes first.
- on the way -> left the property: refused, for the same reason: staff arrive before they leave.
  Turning back before arriving is "abandoned" (with its reason, told to the head), or back at school.
- left -> abandoned: refused. Abandoning decides a visit not yet done (R-ARRIVE: the head decides
  next steps); once the property is left, how the visit ended goes in the visit report (R-REPORT).
- left -> left: refused: leaving is already recorded, and a second tap would say nothing new.
"""

import dataclasses

from django.db import models


class VisitState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    DEPARTED = "departed", "On the way"
    ON_SITE = "on_site", "At the visit"
    LEFT = "left", "Left the property"
    RETURNED = "returned", "Returned"
    CANCELLED = "cancelled", "Cancelled"


class EventKind(models.TextChoices):
    CREATED = "created", "Planned"
    EDITED = "edited", "Changed"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    REOPENED = "reopened", "Sent back for approval after a change"
    CANCELLED = "cancelled", "Cancelled"
    DEPARTED = "departed", "Left for the visit"
    ARRIVED = "arrived", "Arrived, feels safe"
    UNSAFE = "unsafe", "Arrived, does NOT feel safe"
    OK = "ok", "All OK"
    LATE = "late", "Running late"
    NO_ONE_HOME = "no_one_home", "No one home"
    LEFT = "left", "Left the property"
    ABANDONED = "abandoned", "Visit abandoned"
    RETURNED = "returned", "Back at school"
    HANDED_ON = "handed_on", "Went on to the round's next visit"
    DURESS = "duress", "CODE WORD / duress"
    ESCALATED = "escalated", "Escalated by the watchdog"
    ALERT_REPEATED = "alert_repeated", "Alert repeated"
    UNREACHED = "unreached", "Alert reached nobody"
    MOVED_ON = "moved_on", "Alert moved on to the next people"
    NOBODY_IN_CHARGE = "nobody_in_charge", "Nobody took charge: everyone told to call the police"
    REMINDED = "reminded", "Person in charge reminded"
    POLICE_PROMPTED = "police_prompted", "Prompted to call the police"
    ACKNOWLEDGED = "acknowledged", "Alert acknowledged"
    CONTACT = "contact", "Contact step"
    RESOLVED = "resolved", "Escalation resolved"
    ALARM_SAID = "alarm_said", "What the alarm was"


# --- Named sets of states (each defined here only) ---------------------------------------------

# Staff are out: the watchdog watches the visit until everyone is back (R-DEPART .. R-RETURN).
OUT_STATES = (VisitState.DEPARTED, VisitState.ON_SITE, VisitState.LEFT)
# The plan may still change (and a change of an approved plan sends it back for approval).
PLANNING_STATES = (VisitState.DRAFT, VisitState.SUBMITTED, VisitState.APPROVED, VisitState.REFUSED)
# The plan may be submitted for approval (again, after a refusal).
SUBMITTABLE_STATES = (VisitState.DRAFT, VisitState.REFUSED)
# Before (or back before) the approver's decision: the plan's gates are still to decide.
UNDECIDED_STATES = (VisitState.DRAFT, VisitState.SUBMITTED, VisitState.REFUSED)
# Not yet approved: nothing goes to the family yet (R-INFORM).
UNAPPROVED_STATES = (VisitState.DRAFT, VisitState.SUBMITTED)
# The check-in pages have something to record: the start of an approved visit, or word while out.
CHECK_IN_STATES = (VisitState.APPROVED, *OUT_STATES)
# The visit has started (an incident can be recorded on it, R-INCIDENT).
STARTED_STATES = (*OUT_STATES, VisitState.RETURNED)
# Nothing more happens to the visit: everyone is back, or it was called off.
FINISHED_STATES = (VisitState.RETURNED, VisitState.CANCELLED)
# Not going ahead or already over: its staff are free for another visit at that time.
NOT_BOOKING_STATES = (VisitState.CANCELLED, VisitState.REFUSED, VisitState.RETURNED)
# Shown in the day's schedule (R-SCHEDULE): drafts and refused plans are not going anywhere.
SCHEDULE_STATES = (VisitState.SUBMITTED, VisitState.APPROVED, *OUT_STATES, VisitState.RETURNED,
                   VisitState.CANCELLED)


# --- What each check-in does ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CheckIn:
    """One check-in: the states it is accepted from, the state it leaves the visit in (None: the
    same), and what the refusal says from an out state it is not accepted from."""

    kind: str
    accepted_from: tuple
    to_state: str | None
    refusals: dict = dataclasses.field(default_factory=dict)


ALREADY_LEFT = "The visit has already been left."
ARRIVE_FIRST = "Record the arrival first."

# In the order the pages offer them.
CHECK_INS = {check_in.kind: check_in for check_in in [
    # R-DEPART: an approved visit starts (on its day: the watchdog checks the date).
    CheckIn(EventKind.DEPARTED, (VisitState.APPROVED,), VisitState.DEPARTED),
    # R-ARRIVE: arrival comes with the safety question (yes -> arrived, no -> unsafe).
    CheckIn(EventKind.ARRIVED, (VisitState.DEPARTED,), VisitState.ON_SITE, refusals={
        VisitState.ON_SITE: "Arrival is already recorded.", VisitState.LEFT: "Arrival is already recorded."}),
    # R-ARRIVE: with any doubt, leave (an emergency: the watchdog escalates at once).
    CheckIn(EventKind.UNSAFE, (VisitState.DEPARTED, VisitState.ON_SITE), VisitState.LEFT, refusals={
        VisitState.LEFT: ALREADY_LEFT}),
    # R-WAIT, R-NOTHOME: after waiting at the door.
    CheckIn(EventKind.NO_ONE_HOME, (VisitState.ON_SITE,), VisitState.LEFT, refusals={
        VisitState.DEPARTED: f"{ARRIVE_FIRST} \"No one home\" is for after waiting at the door.",
        VisitState.LEFT: ALREADY_LEFT}),
    CheckIn(EventKind.LEFT, (VisitState.ON_SITE,), VisitState.LEFT, refusals={
        VisitState.DEPARTED: f"{ARRIVE_FIRST} Turning back before arriving: abandon the visit and say why.",
        VisitState.LEFT: "Leaving the property is already recorded."}),
    # R-RETURN: each person signs back in; the visit is returned once the last one out is back.
    CheckIn(EventKind.RETURNED, OUT_STATES, VisitState.RETURNED),
    # R-CHECKIN: word that all is well (it answers a missed periodic check-in).
    CheckIn(EventKind.OK, OUT_STATES, None),
    # R-LATE-15: a new expected return.
    CheckIn(EventKind.LATE, OUT_STATES, None),
    # R-ARRIVE: the visit is called off before it is done; the head is told at once.
    CheckIn(EventKind.ABANDONED, (VisitState.DEPARTED, VisitState.ON_SITE), VisitState.LEFT, refusals={
        VisitState.LEFT: "The visit has already been left: say how it ended in the visit report."}),
    # R-CODEWORD: from any state while out.
    CheckIn(EventKind.DURESS, OUT_STATES, None),
]}

CHECKIN_KINDS = frozenset(CHECK_INS)


def accepts(kind: str, state: str) -> bool:
    """Is check-in `kind` accepted from a visit in `state`?"""
    check_in = CHECK_INS.get(kind)
    return check_in is not None and state in check_in.accepted_from


def kinds_accepted_from(state: str) -> list[str]:
    """The check-ins accepted from `state`, in the order the pages offer them."""
    return [kind for kind, check_in in CHECK_INS.items() if state in check_in.accepted_from]


def refusal(kind: str, state: str, state_label: str) -> str | None:
    """Why check-in `kind` is refused from `state` (None: accepted). `state_label` is the state
    in words, e.g. "approved"."""
    if accepts(kind, state):
        return None
    if kind == EventKind.DEPARTED:
        return f"Only an approved visit can start; this one is {state_label}."
    if state not in OUT_STATES:
        return f"Nobody is out on this visit ({state_label})."
    check_in = CHECK_INS.get(kind)
    if check_in is None:
        return f"Unknown check-in: {kind}"
    return check_in.refusals.get(state, f"This can't be recorded now: the visit is {state_label}.")


def state_after(kind: str, state: str) -> str:
    """The state a visit is in after check-in `kind` (RETURNED only once the last one out is back:
    the watchdog decides that, not this table)."""
    to_state = CHECK_INS[kind].to_state
    if to_state is None or to_state == VisitState.RETURNED:
        return state
    return to_state
