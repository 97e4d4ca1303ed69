from django.contrib.admin.apps import AdminConfig


class TwoFactorAdminConfig(AdminConfig):
    """The Django admin on its two-factor site (accounts.admin_site), named, not imported: this
    module is loaded with the settings, before any model."""

    default_site = "accounts.admin_site.TwoFactorAdminSite"
