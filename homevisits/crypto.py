"""Secrets at rest: fields stored encrypted with a key kept outside the database (R-SAFEWORD: a
visit's code word). A copy of the database, a backup or a database login alone does not reveal them.

Keys (cryptography's Fernet: AES-128-CBC with an HMAC, each value with its own IV and time stamp):

* FIELD_ENCRYPTION_KEYS, comma-separated: the first encrypts, every one decrypts. To rotate, put a new
  key first, keep the old ones after it, run `manage.py reencrypt_code_words`, then drop the old ones.
* Otherwise the key file in the var directory (FIELD_ENCRYPTION_KEY_FILE, beside var/secret_key),
  generated on first start, readable by its owner only; it may hold several keys (one a line, the
  first encrypts) and is rotated the same way.

A value no configured key opens is an error, loudly (EncryptionKeyError), never an empty value or the
token shown as if it were the word. An empty value is stored empty (there is nothing to hide in it).
Values are not searchable: each encryption of the same word differs.
"""

import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

log = logging.getLogger("homevisits.security")


class EncryptionKeyError(ImproperlyConfigured):
    """The configured keys cannot open a stored value, or a key is not a Fernet key."""


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def write_once(path: Path, text: str) -> bool:
    """Write a new secret file, whole, to a private temporary file and link it into place, so web,
    worker and beat starting together agree on one (the first link wins; the others read it).
    Whether this process's text is the one kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False  # another process was first: its file is the one
    finally:
        temporary.unlink(missing_ok=True)
    return True


def _create_key_file(path: Path) -> None:
    if write_once(path, Fernet.generate_key().decode() + "\n"):
        log.warning("Generated a new key for code words at rest in %s. Back it up apart from the database: "
                    "without it the code words cannot be read.", path)


def configured_keys() -> list[str]:
    """The keys, newest (encrypting) first: from the environment, else the key file (made if missing)."""
    keys = [key for key in settings.FIELD_ENCRYPTION_KEYS if key.strip()]
    if keys:
        return [key.strip() for key in keys]
    return list(_key_file(str(settings.FIELD_ENCRYPTION_KEY_FILE)))


@lru_cache(maxsize=4)
def _key_file(name: str) -> tuple[str, ...]:
    """The key file's keys, read once per process (a rotation restarts web, worker and beat)."""
    path = Path(name)
    if not path.exists():
        _create_key_file(path)
    keys = tuple(_split(path.read_text()))
    if not keys:
        raise EncryptionKeyError(f"The key file {path} is empty. Restore it from the backup, or set "
                                 "FIELD_ENCRYPTION_KEYS.")
    return keys


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for number, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError:
            raise EncryptionKeyError(
                f"Field encryption key number {number} is not a Fernet key (44 characters of URL-safe base64; "
                "make one with: python -c \"from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())\")."
            ) from None
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    return _multifernet(tuple(configured_keys()))


def newest_fernet() -> Fernet:
    keys = tuple(configured_keys())
    _multifernet(keys)  # says which key is malformed, if one is
    return _single_fernet(keys[0])


@lru_cache(maxsize=4)
def _single_fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise EncryptionKeyError(
            "A value stored encrypted (a visit's code word) cannot be opened with the configured keys. "
            "Set FIELD_ENCRYPTION_KEYS (or restore the key file in the var directory) to the key it was "
            "written with; while rotating, keep the old keys after the new one."
        ) from None


def looks_encrypted(text: str) -> bool:
    """Whether `text` has the form of a Fernet token (whoever's key made it)."""
    return text.startswith("gAAAAA")


def is_token(text: str) -> bool:
    """Whether `text` is a value encrypted with one of the configured keys."""
    try:
        fernet().decrypt(text.encode())
    except InvalidToken:
        return False
    return True


def under_newest_key(token: str) -> bool:
    try:
        newest_fernet().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The same value, encrypted with the newest key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        decrypt(token)  # raises the error that says what to do
        raise


class EncryptedCharField(models.CharField):
    """A CharField (max_length counts the words typed, for forms and validation) stored encrypted in
    a text column. Lookups other than the empty string cannot match: compare in Python if ever needed."""

    description = "Text stored encrypted (Fernet)"

    def get_internal_type(self):
        return "TextField"  # the stored token is longer than the words, and its length varies

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
