"""Safety PIN and duress PIN (R-CODEWORD): setting them, and checking one typed on the phone.

Both are kept only as salted hashes made by Django's password hashers (make_password /
check_password), in accounts.models.SafetyPins, which has no history table. Nothing here logs a PIN
or writes one anywhere else: the account change log says only that the PINs were set.

A PIN typed to end a visit is checked against both hashes every time, whichever it turns out to be,
so the safety PIN and the duress PIN take the same time to check. Wrong PINs are counted per
person in accounts.throttle; over the limit even the right safety PIN is refused for a while (a
guessed PIN must not end a visit). The duress PIN always counts: typed while refused, the alarm
still goes, and the phone shows the same refusal as any other PIN would get.
"""

import dataclasses
import datetime
import re

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import account_audit, throttle
from .models import AccountChangeKind, SafetyPins

PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
PIN_HELP = "4 to 8 digits."

# Wrong PINs (and wrong passwords when setting them) allowed per person in the window.
WRONG_PINS_ALLOWED = 5
WRONG_PIN_WINDOW = datetime.timedelta(minutes=15)
WRONG_PIN_SCOPE = "safety-pin"
WRONG_PASSWORD_SCOPE = "safety-pin-password"

WRONG_PIN = "That PIN is not right. Try again, or ring the school office."
NO_MORE_TRIES = ("Too many wrong PINs: try again in 15 minutes, or ring the school office to tell them "
                 "instead.")


def has_pins(user) -> bool:
    return SafetyPins.objects.filter(user_id=user.pk).exists()


def pins_set_at(user) -> datetime.datetime | None:
    return SafetyPins.objects.filter(user_id=user.pk).values_list("set_at", flat=True).first()


def validate_pin(value: str) -> None:
    if not PIN_PATTERN.match(value or ""):
        raise ValidationError("A PIN is 4 to 8 digits, nothing else.")


def password_tries_left(user, now=None) -> bool:
    return throttle.tries(WRONG_PASSWORD_SCOPE, user.pk, window=WRONG_PIN_WINDOW, now=now) < WRONG_PINS_ALLOWED


def count_wrong_password(user, now=None) -> None:
    throttle.allow(WRONG_PASSWORD_SCOPE, user.pk, limit=WRONG_PINS_ALLOWED, window=WRONG_PIN_WINDOW, now=now)


def set_pins(user, safety_pin: str, duress_pin: str, *, now=None) -> SafetyPins:
    """Set (or replace) the person's two PINs. The caller has checked their password."""
    now = now or timezone.now()
    validate_pin(safety_pin)
    validate_pin(duress_pin)
    if safety_pin == duress_pin:
        raise ValidationError({"duress_pin": ["The duress PIN must be different from the safety PIN."]})
    with transaction.atomic():
        pins, _created = SafetyPins.objects.update_or_create(user=user, defaults={
            "safety_pin": make_password(safety_pin), "duress_pin": make_password(duress_pin), "set_at": now})
        account_audit.record(user, user, AccountChangeKind.SAFETY_PINS)  # that they were set, never what
    return pins


@dataclasses.dataclass(frozen=True)
class PinAnswer:
    """What a typed PIN was: `accepted` (the safety PIN, within the tries allowed), `duress` (the
    duress PIN, whatever else), and, when not accepted, what the person is told beside the field."""

    accepted: bool
    duress: bool
    refusal: str = ""


def check_pin(user, pin: str, *, now=None) -> PinAnswer:
    """Check a PIN typed to end a visit (R-CODEWORD). Both hashes are checked every time."""
    now = now or timezone.now()
    pins = SafetyPins.objects.filter(user_id=user.pk).first()
    if pins is None:
        return PinAnswer(accepted=False, duress=False, refusal=WRONG_PIN)
    pin = (pin or "").strip()
    is_safety = check_password(pin, pins.safety_pin)
    is_duress = check_password(pin, pins.duress_pin)
    locked = throttle.tries(WRONG_PIN_SCOPE, user.pk, window=WRONG_PIN_WINDOW, now=now) >= WRONG_PINS_ALLOWED
    if locked:
        return PinAnswer(accepted=False, duress=is_duress, refusal=NO_MORE_TRIES)
    if is_duress:
        return PinAnswer(accepted=True, duress=True)
    if is_safety:
        return PinAnswer(accepted=True, duress=False)
    throttle.allow(WRONG_PIN_SCOPE, user.pk, limit=WRONG_PINS_ALLOWED, window=WRONG_PIN_WINDOW, now=now)
    return PinAnswer(accepted=False, duress=False, refusal=WRONG_PIN)
