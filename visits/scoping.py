"""R-CONFIDENTIAL: who sees which families and visits, decided in this one place (what their role
may do with them, and the rule for 404 vs 403: accounts.permissions)."""

from django.db import models
from django.db.models import Q
from django.dispatch import Signal

from accounts.models import AccountChange, School, SchoolSettingChange, school_of, trust_of
from accounts.permissions import (  # noqa: F401 - the role predicates, asked through here by the visits pages
    may_approve,
    may_audit,
    may_edit_families,
    may_export_csv,
    may_export_family,
    may_plan_visits,
    may_see_code_word,
    may_share_families,
    may_watch_trust,
    sees_all_visits,
)

from .lifecycle import SUBMITTABLE_STATES
from .models import Family, Round, Visit


class AccessKind(models.TextChoices):
    """The kinds of confidential record whose every read is logged (R-CONFIDENTIAL)."""

    FAMILY = "family", "Family record"
    CONCERN = "concern", "Safeguarding concern"
    EXPORT = "export", "Subject-access export"
    # The trust's read-only pages about one school (trusts app): which page, by whom, when.
    TRUST_OVERVIEW = "trust", "The trust's overview of the school"
    TRUST_BOARD = "t-board", "The school's live board, from the trust"
    TRUST_APPROVALS = "t-approve", "The school's approvals, from the trust"
    TRUST_ALERTS = "t-alerts", "The school's alerts, from the trust"
    TRUST_YEAR = "t-year", "The school's year figures, in the trust's report"


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
    if sees_all_visits(user):
        return qs
    return qs.filter(Q(visits__staff=user) | Q(shared_with=user)).distinct()


def visible_visits(user):
    """School-wide for office, head, DSL and school admin; otherwise the visits a user is on or made."""
    school = school_of(user)
    if school is None:
        return Visit.objects.none()
    qs = Visit.objects.filter(school=school)
    if sees_all_visits(user):
        return qs
    return qs.filter(Q(staff=user) | Q(created_by=user)).distinct()


def visible_rounds(user):
    """A day's round (R-LUNCH), as its visits are seen: school-wide for office, head, DSL and school
    admin; otherwise the rounds a user leads, goes on or made."""
    school = school_of(user)
    if school is None:
        return Round.objects.none()
    qs = Round.objects.filter(school=school)
    if sees_all_visits(user):
        return qs
    return qs.filter(Q(lead=user) | Q(visits__staff=user) | Q(created_by=user)).distinct()


def plannable_rounds(user):
    """The rounds a user may change (R-LUNCH): school-wide for office, head and DSL; otherwise the
    rounds they lead or made. Someone who only goes on a round reads it (visible_rounds), no more."""
    qs = visible_rounds(user)
    if sees_all_visits(user):
        return qs
    return qs.filter(Q(lead=user) | Q(created_by=user))


def round_candidates(user):
    """The plans a user may put on a round: their school's plans not yet submitted, from today on;
    visiting staff only the visits they lead (nobody adds someone else's visit to their round)."""
    qs = visible_visits(user).filter(state__in=SUBMITTABLE_STATES)
    if not sees_all_visits(user):
        qs = qs.filter(lead=user)
    return qs


def trust_schools(user):
    """R-CONFIDENTIAL: the schools a trust safeguarding lead or trust admin watches, those of their own
    trust; nobody else watches any (a school of another trust is "not found" on the trust pages)."""
    if not may_watch_trust(user):
        return School.objects.none()
    return School.objects.filter(trust=trust_of(user))


def trust_visits(user, school):
    """Every visit of `school` for its trust's people (read-only pages), none for anyone else; the
    school pages still go by visible_visits, which gives a trust role nothing."""
    if not trust_schools(user).filter(pk=school.pk).exists():
        return Visit.objects.none()
    return Visit.objects.filter(school=school)


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


def visible_setting_changes(user):
    """Changes to the school's policy settings, at the auditor's school only."""
    if not may_audit(user):
        return SchoolSettingChange.objects.none()
    return SchoolSettingChange.objects.filter(school=school_of(user))
