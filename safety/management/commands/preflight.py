"""Checks the database, the key for code words at rest and the broker before the stack starts, with one
clear line if one of them is wrong (a first start generates the key); then reports, one line each,
what would stop an alert reaching someone (safety.readiness), without stopping the start."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from safety.health import check_broker, check_database
from safety.readiness import preflight_lines
from visits.code_words import check_keys


def _safe_url(url: str) -> str:
    # Never print a password: keep scheme, host and path only.
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class Command(BaseCommand):
    help = "Check that the database and the Celery broker answer; exit non-zero with one clear line if not."

    def add_arguments(self, parser):
        parser.add_argument("--connections-only", action="store_true",
                            help="Only the database, the broker and the key (before migrating).")
        parser.add_argument("--alert-chains-only", action="store_true",
                            help="Only who would not hear an alert (once the database is migrated).")

    def handle(self, *args, **options):
        if not options["alert_chains_only"]:
            self.connections()
        if not options["connections_only"]:
            # Who would not hear an alert, one line each: reported, never a reason not to start.
            for serious, line in preflight_lines():
                self.stdout.write(self.style.WARNING(line) if serious else line)

    def connections(self):
        ok, detail = check_database()
        if not ok:
            name = connection.settings_dict.get("NAME")
            raise CommandError(
                f"The database is not reachable ({detail}) at {connection.vendor} '{name}'. "
                "Check DATABASE_URL and that the database server is running."
            )
        problem = check_keys()
        if problem:
            raise CommandError(problem)
        ok, detail = check_broker()
        if not ok:
            raise CommandError(
                f"The Celery broker is not reachable ({detail}) at {_safe_url(settings.CELERY_BROKER_URL)}. "
                "Check CELERY_BROKER_URL and that the broker (e.g. Redis) is running, "
                "or unset it to use the embedded broker."
            )
        self.stdout.write(self.style.SUCCESS("Database and broker are reachable; the code-word key opens the code words."))
