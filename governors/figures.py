"""R-REVIEW: the year's figures a school's governors review, for an academic year (1 September to
31 August, school time), beside the year before.

Counts only: a safeguarding concern is counted, never read; anonymised families count like any
other (retention keeps the rows and blanks the words). Every query is confined to the schools asked
for: one school (the governors' report) or the schools of a trust (trusts app), pooled: counts are
summed and the medians and 90th percentiles are taken over all the schools' alerts together, never
averaged school by school.
"""

import datetime
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from accounts import roles
from accounts.models import StaffProfile
from safety.models import AlarmOutcome, Escalation, EscalationLevel, EscalationReason, SafeguardingConcern
from visits.localtime import combine_local
from visits.models import Family, OfferStatus, Outcome, Purpose, Visit, VisitReport, VisitState

FIRST_YEAR = 2000  # the first academic year a report may be asked for


def academic_year_of(day: datetime.date) -> int:
    """The calendar year in which the academic year holding `day` began."""
    return day.year if day.month >= 9 else day.year - 1


def known_year(start_year: int, today: datetime.date) -> bool:
    """A year that has begun (the current one so far, or one before it, from FIRST_YEAR)."""
    return FIRST_YEAR <= start_year <= academic_year_of(today)


def recent_years(today: datetime.date, count: int = 7) -> list[tuple[int, str]]:
    """The current academic year and those before it, newest first, for the pages' year links."""
    now_year = academic_year_of(today)
    return [(y, year_label(y)) for y in range(now_year, max(FIRST_YEAR, now_year - count + 1) - 1, -1)]


def year_label(start_year: int) -> str:
    return f"{start_year}/{str(start_year + 1)[-2:]}"


