"""The demo year of the governors' figures (2025/26), for the page, print and PDF tests."""

import datetime

import pytest

from homevisits.factories import FamilyFactory, make_staff
from safety.models import EscalationLevel, EscalationReason, SafeguardingConcern
from visits.models import OfferStatus, Outcome, Purpose, VisitReport, VisitState

from .year import UTC, alert_at, visit_at


@pytest.fixture
def year_data(school, head):
    # 2025/26 runs from 1 Sept 2025 00:00 London (31 Aug 23:00 UTC) to 1 Sept 2026 00:00 London.
    first_minute = datetime.datetime(2025, 8, 31, 23, 0, tzinfo=UTC)
    last_minute = datetime.datetime(2026, 8, 31, 22, 59, tzinfo=UTC)
    made = [visit_at(school, first_minute), visit_at(school, last_minute, purpose=Purpose.ATTENDANCE),
            visit_at(school, datetime.datetime(2026, 3, 2, 10, tzinfo=UTC), purpose=Purpose.ATTENDANCE)]
    visit_at(school, datetime.datetime(2025, 8, 31, 22, 59, tzinfo=UTC))  # the year before, by a minute
    visit_at(school, datetime.datetime(2026, 1, 5, 10, tzinfo=UTC), state=VisitState.CANCELLED,
           cancelled_for_safety=True)
    visit_at(school, datetime.datetime(2026, 1, 6, 10, tzinfo=UTC), state=VisitState.CANCELLED)
    visit_at(school, datetime.datetime(2026, 1, 7, 10, tzinfo=UTC), state=VisitState.REFUSED)
    for visit, outcome in zip(made, [Outcome.COMPLETED, Outcome.COMPLETED, Outcome.NO_ONE_HOME], strict=True):
        VisitReport.objects.create(visit=visit, outcome=outcome, filed_by=visit.lead)
    # One visit late: level 1 raised to level 2 (one alert chain, counted at the top for times).
    deadline = datetime.datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
    top = alert_at(made[2], EscalationLevel.CHASE, deadline, ack_after=4, resolve_after=20)
    alert_at(made[2], EscalationLevel.LATE, deadline - datetime.timedelta(minutes=15), raised_to=top)
    alert_at(made[0], EscalationLevel.EMERGENCY, first_minute + datetime.timedelta(hours=1), ack_after=2,
           resolve_after=30, reason=EscalationReason.DURESS)
    # Offers: two families answered this year, one the year before.
    FamilyFactory(school=school, offer_status=OfferStatus.ACCEPTED, offer_status_date=datetime.date(2025, 9, 10))
    FamilyFactory(school=school, offer_status=OfferStatus.DECLINED, offer_status_date=datetime.date(2026, 8, 31))
    FamilyFactory(school=school, offer_status=OfferStatus.ACCEPTED, offer_status_date=datetime.date(2025, 8, 31))
    # Concerns: one this year, about an anonymised family (it still counts).
    gone = FamilyFactory(school=school, anonymised_at=datetime.datetime(2026, 9, 1, tzinfo=UTC))
    SafeguardingConcern.objects.create(school=school, family=gone, details="Bruise on the arm", raised_by=head,
                                       raised_at=datetime.datetime(2026, 2, 1, 9, tzinfo=UTC))
    make_staff(school, training_date=datetime.date(2025, 10, 1))
    return made
