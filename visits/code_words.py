"""Code words at rest (R-SAFEWORD): re-encrypting them with the newest key after a key rotation.
The encryption itself is the field's (homevisits/crypto.py, Visit.code_word)."""

from django.db import connection, models, transaction
from django.db.models.functions import Cast

from homevisits import crypto

from .models import Visit


def _stored(queryset):
    """(id, stored token) pairs, read without decrypting."""
    return (queryset.exclude(code_word="").annotate(stored=Cast("code_word", models.TextField()))
            .values_list("pk", "stored"))


def count_not_under_newest_key() -> tuple[int, int]:
    """(code words still encrypted with an older key, code words in all)."""
    rows = list(_stored(Visit.objects.all()))
    return sum(1 for _pk, token in rows if not crypto.under_newest_key(token)), len(rows)


def reencrypt_code_words(batch_size: int = 500) -> int:
    """Encrypt every code word with the newest key (the first of FIELD_ENCRYPTION_KEYS) and return how
    many changed. Each batch is locked while it is rewritten, so an edit made meanwhile is not lost;
    a run that stops half-way is finished by running it again. Neither `updated_at` nor the change
    history moves: the words are the same."""
    ids = list(Visit.objects.exclude(code_word="").order_by("pk").values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            locked = Visit.objects.select_for_update().filter(pk__in=ids[start:start + batch_size])
            for pk, token in _stored(locked):
                if crypto.under_newest_key(token):
                    continue
                Visit.objects.filter(pk=pk).update(code_word=models.Value(crypto.rotate(token)))
                changed += 1
    return changed


def check_keys() -> str | None:
    """Before the stack starts (`manage.py preflight`): make sure there is a key (generating the key
    file on a first start) and that it opens the code words already stored. None if all is well, else
    one line saying what is wrong. Before the code words are migrated to encryption, only the key."""
    try:
        crypto.fernet()
        if Visit._meta.db_table not in connection.introspection.table_names():
            return None  # a first start: migrate comes next
        newest = _stored(Visit.objects.order_by("-pk")).first()
        # A stored word that is no token at all is one the migration has still to encrypt.
        if newest is not None and crypto.looks_encrypted(newest[1]):
            crypto.decrypt(newest[1])
    except crypto.EncryptionKeyError as exc:
        return str(exc)
    return None
