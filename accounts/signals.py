from django.contrib.auth.models import Group, Permission

from . import roles

# School admins run the Django admin for their school: schools, staff and the visit records.
# Append-only records (visit events, contact attempts) are left out of change/delete on purpose.
ADMIN_APPS = ("accounts", "visits", "safety", "auth")
NOT_EDITABLE = {"change_visitevent", "delete_visitevent", "change_contactattempt", "delete_contactattempt"}


def grant_school_admin_permissions(**kwargs):
    """Runs after every migrate and flush (permissions only exist then), idempotently."""
    # The roles come from a data migration; a test database flush empties the table, so make sure.
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    group = Group.objects.get(name=roles.SCHOOL_ADMIN)
    perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS).exclude(
        content_type__app_label="auth", content_type__model__in=["permission", "group"]
    ).exclude(codename__in=NOT_EDITABLE)
    group.permissions.set(perms)


def remember_login_time(sender, request, user, **kwargs):
    """Sign-in time, for the 12-hour limit (homevisits.middleware.AbsoluteSessionLimitMiddleware)."""
    if request is not None and hasattr(request, "session"):
        from django.utils import timezone

        from homevisits.middleware import LOGIN_AT_SESSION_KEY

        request.session[LOGIN_AT_SESSION_KEY] = timezone.now().timestamp()
