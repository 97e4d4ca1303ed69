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


def combine_local(day: datetime.date, clock: datetime.time, tz=None) -> datetime.datetime:
    """The aware datetime for `clock` on `day` in the local zone; ValidationError when that local
    time does not exist (clocks go forward) or happens twice (clocks go back)."""
    tz = tz or local_zone()
    naive = datetime.datetime.combine(day, clock.replace(tzinfo=None))
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
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
    Midnight always exists in London (the clocks change at 01:00 and 02:00)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), local_zone())
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min),
                              local_zone())
    return start, end