def year_bounds(start_year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """[1 September 00:00, next 1 September 00:00) in school time, as aware datetimes."""
    return (combine_local(datetime.date(start_year, 9, 1), datetime.time(0, 0)),
            combine_local(datetime.date(start_year + 1, 9, 1), datetime.time(0, 0)))


NOT_SAID = "Not yet said"


@dataclass
class Spread:
    """Minutes from one moment to the next over the year's alerts: how many, median, 90th percentile."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, minutes: list[float]) -> "Spread":
        if not minutes:
            return cls()
        ordered = sorted(minutes)
        p90 = ordered[0] if len(ordered) == 1 else statistics.quantiles(ordered, n=10, method="inclusive")[8]
        return cls(len(ordered), round(statistics.median(ordered), 1), round(p90, 1))


@dataclass
class YearFigures:
    start_year: int
    visits_made: int = 0
    by_purpose: dict = field(default_factory=dict)  # label -> visits made
    by_outcome: dict = field(default_factory=dict)  # label -> reports
    offered: int = 0
    accepted: int = 0
    declined: int = 0
    refused: int = 0
    cancelled: int = 0
    cancelled_for_safety: int = 0
    late_returns: int = 0
    escalations_by_level: dict = field(default_factory=dict)  # label -> alerts
    alarms_by_outcome: dict = field(default_factory=dict)  # label -> resolved alarms, "Not yet said" last
    to_acknowledged: Spread = field(default_factory=Spread)
    to_resolved: Spread = field(default_factory=Spread)
    concerns_raised: int = 0
    visiting_staff: int = 0
    visiting_staff_trained: int = 0

    @property
    def label(self) -> str:
        return year_label(self.start_year)

    @property
    def cancelled_other(self) -> int:
        return self.cancelled - self.cancelled_for_safety

    @property
    def training_percent(self) -> int | None:
        if not self.visiting_staff:
            return None
        return round(100 * self.visiting_staff_trained / self.visiting_staff)


def _minutes(start, end) -> float:
    return (end - start).total_seconds() / 60


def year_figures(school, start_year: int) -> YearFigures:
    """One school's figures for the academic year beginning in September of `start_year`."""
    return schools_year_figures([school], start_year)


def schools_year_figures(schools, start_year: int) -> YearFigures:
    """The figures of `schools` (a list or queryset) pooled for the year: counts summed, response times'
    median and 90th percentile over every alert of every school together (R-REVIEW)."""
    start, end = year_bounds(start_year)
    fig = YearFigures(start_year)
    schools = list(schools)
    visits = Visit.objects.filter(school__in=schools, planned_start__gte=start, planned_start__lt=end)

    made = dict(visits.filter(state=VisitState.RETURNED).values_list("purpose").annotate(n=Count("pk")))
    fig.by_purpose = {label: made.get(value, 0) for value, label in Purpose.choices}
    fig.visits_made = sum(made.values())
    outcomes = dict(VisitReport.objects.filter(visit__in=visits).values_list("outcome").annotate(n=Count("pk")))
    fig.by_outcome = {label: outcomes.get(value, 0) for value, label in Outcome.choices}
    states = visits.aggregate(
        refused=Count("pk", filter=Q(state=VisitState.REFUSED)),
        cancelled=Count("pk", filter=Q(state=VisitState.CANCELLED)),
        safety=Count("pk", filter=Q(state=VisitState.CANCELLED, cancelled_for_safety=True)))
    fig.refused, fig.cancelled, fig.cancelled_for_safety = states["refused"], states["cancelled"], states["safety"]

    # R-OFFER: the families whose answer (or offer) was recorded this year.
    offers = Family.objects.filter(school__in=schools, offer_status_date__gte=datetime.date(start_year, 9, 1),
                                   offer_status_date__lt=datetime.date(start_year + 1, 9, 1)).aggregate(
        offered=Count("pk", filter=~Q(offer_status=OfferStatus.NOT_OFFERED)),
        accepted=Count("pk", filter=Q(offer_status=OfferStatus.ACCEPTED)),
        declined=Count("pk", filter=Q(offer_status=OfferStatus.DECLINED)))
    fig.offered, fig.accepted, fig.declined = offers["offered"], offers["accepted"], offers["declined"]

    alerts = Escalation.objects.filter(visit__school__in=schools, created_at__gte=start, created_at__lt=end)
    fig.late_returns = (alerts.filter(reason=EscalationReason.LATE_RETURN).values("visit").distinct().count())
    by_level = dict(alerts.values_list("level").annotate(n=Count("pk")))
    fig.escalations_by_level = {label: by_level.get(value, 0) for value, label in EscalationLevel.choices}
    # R-REVIEW: what each resolved alarm was (one per alarm, at the level it was resolved at), and how
    # many nobody has said yet, so a gap in the record shows rather than hiding in the other counts.
    said = dict(alerts.alarms().values_list("outcome").annotate(n=Count("pk")))
    fig.alarms_by_outcome = {label: said.get(value, 0) for value, label in AlarmOutcome.choices}
    fig.alarms_by_outcome[NOT_SAID] = said.get("", 0)
    # Response times per alert chain, at its top level (a level raised to the next is one alert).
    to_ack, to_resolve = [], []
    for anchor, created, acked, resolved in alerts.filter(raised_to__isnull=True).values_list(
            "anchor", "created_at", "acknowledged_at", "resolved_at"):
        deadline = anchor or created
        if acked:
            to_ack.append(_minutes(deadline, acked))
        if resolved:
            to_resolve.append(_minutes(deadline, resolved))
    fig.to_acknowledged, fig.to_resolved = Spread.of(to_ack), Spread.of(to_resolve)

    fig.concerns_raised = SafeguardingConcern.objects.filter(school__in=schools, raised_at__gte=start,
                                                             raised_at__lt=end).count()
    staff = StaffProfile.objects.filter(school__in=schools, user__is_active=True,
                                        user__groups__name=roles.VISITING_STAFF).distinct()
    fig.visiting_staff = staff.count()
    last_day = min(datetime.date(start_year + 1, 8, 31), timezone.localdate())
    fig.visiting_staff_trained = staff.filter(training_date__lte=last_day).count()
    return fig


def compared(school, start_year: int) -> tuple[YearFigures, YearFigures]:
    return year_figures(school, start_year), year_figures(school, start_year - 1)


def schools_compared(schools, start_year: int) -> tuple[YearFigures, YearFigures]:
    schools = list(schools)
    return schools_year_figures(schools, start_year), schools_year_figures(schools, start_year - 1)


def rows(this: YearFigures, last: YearFigures) -> list[tuple[str, str, object, object]]:
    """(section, measure, this year, last year): the report as a table (the page and the CSV)."""
    out = [("Visits", "Visits made", this.visits_made, last.visits_made)]
    out += [("Visits made by purpose", k, v, last.by_purpose.get(k, 0)) for k, v in this.by_purpose.items()]
    out += [("Visit outcomes (from visit reports)", k, v, last.by_outcome.get(k, 0))
            for k, v in this.by_outcome.items()]
    out += [("Families offered a visit", "Offered", this.offered, last.offered),
            ("Families offered a visit", "Accepted", this.accepted, last.accepted),
            ("Families offered a visit", "Declined", this.declined, last.declined),
            ("Visits not made", "Refused at approval", this.refused, last.refused),
            ("Visits not made", "Cancelled for safety", this.cancelled_for_safety, last.cancelled_for_safety),
            ("Visits not made", "Cancelled for other reasons", this.cancelled_other, last.cancelled_other),
            ("Staff safety", "Late returns (visits)", this.late_returns, last.late_returns)]
    out += [("Alerts by level", k, v, last.escalations_by_level.get(k, 0))
            for k, v in this.escalations_by_level.items()]
    out += [("What the alarms were", k, v, last.alarms_by_outcome.get(k, 0))
            for k, v in this.alarms_by_outcome.items()]
    for name, attr in (("From the deadline to someone taking charge", "to_acknowledged"),
                       ("From the deadline to resolved", "to_resolved")):
        a, b = getattr(this, attr), getattr(last, attr)
        out += [(f"Response times: {name.lower()}", "Alerts", a.count, b.count),
                (f"Response times: {name.lower()}", "Median (minutes)", a.median, b.median),
                (f"Response times: {name.lower()}", "90th percentile (minutes)", a.p90, b.p90)]
    out += [("Safeguarding", "Concerns raised", this.concerns_raised, last.concerns_raised),
            ("Training", "Visiting staff", this.visiting_staff, last.visiting_staff),
            ("Training", "With safe-working training on record", this.visiting_staff_trained,
             last.visiting_staff_trained)]
    return out


def sections(this: YearFigures, last: YearFigures) -> list[tuple[str, list[tuple[str, object, object]]]]:
    """rows() grouped by section, in order: [(section, [(measure, this year, last year), ...]), ...]."""
    out = []
    for section, measure, a, b in rows(this, last):
        if not out or out[-1][0] != section:
            out.append((section, []))
        out[-1][1].append((measure, a, b))
    return out
