"""The one-time link that lets someone set up their first authenticator app (emailed to them).

A password alone must not be enough to add a second factor: otherwise whoever stole the password
before the real person set it up would hold a second factor of their own. The link is

- signed (HMAC with SECRET_KEY, as Django's password reset links are) and bound to one user: it
  carries the user's id, and its signature covers their password hash, email and whether they
  already have an authenticator, so it dies when any of those change;
- expiring (TWO_FACTOR_ENROLMENT_LINK_SECONDS after it was made);
- single-use: the first opening is recorded (EnrolmentLinkUse) and a second one is refused;
- only honoured in a session signed in as that same user (accounts.views.two_factor_enrol).
"""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.http import base36_to_int
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import EnrolmentLinkUse


class EnrolmentTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.EnrolmentTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        return f"{user.pk}|{user.password}|{user.email}|{enrolled}|{timestamp}"

    def age_seconds(self, token) -> int | None:
        try:
            ts_b36, _hash = token.split("-")
            return self._num_seconds(self._now()) - base36_to_int(ts_b36)
        except ValueError:
            return None

    def check_token(self, user, token):
        age = self.age_seconds(token) if token else None
        if age is None or age > settings.TWO_FACTOR_ENROLMENT_LINK_SECONDS:
            return False
        return super().check_token(user, token)


enrolment_tokens = EnrolmentTokenGenerator()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def use_enrolment_token(user, token: str, now=None) -> bool:
    """Check the link's token for `user` and use it up; False if it is wrong, expired or used."""
    if not enrolment_tokens.check_token(user, token):
        return False
    now = now or timezone.now()
    # Used links older than any link can live say nothing any more.
    EnrolmentLinkUse.objects.filter(
        used_at__lt=now - datetime.timedelta(seconds=settings.TWO_FACTOR_ENROLMENT_LINK_SECONDS)).delete()
    try:
        with transaction.atomic():
            EnrolmentLinkUse.objects.create(user=user, token_digest=_digest(token), used_at=now)
    except IntegrityError:
        return False
    return True
