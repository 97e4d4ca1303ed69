"""The take-charge links an escalation alert carries (safety.takecharge reads them): signed with
Django's signing, bound to one person and one alert, with a fresh nonce per alert sent so each link
is used once, and expiring after TAKE_CHARGE_LINK_HOURS."""

import datetime
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "safety.take-charge"


def max_age() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.TAKE_CHARGE_LINK_HOURS)


def token_for(escalation, person) -> str:
    return signing.dumps({"e": escalation.pk, "u": person.pk, "n": secrets.token_urlsafe(6)}, salt=SALT)


def takecharge_url(escalation, person) -> str:
    """The full address of a new take-charge link for `person`, for the body of an alert."""
    path = reverse("safety:take-charge", args=[token_for(escalation, person)])
    return f"{settings.SITE_URL.rstrip('/')}{path}"
