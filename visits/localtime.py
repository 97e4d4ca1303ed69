"""Local (Europe/London) wall-clock times typed on forms, turned into UTC instants safely.

Every local time a person types goes through this module: a date and a time on the plan form, the
incident form or a drill's `--now` (`combine_local`), and a time of day alone, such as a new
expected return given while out (`next_local_time`).

Django's make_aware() with zoneinfo never raises: a time in the spring-forward gap or in the
repeated autumn hour silently gets one of two offsets. A visit watched from such a time would be
watched at the wrong moment, so this module refuses or resolves them explicitly.

Everything returned is an aware datetime in UTC, so that adding minutes to it is elapsed time. (Adding
a timedelta to a Europe/London datetime in Python is wall-clock arithmetic: 01:50 BST + 15 minutes on
the night the clocks go back is 02:05 GMT, 75 real minutes later.)
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

UTC = datetime.UTC

# A time of day alone means a moment within this long after now: a new return time is minutes or a
# few hours ahead. Further than this is almost always a slip (a time that has just passed, or
# 02:00 typed for 14:00), and taking it as tomorrow would leave the watchdog quiet for most of a day.
NEXT_TIME_WITHIN = datetime.timedelta(hours=12)


# What is reckoned from a typed time (a visit's end, the watchdog's deadlines, a day's bounds) stays
# within this much of it, so a time near the ends of the calendar is refused here, with a message,
# instead of overflowing later (9999-12-31 was a server error in Visit.planned_end).
HEADROOM = datetime.timedelta(days=7)


def _out_of_range(day: datetime.date) -> ValidationError:
    return ValidationError(f"{day:%d %b %Y} is out of range: give a date near today.", code="date_out_of_range")


def local_zone():
    return timezone.get_current_timezone()


def as_utc(moment: datetime.datetime) -> datetime.datetime:
    """The same instant in UTC: the only form deadline arithmetic is done in."""
    return moment.astimezone(UTC)


def occurrences(day: datetime.date, clock: datetime.time, tz=None) -> list[datetime.datetime]:
    """The UTC instants at which the local clock shows `clock` on `day`: none (the clocks skip it),
    one, or two (the hour the clocks go back is lived twice), earliest first."""
    tz = tz or local_zone()
    naive = datetime.datetime.combine(day, clock.replace(tzinfo=None))
    found = []
    try:
        for fold in (0, 1):
            instant = naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
            # With room either side for what is reckoned from it (a visit's end, the deadlines).
            instant + HEADROOM, instant - HEADROOM  # noqa: B018
            # A time in the gap comes back from UTC as a different wall-clock time.
            if instant.astimezone(tz).replace(tzinfo=None) == naive and instant not in found:
                found.append(instant)
    except (OverflowError, ValueError):
        raise _out_of_range(day) from None
    return sorted(found)



def _gap_message(naive: datetime.datetime, tz, with_date: bool) -> str:
    # The wall time the same number of minutes into the jump (01:30 -> 02:30 in London).
    shifted = naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)
    when = f"on {naive:%d %b %Y}" if with_date else "tonight"
    return (f"{naive:%H:%M} does not exist {when}: the clocks go forward an hour. Enter the time as the "
            f"clock will show it (for example {shifted:%H:%M}).")


def combine_local(day: datetime.date, clock: datetime.time, tz=None) -> datetime.datetime:
    """The UTC instant of `clock` on `day` in the local zone; ValidationError when that local time
    does not exist (clocks go forward) or happens twice (clocks go back): with a date given, the
    person meant one of the two and must say which by choosing another time."""
    tz = tz or local_zone()
    found = occurrences(day, clock, tz)
    naive = datetime.datetime.combine(day, clock.replace(tzinfo=None))
    if not found:
        raise ValidationError(_gap_message(naive, tz, with_date=True), code="dst_gap")
    if len(found) > 1:
        raise ValidationError(
            f"{clock:%H:%M} on {day:%d %b %Y} happens twice: the clocks go back that night. Choose another time.",
            code="dst_ambiguous",
        )
    return found[0]


def next_local_time(clock: datetime.time, now: datetime.datetime, tz=None,
                    within: datetime.timedelta = NEXT_TIME_WITHIN) -> datetime.datetime:
    """The first moment after `now` at which the local clock shows `clock`, as a UTC instant.

    A time of day alone ("back by 00:20", typed at 23:50) is the next such local time after now, so
    a time after midnight is tomorrow's. On the nights the clocks change:

    - a time the clocks skip (01:30 on the last Sunday of March), when that is the next one to come,
      is refused with a message saying how to enter it (02:30);
    - a time the clocks show twice (01:00-01:59 on the last Sunday of October) is the next of its two
      moments after now. Inside the repeated hour that is always the one the person means: at 01:20
      BST, "01:50" is in 30 minutes (BST) and "01:10" in 50 (GMT); at 01:20 GMT, "01:50" is in 30
      minutes. Before the hour both are still to come and the earlier is taken: if they meant the
      later one the office hears an hour early, never an hour late.

    A moment further than `within` from now is refused: it is a time that has just passed, or a slip.
    """
    tz = tz or local_zone()
    local_now = now.astimezone(tz)
    naive_now = local_now.replace(tzinfo=None)
    moment = naive = None
    for offset in (0, 1):
        day = local_now.date() + datetime.timedelta(days=offset)
        naive = datetime.datetime.combine(day, clock.replace(tzinfo=None))
        found = occurrences(day, clock, tz)
        if not found:
            if naive_now < naive <= naive_now + within:  # the skipped time is the one they mean
                raise ValidationError(_gap_message(naive, tz, with_date=False), code="dst_gap")
            if naive <= naive_now:
                continue
            moment = None  # tomorrow's, skipped, and too far anyway
            break
        later = [instant for instant in found if instant > now]
        if later:
            moment = later[0]
            break
    if moment is None or moment - now > within:
        if naive.date() > local_now.date() and clock <= local_now.time():
            raise ValidationError(
                f"{clock:%H:%M} has already passed (it is {local_now:%H:%M} now). Enter a time later than now.",
                code="past")
        hours = int(within.total_seconds() // 3600)
        raise ValidationError(f"{clock:%H:%M} is more than {hours} hours from now ({local_now:%H:%M}). "
                              f"Enter a time within the next {hours} hours.", code="too_far")
    return moment


def local_clock(moment: datetime.datetime) -> datetime.time:
    """The wall-clock time of `moment` to the minute, as a time field shows it."""
    return timezone.localtime(moment).time().replace(second=0, microsecond=0)


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
