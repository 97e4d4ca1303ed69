from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils import timezone

from . import roles

# When the session signed in, for the 12-hour limit (homevisits.middleware.SessionLimitsMiddleware).
LOGIN_AT_SESSION_KEY = "hv_login_at"

# What the School admin group may do in the Django admin, and nothing more: their school's settings
# and staff (what they may change on a member of staff is narrowed further by accounts.remit and
# accounts.admin), and reading the append-only visit records. No delete anywhere (staff leave by
# being made inactive), no groups or permissions, nothing of django-otp or django-axes.
SCHOOL_ADMIN_PERMISSIONS = {
    "accounts": ("view_school", "change_school", "view_staffprofile", "change_staffprofile",
                 # The profile comes with a new account (the inline on the Users page).
                 "add_staffprofile",
                 # The alert roster and office hours (inlines on their school's page).
                 "view_rostertier", "add_rostertier", "change_rostertier", "delete_rostertier",
                 "view_officehours", "add_officehours", "change_officehours", "delete_officehours"),
    "auth": ("view_user", "change_user", "add_user"),
    "notifications": ("view_notification",),
    "visits": ("view_visitevent",),
    "safety": ("view_contactattempt", "view_escalation"),
}


def grant_school_admin_permissions(**kwargs):
    """Runs after every migrate and flush (permissions only exist then), idempotently: the group's
    permissions are set to exactly SCHOOL_ADMIN_PERMISSIONS, so an install that granted more before
    loses it at its next migrate."""
    # The roles come from a data migration; a test database flush empties the table, so make sure.
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    group = Group.objects.get(name=roles.SCHOOL_ADMIN)
    wanted = Q(pk__in=[])
    for app, codenames in SCHOOL_ADMIN_PERMISSIONS.items():
        wanted |= Q(content_type__app_label=app, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(wanted))


def remember_login_time(sender, request, user, **kwargs):
    """Sign-in time, for the 12-hour limit (homevisits.middleware.AbsoluteSessionLimitMiddleware)."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_SESSION_KEY] = timezone.now().timestamp()
