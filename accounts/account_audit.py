"""The record of changes to people's accounts (roles, school, admin status, email, two-factor,
passwords): one writer, `record`, called by the Django admin and the two-factor and password pages.
The audit page (audit app) reads these rows for the head and the school admin of the school."""

from django.contrib.auth import get_user_model

from .models import AccountChange, AccountChangeKind, SchoolMembership, StaffProfile

# The fields of a snapshot, and what each is called on the audit page.
SNAPSHOT_KINDS = {
    "roles": AccountChangeKind.ROLES,
    "school": AccountChangeKind.SCHOOL,
    "is_superuser": AccountChangeKind.SUPERUSER,
    "is_staff": AccountChangeKind.STAFF,
    "is_active": AccountChangeKind.ACTIVE,
    "email": AccountChangeKind.EMAIL,
    "mobile": AccountChangeKind.MOBILE,
    "permissions": AccountChangeKind.PERMISSIONS,
    "username": AccountChangeKind.USERNAME,
    "password": AccountChangeKind.PASSWORD_SET,
    "other_schools": AccountChangeKind.OTHER_SCHOOLS,
}


def snapshot(user) -> dict:
    """The account as stored now (read from the database, never from a form's half-saved object)."""
    fresh = get_user_model().objects.get(pk=user.pk)
    profile = StaffProfile.objects.filter(user_id=user.pk).select_related("school").first()
    memberships = dict(SchoolMembership.objects.filter(user_id=user.pk).values_list("school_id", "school__name"))
    return {
        "username": fresh.get_username(),
        "is_superuser": fresh.is_superuser,
        "is_staff": fresh.is_staff,
        "is_active": fresh.is_active,
        "email": fresh.email,
        "password": fresh.password,
        "roles": frozenset(fresh.groups.values_list("name", flat=True)),
        "permissions": frozenset(f"{app}.{code}" for app, code in
                                 fresh.user_permissions.values_list("content_type__app_label", "codename")),
        "school": profile.school_id if profile else None,
        "school_name": profile.school.name if profile else "",
        "mobile": str(profile.mobile) if profile and profile.mobile else "",
        # The other schools they work for (SchoolMembership), by id, and their names for the audit page.
        "other_schools": frozenset(memberships),
        "other_school_names": memberships,
    }


def record(actor, account, kind, *, old="", new="", school=None) -> AccountChange:
    """Write one account change. `school` defaults to the account's school now."""
    if school is None:
        profile = StaffProfile.objects.filter(user_id=account.pk).only("school_id").first()
        school_id = profile.school_id if profile else None
    else:
        school_id = school.pk if hasattr(school, "pk") else school
    return AccountChange.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, account=account, school_id=school_id, kind=kind,
        old=str(old)[:300], new=str(new)[:300],
    )


def _shown(key, value, snap):
    if key == "school":
        return snap["school_name"] or "(none)"
    if key == "other_schools":
        return ", ".join(sorted(snap["other_school_names"][pk] for pk in value)) or "(none)"
    if key in ("roles", "permissions"):
        return ", ".join(sorted(value)) or "(none)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key == "password":
        return ""  # never a hash on a screen: that it changed is the news
    return value or "(none)"


def record_differences(actor, account, before, after) -> list[AccountChange]:
    """One row per field that differs between two snapshots (before is None for a new account)."""
    rows = []
    if before is None:
        rows.append(record(actor, account, AccountChangeKind.CREATED, new=after["username"], school=after["school"]))
        # What a new account was given beyond the ordinary.
        before = {**after, "roles": frozenset(), "permissions": frozenset(), "is_superuser": False, "is_staff": False,
                  "other_schools": frozenset()}
    for key, kind in SNAPSHOT_KINDS.items():
        if before[key] == after[key]:
            continue
        old, new = _shown(key, before[key], before), _shown(key, after[key], after)
        if key in ("school", "other_schools"):
            # Both schools' audit pages show a move; the home school's and each school given or taken
            # away show a change to the other schools someone works for.
            concerned = {before["school"], after["school"]} | (before[key] ^ after[key] if key == "other_schools" else set())
            for school in sorted(concerned - {None}):
                rows.append(record(actor, account, kind, old=old, new=new, school=school))
            continue
        rows.append(record(actor, account, kind, old=old, new=new, school=after["school"]))
    return rows
