"""Backup codes: made here, stored only as salted PBKDF2 hashes (like passwords, but cheaper: ten of
them are checked at a sign-in), so a copy of the database does not hold a single usable code.

Each code is 8 characters of base32 (40 random bits). With a salt and 60,000 rounds per code,
recovering one code from a stolen database costs weeks of a fast GPU, each code separately; the
sign-in page throttles online guessing (django-otp, accounts.models.BackupCodeDevice)."""

import base64
import secrets

from django.contrib.auth.hashers import PBKDF2PasswordHasher

CODE_COUNT = 10


class BackupCodeHasher(PBKDF2PasswordHasher):
    # Far fewer rounds than a password: a wrong backup code is checked against up to ten hashes.
    # The number is stored in each hash, so raising it later keeps old codes working.
    iterations = 60_000


_hasher = BackupCodeHasher()


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(5)).decode().lower()


def normalise(code: str) -> str:
    """People copy codes with spaces and capitals ("ABCD efgh"); compare them bare and lower-case."""
    return "".join(str(code).split()).lower()


def hash_code(code: str) -> str:
    return _hasher.encode(normalise(code), _hasher.salt())


def code_matches(code: str, encoded: str) -> bool:
    try:
        return _hasher.verify(normalise(code), encoded)
    except (ValueError, TypeError):
        return False
