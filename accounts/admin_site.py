"""The Django admin, which also needs a verified second factor from anyone two-factor applies to.

TwoFactorMiddleware already stops an unverified user at every page; this is the admin's own check,
so the admin stays closed even if the middleware list changes."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class TwoFactorAdminSite(admin.AdminSite):
    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        from .twofactor import has_two_factor, two_factor_required

        user = request.user
        if two_factor_required(user) or has_two_factor(user):
            return user.is_verified()
        return True


class TwoFactorAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.TwoFactorAdminSite"
