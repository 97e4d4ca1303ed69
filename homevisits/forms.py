"""What every app's views share about forms."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.BaseForm, exc: ValidationError, field_map: dict | None = None) -> None:
    """Show a service's ValidationError on the form: each message beside its field when the form
    has that field (`field_map` renames the service's field names to the form's), otherwise at the
    top of the form. Nothing was saved: the service checks before it writes."""
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            field = (field_map or {}).get(key, key)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)
