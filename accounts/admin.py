"""The Django admin for schools and staff.

A superuser sees and changes everything. A school admin sees only their own school, and changes
only what accounts.remit allows: the forms offer nothing else, and every save is checked again on
the server from the stored state before and after (refused and rolled back otherwise), so a forged
form can't do more than the offered one. Another school's school, staff or account is "not found"
(404) on every admin URL that takes an id. Changes to accounts are recorded for the audit page
(accounts.account_audit)."""

import datetime
import logging

from axes.utils import reset as axes_reset
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone

from . import account_audit, remit, roster, school_settings, tasks, throttle, twofactor, working_for
from .models import (
    AccountChangeKind,
    OfficeHours,
    RosterTier,
    School,
    SchoolMembership,
    StaffProfile,
    Trust,
    TrustMembership,
    school_of,
)
from .settings_forms import RosterTierForm

log = logging.getLogger("homevisits.security")

REAUTH_FAILURES = 5
REAUTH_WINDOW = datetime.timedelta(minutes=15)


def _unrestricted(request) -> bool:
    return remit.is_unrestricted(request.user)


class NotFoundOutsideScopeMixin:
    """An id outside the admin's queryset (another school's) is 404 on every URL that takes one:
    change, delete, history, password; never the stock "perhaps it was deleted" redirect."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("Not found.")
        return obj


class SchoolScopedAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    """A school admin sees and edits only their own school's rows; a superuser sees all."""

    school_field = "school"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        school = school_of(request.user)
        # By key: "pk" (the School admin itself) does not accept a School instance.
        return qs.filter(**{self.school_field: school.pk}) if school else qs.none()



class AppendOnlyAdmin(SchoolScopedAdmin):
    """Append-only records (R-RECORD, R-CONTACT-STEPS: the history of a visit is its events), readable
    by a school admin (own school only), never changed or deleted here, whoever asks (superusers
    included). The base of every app's admin for such records."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


class OfficeHoursInline(admin.TabularInline):
    model = OfficeHours
    extra = 0
    verbose_name_plural = "office hours (local time: outside them, alerts go to the out-of-hours contacts)"


class RosterTierInline(admin.TabularInline):
    model = RosterTier
    form = RosterTierForm
    extra = 0
    ordering = ("position",)
    filter_horizontal = ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "people":
            if request.user.is_superuser:
                kwargs["queryset"] = roster.candidates(None)
            else:
                school = school_of(request.user)
                kwargs["queryset"] = roster.candidates(school) if school else User.objects.none()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    school_field = "pk"
    inlines = (OfficeHoursInline, RosterTierInline)
    list_display = ("name", "office_phone", "late_call_minutes", "office_chase_minutes", "lone_visits_allowed")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "office_phone", "address", "trust")}),
        (
            "Safety policy",
            {
                "fields": (
                    "late_call_minutes",
                    "office_chase_minutes",
                    "alert_repeat_minutes",
                    "charge_reminder_minutes",
                    "police_prompt_minutes",
                    "staff_reminder_minutes",
                    "max_wait_minutes",
                    "evening_starts",
                    "lone_visits_allowed",
                    "training_required",
                    "dsl_may_clear_head_gates",
                    "pin_to_end_visit",
                ),
                "description": "Defaults follow the school's home-visit policy (15/30-minute return rules).",
            },
        ),
        (
            "Check-ins while out, by risk",
            {
                "fields": (
                    "low_risk_checkin_minutes",
                    "medium_risk_checkin_minutes",
                    "high_risk_checkin_minutes",
                    "checkin_interval_minutes",
                    "override_alerts_head_at_late_call",
                ),
                "description": "The risk assessment's level decides how often staff check in while out. A "
                               "higher risk can't be checked less often than a lower one. The visit page and "
                               "the staff's phone page say which applies and why.",
            },
        ),
        (
            "Sign-in",
            {
                "fields": ("two_factor_for_visiting_staff",),
                "description": "The office, head of school, DSL and school admin always use two-factor sign-in.",
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
        ("Letters", {"fields": ("letter_greeting", "letter_sign_off"),
                     "description": "The logo is uploaded on the school's Settings page (Letters)."}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Which trust a school is in is the superuser's to say (the trust's rules then bind it).
        return () if _unrestricted(request) else ("trust",)

    def save_model(self, request, obj, form, change):
        # The stored settings before this save, for the audit page (accounts.school_settings).
        request._school_settings_before = school_settings.snapshot(obj.pk) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_school_settings_before", None)
        if before is not None:
            school_settings.record(request.user, form.instance, "School in the Django admin", before)


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    """A superuser's: the trust's name and who its people are. Its rules for the schools' settings are
    its trust admin's page (/trust/rules/), which brings every school within them and audits it."""

    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug")


