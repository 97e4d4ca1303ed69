"""Anonymise what is past its school's retention period and say what was done (Celery beat runs
the same function weekly). `--dry-run` reports the same counts and changes nothing."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from audit import retention
from safety.management.commands.scan_overdue import parse_now


class Command(BaseCommand):
    help = "Apply each school's retention settings (UK GDPR): anonymise past-due families, visits and concerns."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would be done; change nothing.")
        parser.add_argument("--now", type=parse_now, default=None,
                            help="As if at this ISO-8601 time (local time if no offset).")

    def handle(self, *args, **options):
        now = options["now"] or timezone.now()
        report = retention.apply(now, dry_run=options["dry_run"])
        title = "Retention dry run (nothing changed)" if report.dry_run else "Retention applied"
        self.stdout.write(f"{title} at {timezone.localtime(now):%Y-%m-%d %H:%M %Z}:")
        for line in report.lines():
            self.stdout.write(f"  {line}")
