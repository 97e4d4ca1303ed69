"""add_service_errors: a service's ValidationError shown on the form, beside its field when the form
has one (bad input: a clear message beside the field)."""

from django import forms
from django.core.exceptions import ValidationError

from homevisits.forms import add_service_errors


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False)
    return_time = forms.CharField(required=False)


def bound():
    form = ReasonForm({"reason": "", "return_time": ""})
    assert form.is_valid()
    return form


def test_a_message_for_a_field_of_the_form_goes_beside_it():
    form = bound()
    add_service_errors(form, ValidationError({"reason": ["Give the reason for cancelling."]}))
    assert form.errors["reason"] == ["Give the reason for cancelling."] and not form.non_field_errors()


def test_a_message_for_a_field_the_form_lacks_goes_at_the_top():
    form = bound()
    add_service_errors(form, ValidationError({"staff": ["Already booked."]}))
    assert form.non_field_errors() == ["Already booked."] and "staff" not in form.errors


def test_the_services_field_names_can_be_mapped_to_the_forms():
    form = bound()
    add_service_errors(form, ValidationError({"expected_return": ["Later than the start."]}),
                       field_map={"expected_return": "return_time"})
    assert form.errors["return_time"] == ["Later than the start."]


def test_a_plain_message_or_list_goes_at_the_top():
    form = bound()
    add_service_errors(form, ValidationError(["One.", "Two."]))
    assert form.non_field_errors() == ["One.", "Two."]
