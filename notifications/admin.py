from django.contrib import admin

from accounts.admin import AppendOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(AppendOnlyAdmin):
    """Every message the system sent or tried to send, with its delivery status: where a school admin
    looks when someone says they were not told."""

    school_field = "recipient__profile__school"
    list_display = ("created_at", "recipient", "channel", "status", "attempts", "subject", "last_error")
    list_filter = ("status", "channel")
    search_fields = ("recipient__username", "recipient__last_name", "subject")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
