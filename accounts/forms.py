from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator

from . import pins, tasks


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
        tasks.password_reset_requested.send_on_commit(self.cleaned_data["email"])


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


def _pin_field(label, help_text=""):
    return forms.CharField(label=label, min_length=4, max_length=8, help_text=help_text, strip=True,
                           widget=forms.PasswordInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*",
                                                             "autocomplete": "off"}))


class SafetyPinsForm(forms.Form):
    """Set or change the safety PIN and the duress PIN (R-CODEWORD; accounts.pins keeps only hashes).
    The account's password is asked every time, so someone who picks up an unlocked phone cannot
    change them."""

    password = forms.CharField(label="Your password", strip=False, max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    safety_pin = _pin_field("Safety PIN", "4 to 8 digits. You type it when you leave a visit or are back.")
    safety_pin_again = _pin_field("Safety PIN again")
    duress_pin = _pin_field("Duress PIN", "4 to 8 digits, different from the safety PIN. Typed instead of it, "
                                          "your phone looks as usual and school is alerted at once.")
    duress_pin_again = _pin_field("Duress PIN again")

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not pins.password_tries_left(self.user):
            raise forms.ValidationError("Too many wrong passwords: try again in 15 minutes.")
        if not self.user.check_password(password):
            pins.count_wrong_password(self.user)
            raise forms.ValidationError("That is not your password.")
        return password

    def _clean_pin(self, name):
        value = self.cleaned_data[name]
        pins.validate_pin(value)
        return value

    def clean_safety_pin(self):
        return self._clean_pin("safety_pin")

    def clean_duress_pin(self):
        return self._clean_pin("duress_pin")

    def clean(self):
        data = super().clean()
        for name in ("safety_pin", "duress_pin"):
            if name in data and data.get(f"{name}_again") != data[name]:
                self.add_error(f"{name}_again", "This is not the same PIN: type it again.")
        if data.get("safety_pin") and data.get("safety_pin") == data.get("duress_pin"):
            self.add_error("duress_pin", "The duress PIN must be different from the safety PIN.")
        return data
