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
        return qs.filter(**{self.school_field: school}) if school else qs.none()


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
                ),
                "description": "Defaults follow the school's home-visit policy (15/30-minute return rules).",
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

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        school = school_of(request.user)
        return qs.filter(profile__school=school) if school else qs.none()
