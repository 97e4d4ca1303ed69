from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator

from . import tasks


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

    def save(self, **kwargs):
        """Queue the request for the worker, which looks the address up and sends the email
        (accounts.tasks): nothing here depends on whether the address is known."""
        tasks.later(tasks.password_reset_requested, self.cleaned_data["email"])


PASSWORD_MAX_LENGTH = 4096


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the username's length enforced before anything looks it up:
    the stock form only sets a maxlength attribute, so an over-long name reached the lockout
    records (a 255-character column) and failed there."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = self.fields["username"].max_length or 150
        self.fields["username"].validators.append(MaxLengthValidator(limit))
        # A password this long is not a password; refuse it before it is hashed.
        self.fields["password"].max_length = PASSWORD_MAX_LENGTH
        self.fields["password"].validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))

    def clean(self):
        if "username" not in self.cleaned_data:
            # The username field already failed: don't try to sign in (and don't count a lockout try).
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                        params={"username": self.username_field.verbose_name})
        return super().clean()
