"""Forms of the check-in pages and the escalation panel.

They only turn what was posted into Python values; the rules (what may be recorded when, which
contact step comes next) stay in safety.checkins and safety.escalations, whose ValidationErrors are shown on the form.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from visits.lifecycle import CHECKIN_KINDS, EventKind
from visits.localtime import NEXT_TIME_WITHIN, local_clock, next_local_time

from .escalations import ALARM_OUTCOME_MISSING
from .models import AlarmOutcome, ContactOutcome, ContactStep


def suggested_return_time(expected_return: datetime.datetime, now: datetime.datetime) -> datetime.time:
    """What the new-return-time picker starts at: half an hour after the later of now and the plan,
    and always a time the form accepts (it is read back as the next such local time after now)."""
    later = max(now, expected_return) + datetime.timedelta(minutes=30)  # UTC instants: elapsed time
    if later - now > NEXT_TIME_WITHIN - datetime.timedelta(minutes=1):
        later = now + datetime.timedelta(minutes=30)
    return local_clock(later)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class NewReturnTimeMixin:
    """A form with a `new_expected_return` time picker (R-LATE-15). The time typed is the next such
    local time after now (visits.localtime.next_local_time: after midnight is tomorrow's, a time the
    clocks skip is refused beside the field), as a UTC instant in `new_expected_return_at`."""

    def __init__(self, *args, now=None, **kwargs):
        self.now = now or timezone.now()
        super().__init__(*args, **kwargs)

    def uses_new_return(self, data) -> bool:
        """Whether this submission gives a new return time (otherwise a pre-filled one is ignored)."""
        return True

    def clean(self):
        data = super().clean()
        picked = data.get("new_expected_return")
        data["new_expected_return_at"] = None
        if picked and self.uses_new_return(data):
            try:
                data["new_expected_return_at"] = next_local_time(picked, self.now)
            except ValidationError as exc:
                self.add_error("new_expected_return", exc)
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
    # R-CODEWORD: where the school asks for it, ending a visit needs the safety PIN (safety.checkins.pin_asked).
    pin = forms.CharField(
        label="Your PIN", required=False, max_length=8, strip=True,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off",
                                          "class": "hv-pin"}),
    )

    # Where they are, from the phone, when they opted in (safety.location): filled by static/js/checkin.js.
    location_lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    location_lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    location_accuracy = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=0, max_value=100_000)
    # When it was tapped, for a tap the phone kept without signal and sends later (static/js/offline-taps.js):
    # an ISO 8601 time, believed only as safety.checkins.said_at_of allows.
    tapped_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def uses_new_return(self, data):
        return data.get("kind") == EventKind.LATE

    def clean(self):
        # A location the phone sent wrong is dropped, never a reason to refuse a check-in.
        # So is a tap time it could not make sense of: the tap is recorded at the time it was received.
        for name in ("location_lat", "location_lon", "location_accuracy", "tapped_at"):
            if name in self.errors:
                del self.errors[name]
                self.cleaned_data[name] = None
        return super().clean()



class PhoneCheckInForm(CheckInForm):
    """The same events, recorded by the office after a phone call, for the member of staff who rang."""

    on_behalf_of = forms.ModelChoiceField(queryset=None, label="Who called", empty_label="Choose who called")
    pin = None  # a PIN is typed on one's own phone only; the code word said on the phone works as ever

    field_order = ["on_behalf_of"]

    def __init__(self, *args, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only those still out give word; someone already back is not asked for again (R-RETURN).
        self.fields["on_behalf_of"].queryset = visit.staff.filter(
            visit_links__visit=visit, visit_links__returned_at__isnull=True).order_by("last_name", "first_name")
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
    # R-REVIEW: whoever resolves the alarm says what it was (the note above is its note); the service
    # (safety.escalations.record_contact) refuses "reached: safe" without it, beside this field.
    alarm_outcome = forms.ChoiceField(
        choices=AlarmOutcome.choices, required=False, widget=forms.RadioSelect,
        label="If they are safe: what was the alarm?", help_text="Needed when they are reached and safe.",
    )

    field_order = ["escalation", "step", "outcome", "new_expected_return", "alarm_outcome", "note"]

    def uses_new_return(self, data):
        return data.get("outcome") == ContactOutcome.REACHED_SAFE


class AlarmOutcomeForm(forms.Form):
    """What a resolved alarm was, said afterwards (or corrected by the head or the DSL; R-REVIEW)."""

    alarm_outcome = forms.ChoiceField(choices=AlarmOutcome.choices, widget=forms.RadioSelect, label="What was it?",
                                      error_messages={"required": ALARM_OUTCOME_MISSING})
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           label="Note (optional)", help_text="Anything the school should know about it.")



class AcknowledgeForm(forms.Form):
    escalation = forms.IntegerField(widget=forms.HiddenInput)
