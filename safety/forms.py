"""Forms of the check-in pages and the escalation panel.

They only turn what was posted into Python values; the rules (what may be recorded when, which
contact step comes next) stay in safety.watchdog, whose ValidationErrors are shown on the form.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from visits.models import EventKind

from .models import ContactOutcome, ContactStep
from .watchdog import CHECKIN_KINDS


def local_time_today(value: datetime.time, now: datetime.datetime) -> datetime.datetime:
    """A time picked on the phone, as an aware datetime on today's date in the school's time zone."""
    day = timezone.localdate(now)
    return timezone.make_aware(datetime.datetime.combine(day, value))


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service ValidationError on the form: beside its field when the form has one."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class NewReturnTimeMixin:
    """A form with a `new_expected_return` time picker: the time is today's, in school time (R-LATE-15)."""

    def __init__(self, *args, now=None, **kwargs):
        self.now = now or timezone.now()
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        picked = data.get("new_expected_return")
        data["new_expected_return_at"] = local_time_today(picked, self.now) if picked else None
        return data


class CheckInForm(NewReturnTimeMixin, forms.Form):
    """One tap on the phone page: which event, with its idempotency key (a uuid4 made when the page
    was drawn, so a double tap or a retried post records once)."""

    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in EventKind if k in CHECKIN_KINDS],
                             widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    new_expected_return = forms.TimeField(
        label="New expected return", required=False, widget=TimeInput,
        help_text="The time you now expect to be back.",  # R-LATE-15
    )



class PhoneCheckInForm(CheckInForm):
    """The same events, recorded by the office after a phone call, for the member of staff who rang."""

    on_behalf_of = forms.ModelChoiceField(queryset=None, label="Who called", empty_label="Choose who called")

    field_order = ["on_behalf_of"]

    def __init__(self, *args, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_behalf_of"].queryset = visit.staff.order_by("last_name", "first_name")
        self.fields["on_behalf_of"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class ContactAttemptForm(NewReturnTimeMixin, forms.Form):
    """One contact step on an escalated visit (R-CONTACT-STEPS)."""

    escalation = forms.IntegerField(widget=forms.HiddenInput)
    step = forms.TypedChoiceField(choices=ContactStep.choices, coerce=int, label="Step")
    outcome = forms.ChoiceField(choices=ContactOutcome.choices, widget=forms.RadioSelect, label="Outcome")
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="Who you spoke to and what they said.")
    new_expected_return = forms.TimeField(
        label="Their new expected return", required=False, widget=TimeInput,
        help_text="Needed when they are reached, safe and still out.",
    )



class AcknowledgeForm(forms.Form):
    escalation = forms.IntegerField(widget=forms.HiddenInput)
