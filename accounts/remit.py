"""What a school admin may do to people's accounts, decided here and checked on the server after
every save in the Django admin (accounts.admin), whatever the form offered or was sent.

A school admin looks after their own school's staff: names, email, job, mobile, vehicle, training,
whether the account is active, and the roles Office and Visiting staff. The roles that see or
decide more (Head of school, DSL, School admin), superuser and Django admin status, individual
permissions and the school an account belongs to are granted by a superuser only. The accounts of
senior people (those roles, superusers, admin users) and the school admin's own account keep their
roles, email and active status out of a school admin's reach: changing the head's email is the
first step of taking over the head's account."""

from . import roles
from .models import has_role, school_of

GRANTABLE_ROLES = frozenset({roles.OFFICE, roles.VISITING_STAFF})
# The trust's people too: they read every school of the trust (R-CONFIDENTIAL), so one school's admin
# must not be able to take over their account (change its email, then send the reset).
SENIOR_ROLES = frozenset({roles.HEAD, roles.DSL, roles.SCHOOL_ADMIN, *roles.TRUST_ROLES})

# Fields of a user a school admin may edit, by kind of account.
ORDINARY_ACCOUNT_FIELDS = ("first_name", "last_name", "email", "is_active", "groups")
SENIOR_ACCOUNT_FIELDS = ("first_name", "last_name")
# Fields of a staff profile a school admin may edit (never its school or its user).
PROFILE_FIELDS = ("job_title", "mobile", "vehicle_make", "vehicle_model", "vehicle_registration",
                  "vehicle_colour", "training_date")


def is_unrestricted(actor) -> bool:
    """A superuser may change any account at any school."""
    return bool(getattr(actor, "is_superuser", False))


def grantable_roles(actor) -> frozenset:
    """The roles `actor` may give or take away: every role for a superuser, Office and Visiting
    staff for anyone else who manages a school's accounts (the Django admin, the MIS import)."""
    return frozenset(roles.ALL_ROLES) if is_unrestricted(actor) else GRANTABLE_ROLES


def role_refusal(actor, role) -> str:
    """What to tell `actor` asking to give `role` outside their remit ("" if they may give it)."""
    if role in grantable_roles(actor):
        return ""
    allowed = " and ".join(sorted(grantable_roles(actor)))
    return (f"Only {allowed} can be given here; ask a superuser (whoever runs Home Visits for your school "
            f"or trust) to give {role}.")


def is_senior_account(actor, target) -> bool:
    """An account whose roles, email and active status a school admin must leave alone."""
    return (target.pk == actor.pk or target.is_superuser or target.is_staff
            or has_role(target, *SENIOR_ROLES))


def _senior_snapshot(snap) -> bool:
    return snap["is_superuser"] or snap["is_staff"] or bool(snap["roles"] & SENIOR_ROLES)


def refusals(actor, target, before, after) -> list[str]:
    """Why `actor` may not turn the account `before` into `after` (accounts.account_audit snapshots;
    before is None for a new account). Empty: allowed."""
    if is_unrestricted(actor):
        return []
    own_school = school_of(actor)
    own = own_school.pk if own_school else None
    problems = []
    if own is None:
        return ["Only a superuser can change accounts outside a school."]
    if after["school"] != own or (before is not None and before["school"] != own):
        problems.append("An account's school can only be changed by a superuser.")
    base = before or {"is_superuser": False, "is_staff": False, "permissions": frozenset(), "roles": frozenset(),
                      "username": after["username"], "password": after["password"], "email": after["email"],
                      "is_active": after["is_active"]}
    if after.get("other_schools", frozenset()) != (before or {}).get("other_schools", frozenset()):
        problems.append("Only a superuser can change which other schools someone works for.")
    if after["is_superuser"] != base["is_superuser"]:
        problems.append("Only a superuser can grant or remove superuser status.")
    if after["is_staff"] != base["is_staff"]:
        problems.append("Only a superuser can grant or remove access to the Django admin.")
    if after["permissions"] != base["permissions"]:
        problems.append("Only a superuser can change individual permissions.")
    if before is not None and after["username"] != before["username"]:
        problems.append("Only a superuser can change a username.")
    if before is not None and after["password"] != before["password"]:
        problems.append("A school admin sends a password reset email instead of setting a password.")
    if before is None and after["password"] and not after["password"].startswith("!"):
        problems.append("A school admin sends a password reset email instead of setting a password.")
    changed_roles = base["roles"] ^ after["roles"]
    if changed_roles - grantable_roles(actor):
        problems.append("Only a superuser can grant or remove the roles Head of school, DSL and School admin.")
    senior = before is not None and (_senior_snapshot(before) or target.pk == actor.pk)
    if senior:
        if changed_roles:
            problems.append("The roles of this account can only be changed by a superuser.")
        if after["email"] != before["email"] or after["is_active"] != before["is_active"]:
            problems.append("The email and active status of this account can only be changed by a superuser.")
    return problems
