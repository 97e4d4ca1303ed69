from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "Audit and data protection"

    def ready(self):
        # Importing these connects their receivers, once the models are loaded (hence here).
        # history: the school stamp on historical rows; signals: the access log hears of every read.
        from . import history, signals  # noqa: F401, PLC0415
