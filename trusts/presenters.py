"""What the trust's pages show (R-CONFIDENTIAL: only of the schools of the user's own trust,
visits.scoping.trust_schools): each school with its counts and the board of who is out there, the
school's approvals queue and its alerts, all read-only. The boards are safety's own
(safety.board.school_board), so a trust lead reads a school's board exactly as its office does,
less the buttons."""

import dataclasses
import datetime

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import School
from safety.board import LiveBoard, school_board
from safety.models import Escalation
from visits.lifecycle import OUT_STATES, VisitState
from visits.models import Visit
from visits.presenters import approval_rows
from visits.scoping import trust_schools, trust_visits

# Resolved alerts stay on a school's alerts page this long (the open ones until they are resolved).
RECENT_ALERT_DAYS = 7


@dataclasses.dataclass
class SchoolSummary:
    """One school of the trust on the overview: its counts, and its board (who is out, most urgent first)."""

    school: School
    out_now: int
    # Out and past their expected return (the ladder's own alerts are counted as open alerts).
    overdue: int
    open_alerts: int
    awaiting_approval: int
    board: LiveBoard

    @property
    def needs_attention(self) -> bool:
        return bool(self.open_alerts or self.overdue or self.board.failed)


@dataclasses.dataclass
class TrustOverview:
    """Every school of the trust at once, the schools with an open alert or someone overdue first."""

    now: datetime.datetime
    schools: list[SchoolSummary]

    @property
    def now_ms(self) -> int:
        return int(self.now.timestamp() * 1000)

    @property
    def alert_count(self) -> int:
        return sum(s.board.alert_count for s in self.schools)

    @property
    def alert_keys(self) -> str:
        """The open alerts of every school (ids are unique across schools), for board.js's beep."""
        return " ".join(sorted(key for s in self.schools for key in s.board.alert_keys.split()))

    @property
    def out_now(self) -> int:
        return sum(s.out_now for s in self.schools)


def overview(user, now=None) -> TrustOverview:
    """The overview of the user's trust: counts in two queries for all its schools, then each
    school's board (a constant number of queries a school)."""
    now = now or timezone.now()
    schools = list(trust_schools(user).order_by("name"))
    out = Q(state__in=OUT_STATES)
    counts = {row["school"]: row for row in Visit.objects.filter(school__in=schools).values("school").annotate(
        out_now=Count("pk", filter=out), overdue=Count("pk", filter=out & Q(expected_return__lt=now)),
        awaiting=Count("pk", filter=Q(state=VisitState.SUBMITTED)))}
    alerts = dict(Escalation.objects.open_alerts().filter(visit__school__in=schools).values("visit__school")
                  .annotate(n=Count("visit", distinct=True)).values_list("visit__school", "n"))
    summaries = []
    for school in schools:
        row = counts.get(school.pk, {})
        summaries.append(SchoolSummary(
            school=school, out_now=row.get("out_now", 0), overdue=row.get("overdue", 0),
            open_alerts=alerts.get(school.pk, 0), awaiting_approval=row.get("awaiting", 0),
            board=school_board(school, trust_visits(user, school), now)))
    summaries.sort(key=lambda s: (not s.needs_attention, s.school.name))
    return TrustOverview(now=now, schools=summaries)


def board(user, school, now=None) -> LiveBoard:
    """The school's live board as its office sees it, for the trust (read-only in the template)."""
    return school_board(school, trust_visits(user, school), now)


def approvals(user, school) -> list[dict]:
    """The school's approvals queue, soonest first, coloured as its own approvers see it."""
    visits = list(
        trust_visits(user, school).filter(state=VisitState.SUBMITTED)
        .select_related("family", "lead", "risk_assessment", "school")
        .prefetch_related("staff", "risk_assessment__hazards")
        .order_by("planned_start", "pk"))
    return approval_rows(visits, None)


def alerts(user, school, now=None) -> dict:
    """The school's open alerts (most urgent first) and those resolved in the last week (newest first)."""
    now = now or timezone.now()
    escalations = (Escalation.objects.filter(visit__in=trust_visits(user, school).values("pk"))
                   .select_related("visit__family", "acknowledged_by", "visit__lead"))
    since = now - datetime.timedelta(days=RECENT_ALERT_DAYS)
    return {
        "open": list(escalations.open_alerts().order_by("-level", "created_at", "pk")),
        # An alert closed because it was raised to the next level is shown by that level, not twice.
        "resolved": list(escalations.filter(resolved_at__gte=since, raised_to__isnull=True)
                         .order_by("-resolved_at", "-pk")),
    }
