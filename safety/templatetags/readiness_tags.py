"""The board's small warning while the alert chain has gaps (safety.readiness), linking to the
readiness page for those who may see it (head of school, school admin)."""

from django import template

from accounts.models import school_of

from ..readiness import may_check_readiness, readiness

register = template.Library()


@register.inclusion_tag("safety/_readiness_warning.html")
def readiness_warning(user):
    school = school_of(user)
    gaps = readiness(school).gaps if school is not None else []
    return {"gap_count": len(gaps), "may_check": may_check_readiness(user)}
