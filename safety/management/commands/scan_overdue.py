"""Run the watchdog's overdue scan once and say what it did (the Celery beat task calls the same
function every few seconds). `--now` runs it as if at another time, for drills; a time later than
the real clock needs `--dry-run`, which writes nothing and notifies nobody."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safety import watchdog
from visits.localtime import as_utc, combine_local


def parse_now(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now must be an ISO-8601 date and time, e.g. 2026-11-24T10:45:00Z (got {value!r}).") from exc
    if timezone.is_naive(moment):
        # A time without an offset is the school's local time (Europe/London), through the same
        # guard as every typed local time: a skipped or repeated time needs an offset.
        try:
            moment = combine_local(moment.date(), moment.time())
        except ValidationError as exc:
            raise CommandError(f"--now {value}: {exc.messages[0]} Or give an offset, e.g. {value}+01:00.") from exc
    return as_utc(moment)


class Command(BaseCommand):
    help = ("Escalate every overdue visit once (R-LATE-15, R-RETURN-30) and print what was done. "
            "--now runs it as if at another time, for drills: a time later than now must come with "
            "--dry-run, which prints what would happen, writes nothing and notifies nobody. Only a "
            "scan at the real time counts as the watchdog's heartbeat.")

    def add_arguments(self, parser):
        parser.add_argument("--now", type=parse_now, default=None,
                            help="Scan as if at this ISO-8601 time (local time if no offset), for drills. "
                                 "Later than the current time only with --dry-run.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Print what the scan would do: no escalation written, nobody notified, no "
                                 "heartbeat.")

    def handle(self, *args, **options):
        real_now = timezone.now()
        now = options["now"] or real_now
        local = timezone.localtime(now)
        if options["dry_run"]:
            result = watchdog.preview(now)
            self.stdout.write(f"Dry run at {local:%Y-%m-%d %H:%M:%S %Z} (nothing written, nobody notified): "
                              f"{result.summary()}")
            for line in result.would_notify:
                self.stdout.write(f"  would alert {line}")
            return
        if now > real_now + watchdog.REAL_TIME_TOLERANCE:
            raise CommandError(
                f"--now {local:%Y-%m-%d %H:%M %Z} is later than the current time "
                f"({timezone.localtime(real_now):%H:%M %Z}): a scan then would escalate visits that are not due "
                "yet and send real alerts to real people. Add --dry-run to see what it would do.")
        result = watchdog.scan(now)
        self.stdout.write(f"Scan at {local:%Y-%m-%d %H:%M:%S %Z}: {result.summary()}")
