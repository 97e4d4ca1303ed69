from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "Audit and data protection"

    def ready(self):
        from . import history  # noqa: F401  (connects the school stamp on historical rows)
