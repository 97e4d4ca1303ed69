"""Validation of UK vehicle registrations (R-VEHICLE): the office must be able to read them to police."""

import re

from django.core.exceptions import ValidationError

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
