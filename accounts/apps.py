from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Schools and staff"

    def ready(self):
        # These modules need the models, so they are imported once the models are loaded.
        from . import checks  # noqa: F401, PLC0415  (registers the settings checks)
        from .signals import grant_school_admin_permissions, remember_login_time  # noqa: PLC0415

        # After every app: permissions of later apps only exist once their own post_migrate ran.
        post_migrate.connect(grant_school_admin_permissions, dispatch_uid="grant_school_admin_permissions")
        user_logged_in.connect(remember_login_time, dispatch_uid="remember_login_time")
