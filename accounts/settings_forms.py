"""The forms of a school's settings pages (accounts.settings_views) and of its roster in the Django
admin: each page a form of School fields (their help text from the model), and the office hours and
roster as formsets. Validation is the model's (School.clean, OfficeHours.clean) and RosterTierForm's;
what a page saves is accounts.school_settings."""

import dataclasses

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from . import logo, roster, trust_rules
from .models import OfficeHours, RosterTier, School, Weekday


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class RosterTierForm(forms.ModelForm):
    """One tier of the alert roster (the settings page and the Django admin's inline)."""

    class Meta:
        model = RosterTier
        fields = ("position", "kind", "people", "ack_timeout_minutes")

    def clean_people(self):
        """Only this school's active office staff, head or DSL: never someone of another school (they
        would be sent this school's alerts) nor someone who may not take charge of them."""
        people = self.cleaned_data.get("people")
        school = getattr(self.instance, "school", None)
        if people is None or school is None:
            return people
        wrong = [p for p in people if getattr(getattr(p, "profile", None), "school_id", None) != school.pk
                 or not p.is_active or not p.groups.filter(name__in=roster.ROSTER_ROLES).exists()]
        if wrong:
            raise forms.ValidationError("Name only this school's office staff, head of school or DSL "
                                        "(give someone the Office role first to put them on the roster).")
        return people


class SchoolSettingsForm(forms.ModelForm):
    """A page's School fields. School.clean checks across fields; an error it finds in a field of
    another page (stored before a rule existed) is for that page, not a reason to refuse this one.
    A setting the school's trust has locked is shown, not offered (accounts.trust_rules)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        trust = self.instance.trust if self.instance.trust_id else None
        for name, words in trust_rules.locked_settings(trust).items():
            if name in self.fields:
                self.fields[name].disabled = True
                self.fields[name].help_text = words

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            kept = {field: messages for field, messages in errors.error_dict.items()
                    if field in self.fields or field == NON_FIELD_ERRORS}
            if not kept:
                return
            errors = forms.ValidationError(kept)
        super()._update_errors(errors)


class AlertsForm(SchoolSettingsForm):
    class Meta:
        model = School
        fields = ("late_call_minutes", "office_chase_minutes", "police_prompt_minutes", "alert_repeat_minutes",
                  "charge_reminder_minutes", "staff_reminder_minutes")


class WatchForm(SchoolSettingsForm):
    class Meta:
        model = School
        fields = ("low_risk_checkin_minutes", "medium_risk_checkin_minutes", "high_risk_checkin_minutes",
                  "checkin_interval_minutes", "override_alerts_head_at_late_call", "pin_to_end_visit")


class PlanningForm(SchoolSettingsForm):
    class Meta:
        model = School
        fields = ("max_wait_minutes", "evening_starts", "lone_visits_allowed", "training_required",
                  "dsl_may_clear_head_gates")
        widgets = {"evening_starts": TimeInput()}


class LettersForm(SchoolSettingsForm):
    logo_file = forms.FileField(
        label="New logo", required=False,
        help_text=f"A PNG or JPEG of at most {logo.MAX_BYTES // (1024 * 1024)} MB. It is redrawn to fit "
                  f"{logo.MAX_WIDTH} x {logo.MAX_HEIGHT} pixels at the top of the letter.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)

    class Meta:
        model = School
        fields = ("letter_greeting", "letter_sign_off", "office_phone", "address")
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_letter_sign_off(self):
        # The letter adds the comma: "Yours sincerely," not "Yours sincerely,,".
        return self.cleaned_data["letter_sign_off"].rstrip(" ,")

    def clean_letter_greeting(self):
        return self.cleaned_data["letter_greeting"].rstrip(" ,")

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        return logo.make_png(upload)

    def clean(self):
        data = super().clean()
        if data.get("logo_file") and data.get("remove_logo"):
            self.add_error("remove_logo", "Upload a new logo or remove the old one, not both.")
        return data


class RecordsForm(SchoolSettingsForm):
    class Meta:
        model = School
        fields = ("visit_retention_years", "concern_retention_years")


# --- Office hours: one row a weekday ---------------------------------------------------------------

class DayHoursForm(forms.Form):
    on_duty = forms.BooleanField(required=False)
    opens = forms.TimeField(required=False, widget=TimeInput())
    closes = forms.TimeField(required=False, widget=TimeInput())

    def __init__(self, *args, weekday=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday = weekday
        self.day_name = Weekday(weekday).label
        self.fields["on_duty"].label = self.day_name
        self.fields["opens"].label = f"{self.day_name}: opens"
        self.fields["closes"].label = f"{self.day_name}: closes"

    def clean(self):
        data = super().clean()
        if not data.get("on_duty"):
            return data
        for name in ("opens", "closes"):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, "Give the time, or untick the day.")
        if data.get("opens") is not None and data.get("closes") is not None:
            try:
                OfficeHours(weekday=self.weekday, opens=data["opens"], closes=data["closes"]).clean()
            except forms.ValidationError as exc:
                self._update_model_errors(exc)
        return data

    def _update_model_errors(self, exc):
        for field, messages in exc.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class BaseOfficeHoursFormSet(forms.BaseFormSet):
    """Exactly seven rows, Monday first; a row's weekday is its place, never a posted value."""

    def total_form_count(self):
        # A forged count of rows builds no eighth day (the rows past Sunday are never read).
        return min(super().total_form_count(), len(Weekday.values))

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "weekday": index if index is not None else 0}

    def days(self) -> dict:
        return {form.weekday: (form.cleaned_data["opens"], form.cleaned_data["closes"])
                for form in self.forms if form.cleaned_data.get("on_duty")}


