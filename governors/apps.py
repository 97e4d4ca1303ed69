from django.apps import AppConfig


class GovernorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "governors"
    verbose_name = "The governors' year"
