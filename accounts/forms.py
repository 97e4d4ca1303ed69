from django import forms
from django.contrib.auth.forms import PasswordResetForm


class CodeForm(forms.Form):
    """A code from the authenticator app (6 digits) or one of the backup codes."""

    code = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True,
                                      "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean_code(self):
        # People copy codes with spaces ("123 456", "abcd efgh"); the devices want them bare.
        return "".join(self.cleaned_data["code"].split()).lower()


class SetupCodeForm(CodeForm):
    code = forms.CharField(
        label="Code from the app",
        max_length=16,
        help_text="The six digits the app shows for Home Visits.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(label="Your school email address", max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
