"""Run the watchdog's overdue scan once and say what it did (the Celery beat task calls the same
function every few seconds). `--now` runs it as if at another time, for drills."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safety import watchdog


def parse_now(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now must be an ISO-8601 date and time, e.g. 2026-11-24T10:45:00Z (got {value!r}).") from exc
    if timezone.is_naive(moment):
        # A time without an offset is the school's local time (Europe/London).
        moment = timezone.make_aware(moment)
    return moment.astimezone(datetime.UTC)


class Command(BaseCommand):
    help = "Escalate every overdue visit once (R-LATE-15, R-RETURN-30) and print what was done."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=parse_now, default=None,
                            help="Scan as if at this ISO-8601 time (local time if no offset), for drills.")

    def handle(self, *args, **options):
        now = options["now"] or timezone.now()
        result = watchdog.scan(now)
        local = timezone.localtime(now)
        self.stdout.write(f"Scan at {local:%Y-%m-%d %H:%M:%S %Z}: {result.summary()}")
