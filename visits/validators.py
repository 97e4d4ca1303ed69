import re

from django.core.exceptions import ValidationError

# UK postcode shape (outward code + inward code), including GIR 0AA; BFPO is not used for homes.
_POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]? ?[0-9][ABD-HJLNP-UW-Z]{2}|"
                       r"[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRV-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$")


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) < 5 or not _POSTCODE.match(compact):
        raise ValidationError("Enter a UK postcode such as SW1A 1AA.", code="invalid_postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> None:
    normalise_postcode(value)
