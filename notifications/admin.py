from django.contrib import admin

from accounts.admin import AppendOnlyAdmin

from .models import Notification, PushSubscription


@admin.register(Notification)
class NotificationAdmin(AppendOnlyAdmin):
    """Every message the system sent or tried to send, with its delivery status: where a school admin
    looks when someone says they were not told."""

    school_field = "recipient__profile__school"
    list_display = ("created_at", "recipient", "channel", "status", "provider", "attempts", "subject", "last_error")
    list_filter = ("status", "channel", "provider")
    search_fields = ("recipient__username", "recipient__last_name", "subject")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    """The devices that take push alerts, with when a push last reached each and last failed."""

    list_display = ("user", "user_agent", "created_at", "last_success_at", "last_failure_at", "last_error")
    search_fields = ("user__username", "user__last_name", "user_agent")
    readonly_fields = ("endpoint", "p256dh", "auth", "created_at", "last_success_at", "last_failure_at", "last_error")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False  # a browser subscribes itself
