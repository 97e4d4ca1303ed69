from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = "Safety"

    def ready(self):
        from . import receivers  # noqa: F401, PLC0415 - connects the outbox's signals (app loading)
