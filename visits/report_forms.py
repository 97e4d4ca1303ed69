"""Forms for after the visit: the Home Visit Form, follow-ups, incidents and concerns."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.validators import DateWithin

from .localtime import combine_local
from .models import FollowUpAction, Incident, Purpose, VisitReport

RECEPTION_FIELDS = ("child_interests", "favourite_story", "favourite_toy", "known_children",
                    "anxieties_and_strategies", "parent_questions")


class VisitReportForm(forms.ModelForm):
    class Meta:
        model = VisitReport
        fields = ("outcome", "who_was_seen", "summary", *RECEPTION_FIELDS, "internal_notes", "next_visit_date")
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
            "child_interests": forms.Textarea(attrs={"rows": 2}),
            "anxieties_and_strategies": forms.Textarea(attrs={"rows": 2}),
            "parent_questions": forms.Textarea(attrs={"rows": 2}),
            "next_visit_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.visit = visit
        if visit.purpose != Purpose.INDUCTION:
            for name in RECEPTION_FIELDS:
                del self.fields[name]

    def clean_next_visit_date(self):
        day = self.cleaned_data.get("next_visit_date")
        if day and day < timezone.localdate():
            raise forms.ValidationError("The next visit date can't be in the past.")
        return day


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUpAction
        fields = ("action", "owner", "due_on")
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(
            profile__school=school, is_active=True).order_by("first_name", "last_name")
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


FollowUpFormSet = forms.inlineformset_factory(
    VisitReport, FollowUpAction, form=FollowUpForm, extra=2, can_delete=True, max_num=20, validate_max=True)


class IncidentForm(forms.ModelForm):
    # R-INCIDENT: recorded as soon as possible afterwards, so on a day that has been, not long ago.
    occurred_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                  validators=[DateWithin(back=2, ahead=0)])
    occurred_time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    class Meta:
        model = Incident
        fields = ("what_happened", "people_involved", "injuries", "police_involved", "police_reference")
        widgets = {"what_happened": forms.Textarea(attrs={"rows": 5}),
                   "people_involved": forms.Textarea(attrs={"rows": 2}),
                   "injuries": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        day, clock = data.get("occurred_on"), data.get("occurred_time")
        if day and clock:
            try:
                self.instance.occurred_at = combine_local(day, clock)
            except forms.ValidationError as exc:
                self.add_error("occurred_time", exc)
        return data
