"""R-CONFIDENTIAL: who sees which families and visits, decided in this one place."""

from django.db.models import Q

from accounts import roles
from accounts.models import has_role, school_of

from .models import Family, Visit


def visible_families(user):
    """Office, head, DSL and school admin see every family of their school; visiting staff see the
    families of visits they are on, plus those the head has shared with them."""
    school = school_of(user)
    if school is None:
        return Family.objects.none()
    qs = Family.objects.filter(school=school)
    if has_role(user, *roles.SEE_ALL_FAMILIES):
        return qs
    return qs.filter(Q(visits__staff=user) | Q(shared_with=user)).distinct()


def visible_visits(user):
    """School-wide for office, head, DSL and school admin; otherwise the visits a user is on or made."""
    school = school_of(user)
    if school is None:
        return Visit.objects.none()
    qs = Visit.objects.filter(school=school)
    if has_role(user, *roles.SEE_ALL_FAMILIES):
        return qs
    return qs.filter(Q(staff=user) | Q(created_by=user)).distinct()


def may_see_code_word(user) -> bool:
    """R-SAFEWORD / R-CONFIDENTIAL: code words are for the office and the head (and the visitors)."""
    return has_role(user, *roles.WATCHERS)
