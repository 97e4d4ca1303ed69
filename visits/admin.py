from django.contrib import admin

from accounts.admin import AppendOnlyAdmin

from .models import VisitEvent


@admin.register(VisitEvent)
class VisitEventAdmin(AppendOnlyAdmin):
    """Visit events are append-only: listed and read here, never edited or deleted."""

    school_field = "visit__school"
    list_display = ("visit", "kind", "at", "actor", "how")
    list_filter = ("kind", "how")
    list_select_related = ("visit__family", "actor")
    date_hierarchy = "at"
