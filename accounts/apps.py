from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Schools and staff"

    def ready(self):
        from .signals import grant_school_admin_permissions

        # After every app: permissions of later apps only exist once their own post_migrate ran.
        post_migrate.connect(grant_school_admin_permissions, dispatch_uid="grant_school_admin_permissions")
