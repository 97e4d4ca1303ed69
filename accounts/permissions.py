"""Who may do what (R-CONFIDENTIAL, R-AUTH, R-SAFEWORD, R-SAFEGUARD): every set of roles named once,
here, by what its members do, and the predicates views and services of every app ask.

Which records a user may see at all is decided by the scoping helpers (visits.scoping,
safety.concerns.visible_concerns); what their role may do with them, here.

404 or 403: one rule for every app
-----------------------------------
- **404 Not Found**, exactly as for an id that does not exist, when the user may not see what the
  page shows: a record of another school, a record outside their scope (a visit they are not on, a
  family not shared with them), or a page that shows what their role never sees. Those pages are
  the watch over staff who are out (the phone check-in page, recording a call, the escalation
  panel, the police pack, the board: whereabouts, mobile numbers, vehicles, code words), the
  safeguarding concerns, the audit trail and the data exports. A refusal there confirms nothing,
  not even that the record exists.
- **403 Forbidden** when the user may see the record (or the page shows them nothing they may not
  see) and their role may not take the action the page is for: planning, editing, cancelling,
  submitting or approving a visit, filing its report, the approval queue, the concern list. Saying
  "not for your role" there tells them nothing they could not already read.

Views check scoping first (get_object_or_404 on a scoped queryset), then the predicate, raising
Http404 for the pages of the first list and PermissionDenied (403) for the second.
"""

from . import roles
from .models import has_role, school_of, trust_of

# --- The sets of roles, each named once -----------------------------------------------------------

# The school's leads, the head of school and the DSL: they approve visits (R-AUTH, never one of the
# visitors), read safeguarding concerns (R-SAFEGUARD), share families with visiting staff and
# export a family's data (UK GDPR art. 15).
LEADS = (roles.HEAD, roles.DSL)
# Take phone calls from staff who are out and record what they said on their behalf; see the code
# words (R-SAFEWORD); export the timetable and the reports as CSV.
CALL_TAKERS = (roles.OFFICE, roles.HEAD)
# Keep watch over alerts (the call takers and the DSL): the board, the escalation panel, acknowledging, the contact steps and
# the police pack (R-RETURN-30, R-CONTACT-STEPS, R-POLICE; the DSL for R-CODEWORD).
KEEPERS = (roles.OFFICE, roles.HEAD, roles.DSL)
# See every family and visit of the school (visiting staff see only their own, R-CONFIDENTIAL).
SEE_ALL_FAMILIES = (roles.OFFICE, roles.HEAD, roles.DSL, roles.SCHOOL_ADMIN)
# Plan visits (visiting staff their own; office, head and DSL any).
PLANNERS = (roles.VISITING_STAFF, roles.OFFICE, roles.HEAD, roles.DSL)
# Keep family records (visiting staff the families of their own visits).
FAMILY_EDITORS = (*SEE_ALL_FAMILIES, roles.VISITING_STAFF)
# Read the school's audit trail.
AUDITORS = (roles.HEAD, roles.SCHOOL_ADMIN)
# Change the school's policy settings in the app (the ladder, roster, office hours, planning rules,
# letters, retention): the school admin, as in the Django admin; the superuser for any school.
SETTINGS_KEEPERS = (roles.SCHOOL_ADMIN,)
# A trust's people, above its schools: they read every school of their trust's board, approvals and
# alerts, and the trust's year (R-REVIEW: its schools' figures pooled, and school by school),
# read-only, on the trust pages (trusts app); a trust role alone opens no school page.
TRUST_WATCHERS = roles.TRUST_ROLES
# Set the trust's rules for its schools' policy settings (defaults a school may tighten, and locks).
TRUST_RULE_KEEPERS = (roles.TRUST_ADMIN,)
# Lead or run one school: whatever other schools they are a member of, they work for their home
# school only (accounts.working_for; the roles are a person's, the same at every school).
ONE_SCHOOL_ONLY = (roles.HEAD, roles.DSL, roles.SCHOOL_ADMIN)


# --- Predicates -----------------------------------------------------------------------------------

def of_school(user, school) -> bool:
    """The user belongs to `school` (another school's record is 404)."""
    return school is not None and school_of(user) == school


def may_approve(user) -> bool:
    """R-AUTH: the head of school or the DSL."""
    return has_role(user, *LEADS)


def may_share_families(user) -> bool:
    """R-CONFIDENTIAL: the head (and the DSL, as safeguarding lead) decide which visiting staff may
    see a family beyond those on its visits."""
    return has_role(user, *LEADS)


def may_plan_visits(user) -> bool:
    """Visiting staff plan their visits; office, head and DSL may plan or correct any visit."""
    return has_role(user, *PLANNERS)


def may_edit_families(user) -> bool:
    """Office, head, DSL and school admin keep the family records; visiting staff add the families
    of their own new visits and correct the ones they visit (a family they create is shared with them)."""
    return has_role(user, *FAMILY_EDITORS)


def sees_all_visits(user) -> bool:
    return has_role(user, *SEE_ALL_FAMILIES)


def may_see_code_word(user) -> bool:
    """R-SAFEWORD / R-CONFIDENTIAL: code words are for the office and the head (and the visitors)."""
    return has_role(user, *CALL_TAKERS)


def may_record_calls(user) -> bool:
    """The office and the head record what staff out on a visit said on the phone."""
    return has_role(user, *CALL_TAKERS)


def may_keep_watch(user) -> bool:
    """The office, the head and the DSL keep watch over alerts."""
    return has_role(user, *KEEPERS)


def may_say_alarm_outcome(user) -> bool:
    """Those who keep watch say what a resolved alarm was (R-REVIEW), when its resolver did not."""
    return has_role(user, *KEEPERS)


def may_correct_alarm_outcome(user) -> bool:
    """The head and the DSL correct what an alarm was said to be (R-REVIEW)."""
    return has_role(user, *LEADS)


def may_read_concerns(user) -> bool:
    """R-SAFEGUARD: the DSL and the head of school."""
    return has_role(user, *LEADS)


def may_audit(user) -> bool:
    """R-CONFIDENTIAL: the head of school and the school admin read their school's audit trail."""
    return school_of(user) is not None and has_role(user, *AUDITORS)


def may_export_family(user) -> bool:
    """Subject-access export of a family: the head and the DSL (UK GDPR art. 15)."""
    return school_of(user) is not None and has_role(user, *LEADS)


def may_export_csv(user) -> bool:
    """The week's timetable and the visit reports as CSV: the head and the office."""
    return school_of(user) is not None and has_role(user, *CALL_TAKERS)


def may_change_school_settings(user, school) -> bool:
    """The settings pages of `school`: its own school admin, or a superuser (any school). Everyone
    else is 404 there, another school's admin included."""
    if school is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return of_school(user, school) and has_role(user, *SETTINGS_KEEPERS)


def may_watch_trust(user) -> bool:
    """R-CONFIDENTIAL: the trust pages are for the trust's safeguarding leads and admins, of one
    trust each (TrustMembership); everyone else, a school's head included, is 404 there."""
    return trust_of(user) is not None and has_role(user, *TRUST_WATCHERS)


def may_set_trust_rules(user) -> bool:
    """The trust admin sets the trust's rules for its schools' policy settings."""
    return trust_of(user) is not None and has_role(user, *TRUST_RULE_KEEPERS)
