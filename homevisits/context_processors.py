from accounts import permissions, roles, working_for
from accounts.models import primary_role, role_names, school_of, trust_of
from misimport.access import import_school
from safety.health import monitoring_is_down


def school_and_role(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    names = role_names(user)
    school = school_of(user)
    return {
        "current_school": school,
        # More than one: the header's "Working for" switcher (homevisits.views.change_working_for).
        "working_for_choices": schools if len(schools := working_for.schools_of(user)) > 1 else (),
        "current_role": primary_role(user),
        "is_visiting_staff": roles.VISITING_STAFF in names,
        "is_office": roles.OFFICE in names,
        "is_head": roles.HEAD in names,
        "is_dsl": roles.DSL in names,
        "is_school_admin": roles.SCHOOL_ADMIN in names or user.is_superuser,
        "is_approver": bool(names & set(permissions.LEADS)),
        "is_watcher": bool(names & set(permissions.CALL_TAKERS)),
        "may_import": import_school(user) is not None,
        "may_change_settings": permissions.may_change_school_settings(user, school),
        "current_trust": trust_of(user),
        "may_watch_trust": permissions.may_watch_trust(user),
        "may_set_trust_rules": permissions.may_set_trust_rules(user),
    }


def monitoring(request):
    """The red banner for office and head when the watchdog has stopped scanning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not (set(permissions.CALL_TAKERS) & role_names(user)) and not user.is_superuser:
        return {}
    return {"monitoring_down": monitoring_is_down()}