OfficeHoursFormSet = forms.formset_factory(DayHoursForm, formset=BaseOfficeHoursFormSet, extra=0, min_num=7,
                                           max_num=7, validate_min=True, validate_max=True)


def office_hours_formset(school, data=None):
    hours = {row.weekday: row for row in OfficeHours.objects.filter(school=school)}
    initial = [{"on_duty": day in hours, "opens": hours[day].opens if day in hours else None,
                "closes": hours[day].closes if day in hours else None} for day in Weekday.values]
    return OfficeHoursFormSet(data, initial=initial, prefix="hours")


# --- The roster: ordered tiers ---------------------------------------------------------------------

class SettingsRosterTierForm(RosterTierForm):
    class Meta(RosterTierForm.Meta):
        widgets = {"people": forms.CheckboxSelectMultiple}
        labels = {"position": "Order"}
        help_texts = {"position": "1 is told first. Gaps don't matter: the tiers are numbered again from 1."}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        # The school's own people only, on every row (a new row's instance has no school yet).
        self.fields["people"].queryset = roster.candidates(school)
        self.fields["people"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.fields["people"].label = "People named on this tier"


class BaseRosterFormSet(forms.BaseInlineFormSet):
    """The tiers kept (not deleted, not left blank) in their order; two tiers in one place, or two of
    one kind (other than named contacts), are refused beside the field."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this tier"

    def validate_unique(self):
        """Two tiers in one place are said beside the field by clean(), not as Django's "duplicate data"."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        positions, kinds = {}, {}
        for form in self.kept_forms():
            position, kind = form.cleaned_data["position"], form.cleaned_data["kind"]
            if position in positions:
                form.add_error("position", f"Two tiers can't both be number {position}: give each its own number.")
            positions.setdefault(position, form)
            if kind != "named" and kind in kinds:
                form.add_error("kind", "The roster has this kind of tier already: use one tier of each kind "
                                       "(named contacts may have several).")
            kinds.setdefault(kind, form)

    def kept_forms(self):
        return [form for form in self.forms
                if form.has_changed() or form.instance.pk
                if not (self.can_delete and self._should_delete_form(form))]

    def rows(self):
        """(kind, people, minutes) of the kept tiers, in their order."""
        kept = sorted(self.kept_forms(), key=lambda f: (f.cleaned_data["position"], self.forms.index(f)))
        return [(f.cleaned_data["kind"], list(f.cleaned_data["people"]), f.cleaned_data["ack_timeout_minutes"])
                for f in kept]


RosterFormSet = forms.inlineformset_factory(School, RosterTier, form=SettingsRosterTierForm,
                                            formset=BaseRosterFormSet, extra=1, can_delete=True, max_num=20,
                                            validate_max=True)


def roster_formset(school, data=None):
    return RosterFormSet(data, instance=school, prefix="tiers", form_kwargs={"school": school},
                         queryset=RosterTier.objects.filter(school=school).order_by("position"))


# --- The pages -------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Page:
    key: str
    title: str
    intro: str
    form: type | None = None
    with_hours_and_roster: bool = False


PAGES = (
    Page("alerts", "Alerts and the ladder",
         "When the office, the head of school and the police are brought in for someone who is not back. "
         "Minutes count from the expected return. A change applies to visits out now, from the next check "
         "(within a minute).", AlertsForm),
    Page("roster", "Office hours and the roster",
         "Who an alert reaches, in order, and when the office is on duty. Outside office hours the "
         "out-of-hours contacts take the office's place.", with_hours_and_roster=True),
    Page("watch", "Check-ins while out",
         "How often staff check in while on a visit, by the risk assessment's level, and whether ending a "
         "visit asks for their PIN. A higher risk can't be checked less often than a lower one.", WatchForm),
    Page("planning", "Planning rules",
         "What a visit needs before it is approved.", PlanningForm),
    Page("letters", "Letters",
         "The wording and logo of the letter to the family and the \"sorry you weren't in\" slip.", LettersForm),
    Page("records", "Keeping records",
         "How long records are kept before they are anonymised (every Sunday night).", RecordsForm),
)
PAGES_BY_KEY = {page.key: page for page in PAGES}
