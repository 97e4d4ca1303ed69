"""Validation of UK vehicle registrations (R-VEHICLE): the office must be able to read them to police;
and of typed dates, kept near today."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible

# Current (2001-): AB12 CDE. Prefix (1983-2001): A123 BCD. Suffix (1963-1983): ABC 123D.
# Dateless: ABC 123 / 123 ABC / 1 AB ... Northern Ireland: ABZ 1234.
_PATTERNS = [
    re.compile(r"^(?P<a>[A-Z]{2}[0-9]{2})(?P<b>[A-Z]{3})$"),
    re.compile(r"^(?P<a>[A-Z][0-9]{1,3})(?P<b>[A-Z]{3})$"),
    re.compile(r"^(?P<a>[A-Z]{3})(?P<b>[0-9]{1,3}[A-Z])$"),
    re.compile(r"^(?P<a>[A-Z]{1,3})(?P<b>[0-9]{1,4})$"),
    re.compile(r"^(?P<a>[0-9]{1,4})(?P<b>[A-Z]{1,3})$"),
]


def normalise_registration(value: str) -> str:
    """Return the registration in capitals with its standard single space, or raise ValidationError."""
    compact = re.sub(r"[\s-]+", "", value or "").upper()
    for pattern in _PATTERNS:
        match = pattern.match(compact)
        if match:
            return f"{match['a']} {match['b']}"
    raise ValidationError(
        "Enter a UK vehicle registration such as AB12 CDE.",
        code="invalid_registration",
    )


def validate_registration(value: str) -> None:
    if value:
        normalise_registration(value)


def _years_from(day: datetime.date, years: int) -> datetime.date:
    """`day` moved by whole years (29 February becomes 28 February), clamped to the calendar."""
    year = min(max(day.year + years, datetime.MINYEAR), datetime.MAXYEAR)
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


@deconstructible
class DateWithin:
    """A date no more than `back` years before and `ahead` years after today (school time).

    It catches typing slips (0202, 2206) and the two ends of the calendar (0001-01-01, 9999-12-31),
    where time arithmetic overflows, with a message beside the field instead of a server error."""

    def __init__(self, back: int, ahead: int, too_early: str = "", too_late: str = ""):
        self.back, self.ahead = back, ahead
        self.too_early, self.too_late = too_early, too_late

    def __call__(self, value):
        if not isinstance(value, datetime.date):
            return
        today = timezone.localdate()
        if value < _years_from(today, -self.back):
            raise ValidationError(self.too_early or f"That date is more than {_years(self.back)} ago: check the year.",
                                  code="date_too_early")
        if value > _years_from(today, self.ahead):
            if self.ahead == 0:
                message = self.too_late or "That date is in the future."
            else:
                message = self.too_late or f"That date is more than {_years(self.ahead)} ahead: check the year."
            raise ValidationError(message, code="date_too_late")

    def __eq__(self, other):
        return (isinstance(other, DateWithin) and (self.back, self.ahead, self.too_early, self.too_late)
                == (other.back, other.ahead, other.too_early, other.too_late))


def _years(n: int) -> str:
    return "a year" if n == 1 else f"{n} years"


def validate_letter_line(value: str) -> None:
    """A line of the letter's wording (greeting, sign-off): one line of words, no markup."""
    if any(ord(ch) < 32 or ch in "<>{}" for ch in value or ""):
        raise ValidationError("Use words and ordinary punctuation only, on one line.", code="letter_line")
