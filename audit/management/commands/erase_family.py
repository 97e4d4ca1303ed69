"""Erase (anonymise) one family now, on a decided erasure request: `manage.py erase_family ID --confirm`.
`--dry-run` reports what would be done and changes nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import retention
from visits.models import Family


class Command(BaseCommand):
    help = "Anonymise one family and its safeguarding concerns now (erasure request), as retention would."

    def add_arguments(self, parser):
        parser.add_argument("family_id", type=int)
        parser.add_argument("--dry-run", action="store_true", help="Report what would be done; change nothing.")
        parser.add_argument("--confirm", action="store_true", help="Required to really erase.")

    def handle(self, *args, family_id, dry_run, confirm, **options):
        family = Family.objects.filter(pk=family_id).first()
        if family is None or family.anonymised_at is not None:
            raise CommandError(f"No family {family_id} with personal data to erase.")
        if not dry_run and not confirm:
            raise CommandError("This cannot be undone. Run with --dry-run to see what it does, then with --confirm.")
        report = retention.erase_family(family_id, timezone.now(), dry_run=dry_run)
        self.stdout.write(f"{'Dry run, nothing changed' if dry_run else 'Erased'}: family {family_id} ({family.school}):")
        for line in report.lines():
            self.stdout.write(f"  {line}")
