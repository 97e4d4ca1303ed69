"""A visit's risk assessment set to a level, for the tests of the watch that risk sets."""

from visits.assessments import ensure_risk_assessment
from visits.models import Hazard, HazardKind, RiskLevel


def assess(visit, risk):
    """Give `visit` a risk assessment at `risk` (the lone-working matrix's rows are all low to start)."""
    ra = ensure_risk_assessment(visit)
    if risk == RiskLevel.MEDIUM:
        Hazard.objects.filter(assessment=ra, kind=HazardKind.ANIMALS).update(severity=2, likelihood=2)  # 4: medium
    elif risk == RiskLevel.HIGH:
        Hazard.objects.filter(assessment=ra, kind=HazardKind.AGGRESSION).update(severity=3, likelihood=2)  # 6: high
    assert ra.level == risk
    return ra