@admin.register(TrustMembership)
class TrustMembershipAdmin(admin.ModelAdmin):
    """Which trust a trust safeguarding lead or trust admin works for (their role is a group)."""

    list_display = ("user", "trust")
    autocomplete_fields = ("user",)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fk_name = "user"
    extra = 0

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0

    def get_fields(self, request, obj=None):
        if _unrestricted(request):
            return super().get_fields(request, obj)
        return ("school", *remit.PROFILE_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        # A school admin's staff belong to the school admin's school: set on the server, never chosen.
        return () if _unrestricted(request) else ("school",)


class SchoolMembershipForm(forms.ModelForm):
    class Meta:
        model = SchoolMembership
        fields = ("school",)

    def clean_school(self):
        school = self.cleaned_data["school"]
        if self.instance.user_id and working_for.works_for_one_school_only(self.instance.user):
            raise forms.ValidationError("A head of school, DSL or school admin works for their own school only.")
        return school


class SchoolMembershipInline(admin.TabularInline):
    """The other schools of the trust a member of staff works for (a superuser's: a school admin sees
    and changes only their own school's staff, and never this)."""

    model = SchoolMembership
    form = SchoolMembershipForm
    fk_name = "user"
    extra = 0
    verbose_name_plural = ("other schools they work for (schools of the same trust as their home school; they "
                           "choose which one they are working for, and keep the same roles at each)")

    def has_view_permission(self, request, obj=None):
        return _unrestricted(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(StaffProfile)
class StaffProfileAdmin(SchoolScopedAdmin):
    list_display = ("display_name", "school", "job_title", "mobile", "vehicle_registration", "training_date")
    search_fields = ("user__first_name", "user__last_name", "user__username", "vehicle_registration")
    list_select_related = ("user", "school")

    def get_list_filter(self, request):
        # The school filter would list every school's name.
        return ("school", "job_title", "user__groups") if _unrestricted(request) else ("job_title", "user__groups")

    def get_fields(self, request, obj=None):
        if _unrestricted(request):
            return super().get_fields(request, obj)
        return ("user", "school", *remit.PROFILE_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return () if _unrestricted(request) else ("user", "school")

    def get_autocomplete_fields(self, request):
        return ("user",) if _unrestricted(request) else ()

    def has_add_permission(self, request):
        # A school admin adds staff on the Users page (the profile comes with the account).
        return _unrestricted(request) and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        # Read from the database: the account as it was (a profile given to a new user: no school yet).
        before = account_audit.snapshot(obj.user)
        super().save_model(request, obj, form, change)
        _refuse_or_record(request, obj.user, before, account_audit.snapshot(obj.user))


def _refuse_or_record(request, user, before, after):
    """The server-side check of every account save in the admin (inside the admin's transaction, so
    a refusal undoes the whole save), then the record of what changed."""
    problems = remit.refusals(request.user, user, before, after)
    if problems:
        log.warning("Admin change to user id %s by user id %s refused: %s", user.pk, request.user.pk,
                    "; ".join(problems))
        raise PermissionDenied(" ".join(problems))
    account_audit.record_differences(request.user, user, before, after)
    if before is not None and before["email"] != after["email"] and before["email"]:
        # Tell the old address: changing someone's email is how an account is taken over.
        tasks.send_security_notice.send_on_commit(
            user.pk, "email_changed", timezone.now().isoformat(), to=before["email"],
            actor=request.user.get_full_name() or request.user.get_username(), new_email=after["email"] or "(none)")


class SchoolStaffAddForm(forms.ModelForm):
    """A school admin's new member of staff: no password (they choose their own from the emailed link)."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "groups")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "They are sent a link here to choose their password."

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user


class SchoolStaffChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = remit.ORDINARY_ACCOUNT_FIELDS


class ConfirmWithPasswordForm(forms.Form):
    """A fresh check that the person at the keyboard is the signed-in admin."""

    password = forms.CharField(label="Your own password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}))

    def __init__(self, admin_user, *args, **kwargs):
        self.admin_user = admin_user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        key = self.admin_user.pk
        if throttle.tries("admin-reauth", key, window=REAUTH_WINDOW) >= REAUTH_FAILURES:
            raise forms.ValidationError("Too many wrong passwords. Wait 15 minutes and try again.")
        if not self.admin_user.check_password(password):
            throttle.allow("admin-reauth", key, limit=REAUTH_FAILURES, window=REAUTH_WINDOW)
            log.warning("Wrong password confirming an admin action by user id %s", key)
            raise forms.ValidationError("That is not your password.")
        return password


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(NotFoundOutsideScopeMixin, UserAdmin):
    inlines = (StaffProfileInline,)

    def get_inlines(self, request, obj):
        return (StaffProfileInline, SchoolMembershipInline) if _unrestricted(request) else (StaffProfileInline,)
    list_display = ("username", "first_name", "last_name", "email", "is_active")
    list_filter = ("is_active", "groups")
    # A school admin helps their own staff (the queryset below is scoped to their school).
    actions = ["send_password_reset", "unlock_sign_in", "reset_two_factor"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        school = school_of(request.user)
        return qs.filter(profile__school=school) if school else qs.none()

    # --- What a school admin is offered (accounts.remit) ------------------------------------

    def get_form(self, request, obj=None, **kwargs):
        if not _unrestricted(request):
            kwargs["form"] = SchoolStaffAddForm if obj is None else SchoolStaffChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if _unrestricted(request):
            return super().get_fieldsets(request, obj)
        if obj is None:
            return ((None, {"fields": ("username", "first_name", "last_name", "email", "groups"),
                            "description": "Roles you can give: Office and Visiting staff. A superuser gives the "
                                           "roles Head of school, DSL and School admin."}),)
        return (
            (None, {"fields": ("username",)}),
            ("Personal info", {"fields": ("first_name", "last_name", "email")}),
            ("Roles", {"fields": ("is_active", "groups"),
                       "description": "Roles you can give: Office and Visiting staff. The head's, the DSL's and "
                                      "school admins' accounts (and your own) keep their roles, email and status: "
                                      "a superuser changes those."}),
            ("Sign-in", {"fields": ("two_factor_state", "last_login", "date_joined"),
                         "description": "To help someone who forgot their password, use the action "
                                        "\"Send a password reset email\" on the list of users."}),
        )

    def get_readonly_fields(self, request, obj=None):
        if _unrestricted(request) or obj is None:
            return super().get_readonly_fields(request, obj)
        fields = ["username", "two_factor_state", "last_login", "date_joined"]
        if remit.is_senior_account(request.user, obj):
            fields += ["email", "is_active", "groups"]
        return fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not _unrestricted(request):
            if db_field.name == "groups":
                kwargs["queryset"] = Group.objects.filter(name__in=remit.grantable_roles(request.user)).order_by("name")
            elif db_field.name == "user_permissions":
                kwargs["queryset"] = Permission.objects.none()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if add and not _unrestricted(request):
            # Not the stock "enter a username and password" page: a school admin sets no password.
            response.template_name = "admin/accounts/user/school_add_form.html"
        return response

    @admin.display(description="Two-factor sign-in")
    def two_factor_state(self, obj):
        return "On" if twofactor.has_two_factor(obj) else "Off"

    # --- The server-side check of every save -------------------------------------------------

    def save_model(self, request, obj, form, change):
        obj._account_before = account_audit.snapshot(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is StaffProfile and not _unrestricted(request):
            for profile in formset.save(commit=False):
                if profile.school_id is None:
                    profile.school = school_of(request.user)
                profile.save()
            formset.save_m2m()
            return
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        if not change and not _unrestricted(request):
            StaffProfile.objects.get_or_create(user=user, defaults={"school": school_of(request.user)})
        before = getattr(user, "_account_before", None)
        _refuse_or_record(request, user, before, account_audit.snapshot(user))
        if not change and not _unrestricted(request) and user.email:
            self._send_reset(request, user)
            self.message_user(request, f"{user.email} has been sent a link to choose a password.")

    # --- Passwords: a school admin sends the reset email, never sets a password ----------------

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))  # another school's: 404
        if not _unrestricted(request):
            raise PermissionDenied("A school admin sends a password reset email instead.")
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            account_audit.record(request.user, user, AccountChangeKind.PASSWORD_SET, new="set by a superuser")
        return response

    def _send_reset(self, request, user):
        tasks.send_password_reset.send_on_commit(user.pk)
        account_audit.record(request.user, user, AccountChangeKind.PASSWORD_RESET_SENT, new=user.email)

    @admin.action(description="Send a password reset email", permissions=["change"])
    def send_password_reset(self, request, queryset):
        sent, skipped = [], []
        for user in queryset:
            if user.email and user.is_active:
                self._send_reset(request, user)
                self.log_change(request, user, "Sent a password reset email.")
                sent.append(user)
            else:
                skipped.append(user.get_username())
        if sent:
            self.message_user(request, f"Password reset email sent to {len(sent)} user(s). The link works once.")
        if skipped:
            self.message_user(request, "No email sent (no email address, or the account is not active): "
                                       + ", ".join(skipped), messages.WARNING)

    @admin.action(description="Unlock sign-in after too many wrong passwords", permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            axes_reset(username=user.get_username())
            account_audit.record(request.user, user, AccountChangeKind.SIGN_IN_UNLOCKED)
            self.log_change(request, user, "Unlocked sign-in (lockout after wrong passwords).")
        self.message_user(request, f"Sign-in unlocked for {queryset.count()} user(s). They can try again now.")

    @admin.action(description="Reset two-factor sign-in (lost phone): set it up again at next sign-in",
                  permissions=["change"])
    def reset_two_factor(self, request, queryset):
        """Asks for the admin's own password first (someone at an unlocked admin's computer must
        not be able to strip the head's second factor), then resets, records and emails each person."""
        users = list(queryset)
        if not _unrestricted(request) and any(u.is_superuser for u in users):
            self.message_user(request, "Only a superuser can reset a superuser's two-factor sign-in. Nothing "
                                       "was reset.", messages.ERROR)
            return None
        form = ConfirmWithPasswordForm(request.user, request.POST if "confirm_reset" in request.POST else None)
        if form.is_bound and form.is_valid():
            for user in users:
                twofactor.reset_two_factor(user, by=request.user)
                self.log_change(request, user, "Reset two-factor sign-in (authenticator and backup codes removed).")
            self.message_user(request, f"Two-factor sign-in reset for {len(users)} user(s). They have been emailed, "
                                       "and set it up again (with a new emailed link) at their next sign-in.")
            return None
        return TemplateResponse(request, "admin/accounts/user/reset_two_factor.html", {
            **self.admin_site.each_context(request),
            "title": "Reset two-factor sign-in",
            "users": users,
            "form": form,
            "opts": self.opts,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })
