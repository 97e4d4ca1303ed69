"""Code words at rest: the column becomes text and every code word already stored is encrypted with
the newest key (homevisits/crypto.py). Reversible: going back decrypts them into the old column."""

from django.db import migrations, models
from django.db.models.functions import Cast

import homevisits.crypto


def _raw_code_words(Visit):
    """(id, stored text) of every visit with a code word, read without decrypting."""
    return (Visit.objects.exclude(code_word="").exclude(code_word__isnull=True)
            .annotate(stored=Cast("code_word", models.TextField())).values_list("pk", "stored").iterator())


def encrypt_existing(apps, schema_editor):
    from homevisits import crypto

    Visit = apps.get_model("visits", "Visit")
    for pk, stored in _raw_code_words(Visit):
        if not crypto.is_token(stored):  # run twice (or after a partial run): each word once
            Visit.objects.filter(pk=pk).update(code_word=models.Value(crypto.encrypt(stored)))


def decrypt_existing(apps, schema_editor):
    from homevisits import crypto

    Visit = apps.get_model("visits", "Visit")
    for pk, stored in _raw_code_words(Visit):
        if crypto.is_token(stored):
            Visit.objects.filter(pk=pk).update(code_word=models.Value(crypto.decrypt(stored)))


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0003_history_and_anonymised_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='visit',
            name='code_word',
            field=homevisits.crypto.EncryptedCharField(blank=True, help_text='R-SAFEWORD: said on the phone in distress.', max_length=50),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
