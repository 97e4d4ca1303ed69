"""Sign-in lockout rules, given to django-axes through its callable settings (homevisits.settings).

Axes records every failed sign-in per (username, address, browser) and counts them for each set of
AXES_LOCKOUT_PARAMETERS; we ask it to count two, one username from one address and one username
from anywhere, and these callables say where the limits lie and how long a pause lasts:

* one username from one address: 5 wrong passwords within the pause (15 minutes) pause it there
  (someone mistyping, or one machine guessing);
* one username from any number of addresses: 20 wrong passwords within a day pause it everywhere,
  so a guesser rotating addresses gets 20 tries, not 5 per address. The pause runs from the last
  wrong password: 15 minutes, doubling with every 10 further wrong passwords that day, up to 24 hours;
  from then on each further wrong password pauses it again at once.

Every try during a pause is itself counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so it
starts the pause again and, past the username limit, makes it longer. A successful sign-in clears
the failures of that username from that address only: it says nothing about tries made elsewhere.
Setting a new password through the emailed link, or an admin's unlock, clears them all. Failures
are forgotten a day after the last one from their address.
"""

import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.db.models import Max, Sum
from django.utils import timezone

PER_ADDRESS_LIMIT = 5
PER_USERNAME_LIMIT = 20
# Past the username limit, every this many further failures doubles the pause.
PER_USERNAME_STEP = 10
BASE_PAUSE = datetime.timedelta(minutes=15)
LONGEST_PAUSE = datetime.timedelta(hours=24)


def _failures(**filters) -> int:
    return AccessAttempt.objects.filter(**filters).aggregate(n=Sum("failures_since_start"))["n"] or 0


def _attempt_time(request):
    return getattr(request, "axes_attempt_time", None) or timezone.now()


def _username(request, credentials=None):
    if request is None:
        return None
    return get_client_username(request, credentials)


def pause_for(failures_today: int) -> datetime.timedelta:
    """How long a pause lasts, given the username's failures (from anywhere) in the last day."""
    if failures_today < PER_USERNAME_LIMIT:
        return BASE_PAUSE
    doublings = (failures_today - PER_USERNAME_LIMIT) // PER_USERNAME_STEP
    return min(BASE_PAUSE * 2 ** min(doublings, 16), LONGEST_PAUSE)


def pause_text(pause: datetime.timedelta) -> str:
    """'15 minutes', '1 hour', '16 hours': how the lockout page says it."""
    minutes = int(pause.total_seconds() // 60)
    if minutes < 60 or minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


def _day(request, credentials=None) -> tuple[int, datetime.datetime | None]:
    """(failures, time of the last one) of the request's username, from anywhere, within a day."""
    username = _username(request, credentials)
    if username is None:
        return 0, None
    row = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=_attempt_time(request) - LONGEST_PAUSE,
    ).aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    return row["n"] or 0, row["last"]


def cool_off(request=None) -> datetime.timedelta:
    """AXES_COOLOFF_TIME: the pause, and the window in which failures from one address count."""
    failures, _last = _day(request)
    return pause_for(failures)


def failures_from_this_address(request, credentials=None) -> int:
    username = _username(request, credentials)
    return _failures(username=username, ip_address=getattr(request, "axes_ip_address", None),
                     attempt_time__gte=_attempt_time(request) - cool_off(request))


def is_per_address(request, credentials=None) -> bool:
    """Whether this username has reached the limit for this address (rather than only everywhere)."""
    return failures_from_this_address(request, credentials) >= PER_ADDRESS_LIMIT


def username_paused(request, credentials=None) -> bool:
    failures, last = _day(request, credentials)
    return failures >= PER_USERNAME_LIMIT and _attempt_time(request) < last + pause_for(failures)


def failure_limit(request, credentials=None) -> int:
    """AXES_FAILURE_LIMIT. Axes locks when its largest count (the username's failures from anywhere
    within the pause) reaches this. The per-address limit, once this address alone has reached it;
    0 (always reached) while the username is paused everywhere; otherwise the username limit, which
    that count cannot reach without the username being paused already."""
    if is_per_address(request, credentials):
        return PER_ADDRESS_LIMIT
    if username_paused(request, credentials):
        return 0
    return PER_USERNAME_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with two changes that the per-username count needs."""

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        # Axes deletes every user's attempts older than *this* request's pause; with pauses that
        # differ per username that would lift someone else's longer pause early. Expired rows go
        # once they are older than the longest pause; counting only looks inside each one's own.
        threshold = _attempt_time(request) - LONGEST_PAUSE
        count, _ = AccessAttempt.objects.filter(attempt_time__lte=threshold).delete()
        return count

    def reset_user_attempts(self, request, credentials=None) -> int:
        # After a successful sign-in (AXES_RESET_ON_SUCCESS): the failures from that address only.
        # Someone guessing from elsewhere must not get a fresh 20 tries each time the user signs in.
        count, _ = AccessAttempt.objects.filter(
            username=_username(request, credentials), ip_address=request.axes_ip_address).delete()
        return count
