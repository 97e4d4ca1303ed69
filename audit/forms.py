"""The audit page's filters (GET): which records, whose doing, between which local dates."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from visits.forms import DateInput
from visits.localtime import combine_local

from .history import ACCOUNT_KEY, ACCOUNT_LABEL, SETTINGS_KEY, SETTINGS_LABEL, tracked_models
from .models import AccessKind


class _AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                    empty_label="Everyone")
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To (inclusive)", required=False, widget=DateInput())
    first_field = None

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (get_user_model().objects.filter(profile__school=school)
                                          .order_by("last_name", "first_name", "username"))
        self.fields["person"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div(Field(self.first_field), css_class="col-12 col-md-3"),
                Div(Field("person"), css_class="col-12 col-md-3"),
                Div(Field("date_from"), css_class="col-6 col-md-2"),
                Div(Field("date_to"), css_class="col-6 col-md-2"),
                Div(Submit("filter", "Filter", css_class="mt-md-4 w-100"), css_class="col-12 col-md-2"),
                css_class="row g-2 align-items-start",
            )
        )

    def clean(self):
        data = super().clean()
        for name in ("date_from", "date_to"):
            # A date next to year 1 or 9999 can't be turned into a time range (and means nothing here).
            if data.get(name) and not 1900 <= data[name].year <= 2999:
                self.add_error(name, "Give a date between 1900 and 2999.")
                data.pop(name, None)
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError({"date_to": "The end date is before the start date."})
        return data

    def bounds(self):
        """The local date range as aware datetimes [start, end), Europe/London."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start = combine_local(data["date_from"], datetime.time(0, 0)) if data.get("date_from") else None
        end = (combine_local(data["date_to"] + datetime.timedelta(days=1), datetime.time(0, 0))
               if data.get("date_to") else None)
        return start, end

    def value(self, name):
        return self.cleaned_data.get(name) if self.is_bound and self.is_valid() else None


class ChangeFilterForm(_AuditFilterForm):
    model = forms.ChoiceField(label="Record", required=False)
    first_field = "model"
    field_order = ["model", "person", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "All records")] + [
            (key, str(model._meta.verbose_name).capitalize()) for key, model in tracked_models()] + [
            (ACCOUNT_KEY, ACCOUNT_LABEL), (SETTINGS_KEY, SETTINGS_LABEL)]


class ReadFilterForm(_AuditFilterForm):
    kind = forms.ChoiceField(label="Record", required=False, choices=[("", "All reads")] + AccessKind.choices)
    first_field = "kind"
    field_order = ["kind", "person", "date_from", "date_to"]
