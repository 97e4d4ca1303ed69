from django.contrib import admin

from audit.admin import AppendOnlyAdmin

from .models import ContactAttempt


@admin.register(ContactAttempt)
class ContactAttemptAdmin(AppendOnlyAdmin):
    """Contact steps (R-CONTACT-STEPS) are append-only: listed and read here, never edited or deleted."""

    school_field = "escalation__visit__school"
    list_display = ("escalation", "step", "outcome", "by", "at")
    list_filter = ("step", "outcome")
    list_select_related = ("escalation__visit__family", "by")
