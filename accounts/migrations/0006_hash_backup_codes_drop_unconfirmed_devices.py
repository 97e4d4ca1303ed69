"""Two-factor data brought in line with accounts.twofactor:

- unconfirmed authenticator devices are deleted: a setup attempt now keeps its key in its own
  session, and an unconfirmed device left from before could be one a password thief saw;
- django-otp's static backup codes, stored in plain text, become hashed codes of our own
  BackupCodeDevice (the same codes keep working) and the plain-text rows are deleted.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import migrations


class _Hasher(PBKDF2PasswordHasher):
    # As accounts.backup_codes.BackupCodeHasher when this migration was written (the count is kept in each hash).
    iterations = 60_000


def forwards(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    BackupCodeDevice = apps.get_model("accounts", "BackupCodeDevice")
    BackupCode = apps.get_model("accounts", "BackupCode")

    TOTPDevice.objects.filter(confirmed=False).delete()
    hasher = _Hasher()
    for static in StaticDevice.objects.all():
        tokens = list(StaticToken.objects.filter(device=static).values_list("token", flat=True))
        if tokens:
            device = BackupCodeDevice.objects.create(user_id=static.user_id, name="Backup codes", confirmed=True)
            BackupCode.objects.bulk_create(
                BackupCode(device=device, code_hash=hasher.encode("".join(t.split()).lower(), hasher.salt()))
                for t in tokens
            )
    StaticToken.objects.all().delete()
    StaticDevice.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_security_records"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # Backwards: the hashes can't be turned back into codes (people make new ones).
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
