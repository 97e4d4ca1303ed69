from pathlib import Path

from django.core.management.base import BaseCommand

from misimport import samples


class Command(BaseCommand):
    help = "Write a made-up SIMS-style pupil export (and a staff export) to try the MIS import with."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", default=".")
        parser.add_argument("--pupils", type=int, default=600)

    def handle(self, folder, pupils, **options):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "mis-pupils.csv").write_bytes(samples.to_csv(samples.pupil_rows(pupils)))
        (folder / "mis-staff.csv").write_bytes(samples.to_csv(samples.staff_rows()))
        self.stdout.write(f"Wrote {folder / 'mis-pupils.csv'} and {folder / 'mis-staff.csv'}")
