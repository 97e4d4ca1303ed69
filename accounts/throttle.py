"""Counting tries in a sliding window, in the database (accounts.models.RateLimitHit).

The database rather than Django's cache: the default cache is per process, so with several web
workers each would count on its own and a restart would forget every count; the database is the one
store every process shares on both the embedded install and production, and needs nothing more to
run. Keys are stored as keyed hashes (HMAC with SECRET_KEY), so the table holds no email address or
IP address, and rows older than the window are deleted as new ones come in.

Two tries at the same instant may both pass the last free place (count, then insert): the limits
are for slowing floods, not exact quotas."""

import datetime

from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import RateLimitHit


def _digest(scope: str, key: str) -> str:
    return salted_hmac(f"accounts.throttle.{scope}", str(key).strip().lower(), algorithm="sha256").hexdigest()


def allow(scope: str, key, *, limit: int, window: datetime.timedelta, now=None) -> bool:
    """Count one try of `key` in `scope` and say whether it is within `limit` tries per `window`.
    A try over the limit is not counted (the window moves on without it)."""
    now = now or timezone.now()
    since = now - window
    RateLimitHit.objects.filter(scope=scope, at__lt=since).delete()
    digest = _digest(scope, key)
    if RateLimitHit.objects.filter(scope=scope, key=digest, at__gte=since).count() >= limit:
        return False
    RateLimitHit.objects.create(scope=scope, key=digest, at=now)
    return True


def tries(scope: str, key, *, window: datetime.timedelta, now=None) -> int:
    now = now or timezone.now()
    return RateLimitHit.objects.filter(scope=scope, key=_digest(scope, key), at__gte=now - window).count()
