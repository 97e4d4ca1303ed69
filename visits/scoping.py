"""R-CONFIDENTIAL: who sees which families and visits, decided in this one place."""

from django.db import models
from django.db.models import Q
from django.dispatch import Signal

from accounts import roles
from accounts.models import AccountChange, has_role, school_of

from .models import Family, Visit


class AccessKind(models.TextChoices):
    """The kinds of confidential record whose every read is logged (R-CONFIDENTIAL)."""

    FAMILY = "family", "Family record"
    CONCERN = "concern", "Safeguarding concern"
    EXPORT = "export", "Subject-access export"


# R-CONFIDENTIAL: a confidential record was read. Sent by the page that showed it (note_read); the
# audit app, the top layer, listens and writes its access log (audit.signals), so no app below it
# imports audit. Arguments: request, kind (AccessKind), obj, family_id.
record_read = Signal()


def note_read(request, kind: str, obj, *, family_id=None) -> None:
    """Say that request.user read `obj` (a family, a safeguarding concern), for the access log."""
    record_read.send(sender=type(obj), request=request, kind=kind, obj=obj, family_id=family_id)


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


def search_families(families, query: str):
    """`families` (already scoped: visible_families) whose name or postcode matches `query`; a full
    postcode typed without its space matches too."""
    query = (query or "").replace("\x00", "").strip()
    if not query:
        return families
    match = Q(display_name__icontains=query) | Q(postcode__icontains=query)
    compact = query.replace(" ", "").upper()
    if len(compact) >= 5:  # a full postcode typed without its space
        match |= Q(postcode__iexact=f"{compact[:-3]} {compact[-3:]}")
    return families.filter(match).order_by("display_name", "pk")


def may_see_code_word(user) -> bool:
    """R-SAFEWORD / R-CONFIDENTIAL: code words are for the office and the head (and the visitors)."""
    return has_role(user, *roles.WATCHERS)


# Who may do what, on the objects they can see (403 otherwise). Objects they can't see are 404.
PLANNERS = (roles.VISITING_STAFF, roles.OFFICE, roles.HEAD, roles.DSL)
FAMILY_EDITORS = (*roles.SEE_ALL_FAMILIES, roles.VISITING_STAFF)


def may_plan_visits(user) -> bool:
    """Visiting staff plan their visits; office, head and DSL may plan or correct any visit."""
    return has_role(user, *PLANNERS)


def may_edit_families(user) -> bool:
    """Office, head, DSL and school admin keep the family records; visiting staff add the families
    of their own new visits and correct the ones they visit (a family they create is shared with them)."""
    return has_role(user, *FAMILY_EDITORS)


def may_share_families(user) -> bool:
    """R-CONFIDENTIAL: the head (and the DSL, as safeguarding lead) decide which visiting staff may
    see a family beyond those on its visits."""
    return has_role(user, roles.HEAD, roles.DSL)


def may_approve(user) -> bool:
    """R-AUTH: the head of school or the DSL."""
    return has_role(user, *roles.APPROVERS)


def sees_all_visits(user) -> bool:
    return has_role(user, *roles.SEE_ALL_FAMILIES)


# --- Audit and data protection (audit app) ----------------------------------------------------
AUDITORS = (roles.HEAD, roles.SCHOOL_ADMIN)
EXPORTERS = (roles.HEAD, roles.DSL)
CSV_EXPORTERS = (roles.HEAD, roles.OFFICE)


def may_audit(user) -> bool:
    """R-CONFIDENTIAL: the head of school and the school admin read their school's audit trail."""
    return school_of(user) is not None and has_role(user, *AUDITORS)


def may_export_family(user) -> bool:
    """Subject-access export of a family: the head and the DSL (UK GDPR art. 15)."""
    return school_of(user) is not None and has_role(user, *EXPORTERS)


def may_export_csv(user) -> bool:
    """The week's timetable and the visit reports as CSV: the head and the office."""
    return school_of(user) is not None and has_role(user, *CSV_EXPORTERS)


def exportable_families(user):
    """Families a user may export for a subject-access request: their school's, head/DSL only."""
    if not may_export_family(user):
        return Family.objects.none()
    return Family.objects.filter(school=school_of(user))


def visible_history(user, model):
    """The change history (django-simple-history rows) of `model` at the auditor's school only."""
    if not may_audit(user):
        return model.history.none()
    return model.history.filter(history_school=school_of(user))


def visible_account_changes(user):
    """Changes to staff accounts (roles, school, two-factor, password resets) at the auditor's school only."""
    if not may_audit(user):
        return AccountChange.objects.none()
    return AccountChange.objects.filter(school=school_of(user))
