"""The Django admin, which also needs a verified second factor from anyone two-factor applies to.

TwoFactorMiddleware already stops an unverified user at every page; this is the admin's own check,
so the admin stays closed even if the middleware list changes. Installed by accounts/admin_config.py
(the admin app's config is loaded before the models, so it names this site without importing it)."""

from django.contrib import admin

from .twofactor import has_two_factor, two_factor_required


class TwoFactorAdminSite(admin.AdminSite):
    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        user = request.user
        if two_factor_required(user) or has_two_factor(user):
            return user.is_verified()
        return True
