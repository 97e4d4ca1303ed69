"""The trust's year (R-REVIEW): the governors' figures of every school of the user's trust for an
academic year beside the year before, pooled over the schools (governors.figures.schools_year_figures:
counts summed, medians and 90th percentiles over every school's alerts together), and school by
school. Only the schools of the user's own trust (visits.scoping.trust_schools, R-CONFIDENTIAL)."""

import dataclasses

from accounts.models import School
from governors import figures
from governors.figures import YearFigures
from safety.models import EscalationLevel
from visits.scoping import trust_schools

# The per-school table's headings for the alert levels (the full names are in the figures below it).
LEVEL_HEADINGS = {EscalationLevel.LATE.label: "Office flagged",
                  EscalationLevel.CHASE.label: "Head alerted",
                  EscalationLevel.EMERGENCY.label: "Emergency"}

ALL_SCHOOLS = "All schools"


@dataclasses.dataclass
class SchoolYear:
    """One school of the trust: its own figures for the year and the year before."""

    school: School
    this: YearFigures
    last: YearFigures


@dataclasses.dataclass
class TrustYear:
    schools: list[SchoolYear]
    this: YearFigures  # pooled over the schools
    last: YearFigures

    @property
    def level_headings(self) -> list[str]:
        return [LEVEL_HEADINGS.get(label, label) for label in self.this.escalations_by_level]


def trust_year(user, start_year: int) -> TrustYear:
    """The year of the user's trust (no school for anyone who is not one of a trust's people)."""
    schools = list(trust_schools(user).order_by("name"))
    this, last = figures.schools_compared(schools, start_year)
    return TrustYear(schools=[SchoolYear(s, *figures.compared(s, start_year)) for s in schools], this=this, last=last)


def csv_rows(year: TrustYear) -> list[tuple]:
    """(school, section, measure, this year, last year): every figure for all the schools together,
    then for each school, in the governors' report's order."""
    out = []
    for name, this, last in [(ALL_SCHOOLS, year.this, year.last),
                             *[(s.school.name, s.this, s.last) for s in year.schools]]:
        out += [(name, section, measure, "" if a is None else a, "" if b is None else b)
                for section, measure, a, b in figures.rows(this, last)]
    return out
