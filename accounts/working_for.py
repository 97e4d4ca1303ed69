"""Which school a member of staff of several schools is working for (accounts.models.school_of):
the one state change, `switch`, called by the header's switcher (homevisits.views.working_for)."""

from . import account_audit
from .models import WORKING_FOR_SESSION_KEY, AccountChangeKind, home_school_of, school_of, schools_of


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
