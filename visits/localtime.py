"""Local (Europe/London) wall-clock times entered on forms, turned into aware datetimes safely.

Django's make_aware() with zoneinfo never raises: a time in the spring-forward gap or in the
repeated autumn hour silently gets one of two offsets. A visit planned at such a time would be
watched at the wrong moment, so we refuse it with a clear message instead.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone


def local_zone():
    return timezone.get_current_timezone()


# What is reckoned from a typed time (a visit's end, the watchdog's deadlines, a day's bounds) stays
# within this much of it, so a time near the ends of the calendar is refused here, with a message,
# instead of overflowing later (9999-12-31 was a server error in Visit.planned_end).
HEADROOM = datetime.timedelta(days=7)


def _out_of_range(day: datetime.date) -> ValidationError:
    return ValidationError(f"{day:%d %b %Y} is out of range: give a date near today.", code="date_out_of_range")


def combine_local(day: datetime.date, clock: datetime.time, tz=None) -> datetime.datetime:
    """The aware datetime for `clock` on `day` in the local zone; ValidationError when that local
    time does not exist (clocks go forward) or happens twice (clocks go back), or is so near the
    ends of the calendar that the times reckoned from it can't be."""
    tz = tz or local_zone()
    try:
        naive = datetime.datetime.combine(day, clock.replace(tzinfo=None))
        first = naive.replace(tzinfo=tz, fold=0)
        second = naive.replace(tzinfo=tz, fold=1)
        # In UTC, and with room either side for what is reckoned from it.
        first.astimezone(datetime.UTC) + HEADROOM
        first.astimezone(datetime.UTC) - HEADROOM
    except (OverflowError, ValueError):
        raise _out_of_range(day) from None
    if first.utcoffset() == second.utcoffset():
        return first
    # Round trip through UTC: a time in the gap comes back as a different wall-clock time.
    back = first.astimezone(datetime.UTC).astimezone(tz).replace(tzinfo=None)
    when = f"{clock:%H:%M} on {day:%d %b %Y}"
    if back != naive:
        raise ValidationError(
            f"{when} does not exist: the clocks go forward that night. Choose another time.", code="dst_gap"
        )
    raise ValidationError(
        f"{when} happens twice: the clocks go back that night. Choose another time.", code="dst_ambiguous"
    )



def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The school day `day` (Europe/London) as [start, end) in aware datetimes, for date-range queries.
    Midnight always exists in London (the clocks change at 01:00 and 02:00); ValidationError for a
    day at the ends of the calendar."""
    try:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), local_zone())
        end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min),
                                  local_zone())
        start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise _out_of_range(day) from None
    return start, end
