from django.apps import AppConfig


class TrustsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "trusts"
    verbose_name = "Trusts"
