from django.contrib import admin

from accounts.admin import AppendOnlyAdmin

from .models import ContactAttempt, Escalation


@admin.register(ContactAttempt)
class ContactAttemptAdmin(AppendOnlyAdmin):
    """Contact steps (R-CONTACT-STEPS) are append-only: listed and read here, never edited or deleted."""

    school_field = "escalation__visit__school"
    list_display = ("escalation", "step", "outcome", "by", "at")
    list_filter = ("step", "outcome")
    list_select_related = ("escalation__visit__family", "by")


@admin.register(Escalation)
class EscalationAdmin(AppendOnlyAdmin):
    """Escalations are worked on the escalation page; the admin lists them for review (R-REVIEW)."""

    school_field = "visit__school"
    list_display = ("created_at", "visit", "level", "reason", "alert_count", "acknowledged_at", "resolved_at")
    list_filter = ("level", "reason")
    list_select_related = ("visit__family",)
    date_hierarchy = "created_at"
