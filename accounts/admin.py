from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from .models import School, StaffProfile, school_of


class SchoolScopedAdmin(admin.ModelAdmin):
    """A school admin sees and edits only their own school's rows; a superuser sees all."""

    school_field = "school"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        school = school_of(request.user)
        # By key: "pk" (the School admin itself) does not accept a School instance.
        return qs.filter(**{self.school_field: school.pk}) if school else qs.none()


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    school_field = "pk"
    list_display = ("name", "office_phone", "late_call_minutes", "office_chase_minutes", "lone_visits_allowed")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "office_phone", "address")}),
        (
            "Safety policy",
            {
                "fields": (
                    "late_call_minutes",
                    "office_chase_minutes",
                    "alert_repeat_minutes",
                    "checkin_interval_minutes",
                    "max_wait_minutes",
                    "evening_starts",
                    "lone_visits_allowed",
                    "training_required",
                    "dsl_may_clear_head_gates",
                ),
                "description": "Defaults follow the school's home-visit policy (15/30-minute return rules).",
            },
        ),
        (
            "Retention (UK GDPR)",
            {
                "fields": ("visit_retention_years", "concern_retention_years"),
                "description": "What is past these periods is anonymised every week (manage.py apply_retention; "
                               "see the README's 'Security and data protection').",
            },
        ),
    )


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fk_name = "user"
    extra = 0


@admin.register(StaffProfile)
class StaffProfileAdmin(SchoolScopedAdmin):
    list_display = ("display_name", "school", "job_title", "mobile", "vehicle_registration", "training_date")
    list_filter = ("school", "job_title", "user__groups")
    search_fields = ("user__first_name", "user__last_name", "user__username", "vehicle_registration")
    list_select_related = ("user", "school")
    autocomplete_fields = ("user",)


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = (StaffProfileInline,)
    list_display = ("username", "first_name", "last_name", "email", "is_active")
    list_filter = ("is_active", "groups")
    # A school admin helps their own staff (the queryset below is scoped to their school).
    actions = ["unlock_sign_in", "reset_two_factor"]

    @admin.action(description="Unlock sign-in after too many wrong passwords", permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        from axes.utils import reset

        for user in queryset:
            reset(username=user.get_username())
            self.log_change(request, user, "Unlocked sign-in (lockout after wrong passwords).")
        self.message_user(request, f"Sign-in unlocked for {queryset.count()} user(s). They can try again now.")

    @admin.action(description="Reset two-factor sign-in (lost phone): set it up again at next sign-in",
                  permissions=["change"])
    def reset_two_factor(self, request, queryset):
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for user in queryset:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            self.log_change(request, user, "Reset two-factor sign-in (authenticator and backup codes removed).")
        self.message_user(request, f"Two-factor sign-in reset for {queryset.count()} user(s). "
                                   "Tell them to sign in and set it up again.")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        school = school_of(request.user)
        return qs.filter(profile__school=school) if school else qs.none()
