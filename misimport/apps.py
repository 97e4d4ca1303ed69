from django.apps import AppConfig


class MisImportConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "misimport"
    verbose_name = "Import from the school's MIS"
