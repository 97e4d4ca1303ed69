"""Which school a member of staff of several schools is working for (accounts.models.school_of reads
it): the schools they may work for, the choice read from the session at every request
(`choose`, by homevisits.middleware.WorkingForMiddleware), and the one state change, `switch`, made
by the header's switcher (homevisits.views.change_working_for)."""

from django.db.models import Q

from . import account_audit, permissions
from .models import WORKING_FOR_SESSION_KEY, AccountChangeKind, School, has_role, home_school_of, school_of


def works_for_one_school_only(user) -> bool:
    """The head, the DSL and the school admin lead or run one school: their role is not another
    school's to borrow (roles are the person's, the same at every school), so whatever memberships
    they hold they work for their home school only."""
    return has_role(user, *permissions.ONE_SCHOOL_ONLY)


def works_at(school) -> Q:
    """A filter of users: the staff of `school`, those whose home school it is and the members of
    other schools of its trust who also work for it (to be picked for its visits), less those who work
    for their home school only (works_for_one_school_only: they could not open that visit's pages).
    Use .distinct()."""
    here = Q(profile__school=school)
    if school is None or school.trust_id is None:
        return here
    return here | (Q(school_memberships__school=school, profile__school__trust_id=school.trust_id)
                   & ~Q(groups__name__in=permissions.ONE_SCHOOL_ONLY))


def schools_of(user) -> list:
    """Every school the user may work for: the home school first, then the other schools of its
    trust they are a member of (a membership of a school that has since left the trust counts for
    nothing). Empty without a profile."""
    home = home_school_of(user)
    if home is None:
        return []
    if home.trust_id is None or works_for_one_school_only(user):
        return [home]
    others = School.objects.filter(members_from_other_schools__user=user, trust_id=home.trust_id).exclude(pk=home.pk)
    return [home, *others.order_by("name")]


def choose(user, school_id):
    """Set on `user` (for this request) the school they are working for, from the id kept in their
    session: a school they are not (or no longer) a member of, or anything else, leaves them at their
    home school. Returns the school chosen, or None for the home school. Queries only for a session
    that holds a choice."""
    user._homevisits_working_for = None
    if not isinstance(school_id, int) or isinstance(school_id, bool):
        return None
    home = home_school_of(user)
    if home is None or home.trust_id is None or school_id == home.pk or works_for_one_school_only(user):
        return None
    chosen = School.objects.filter(pk=school_id, trust_id=home.trust_id,
                                   members_from_other_schools__user=user).first()
    user._homevisits_working_for = chosen
    return chosen


def switch(user, session, school_id):
    """Work for the school `school_id` from now on in this session. Only a school the user belongs
    to (the home school, or another school of its trust they are a member of): anything else returns
    None and changes nothing (the view answers 404, as for a school that does not exist). A change is
    written to the account change log of both schools."""
    target = next((school for school in schools_of(user) if school.pk == school_id), None)
    if target is None:
        return None
    current = school_of(user)
    if current is not None and current.pk == target.pk:
        return target
    if target.pk == home_school_of(user).pk:
        session.pop(WORKING_FOR_SESSION_KEY, None)
        user._homevisits_working_for = None
    else:
        session[WORKING_FOR_SESSION_KEY] = target.pk
        user._homevisits_working_for = target
    for school in {current.pk if current else None, target.pk} - {None}:
        account_audit.record(user, user, AccountChangeKind.WORKING_FOR, old=current.name if current else "",
                             new=target.name, school=school)
    return target
