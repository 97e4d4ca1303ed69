"""After a key rotation: encrypt every stored code word with the newest key, so the older keys can
be removed from FIELD_ENCRYPTION_KEYS (or the key file). README: "Code words at rest"."""

from django.core.management.base import BaseCommand, CommandError

from visits.code_words import count_not_under_newest_key, reencrypt_code_words


class Command(BaseCommand):
    help = ("Re-encrypt every code word with the first key of FIELD_ENCRYPTION_KEYS (or of the key file); "
            "with --check, only count those still under an older key.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Count only; change nothing.")

    def handle(self, *args, check=False, **options):
        if not check:
            changed = reencrypt_code_words()
            self.stdout.write(f"Re-encrypted {changed} code word(s) with the newest key.")
        older, total = count_not_under_newest_key()
        if older:
            message = f"{older} of {total} code word(s) are still encrypted with an older key."
            if check:
                self.stdout.write(message + " Run `manage.py reencrypt_code_words` before removing it.")
                return
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(
            f"All {total} code word(s) are encrypted with the newest key: the older keys can be removed."))
