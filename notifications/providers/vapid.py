"""The server's VAPID key pair, which signs every push so push services know it is from us.

VAPID_PRIVATE_KEY (the raw P-256 private key in URL-safe base64 as web-push tools print it, a
base64 DER key, or a PEM) wins; otherwise a key generated on first start into VAPID_KEY_FILE in the
var directory (beside secret_key), readable by its owner only. Browsers subscribe with the public
half; changing the key makes every existing subscription useless (they must subscribe again), so
back the file up with the others.
"""

import base64
import logging
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid, VapidException

from homevisits.crypto import write_once

log = logging.getLogger("homevisits.security")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@lru_cache(maxsize=4)
def _from_env(text: str) -> Vapid:
    try:
        if "-----BEGIN" in text:
            return Vapid.from_pem(text.encode())
        return Vapid.from_string(text.strip())
    except (VapidException, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "VAPID_PRIVATE_KEY is not a VAPID private key (a P-256 key: raw URL-safe base64, DER or PEM). "
            "Unset it to have one generated, or see the README, 'Web push'."
        ) from exc


@lru_cache(maxsize=4)
def _from_file(name: str) -> Vapid:
    path = Path(name)
    if not path.exists():
        fresh = Vapid()
        fresh.generate_keys()
        if write_once(path, fresh.private_pem().decode()):
            log.warning("Generated a new VAPID key for web push in %s. Back it up: without it every "
                        "browser must subscribe to alerts again.", path)
    try:
        return Vapid.from_pem(path.read_bytes())
    except (VapidException, ValueError) as exc:
        raise ImproperlyConfigured(f"The VAPID key file {path} is damaged. Restore it from the backup, or "
                                   "delete it (every browser must then subscribe again).") from exc


def server_key() -> Vapid:
    if settings.VAPID_PRIVATE_KEY:
        return _from_env(settings.VAPID_PRIVATE_KEY)
    return _from_file(str(settings.VAPID_KEY_FILE))


def public_key() -> str:
    """The applicationServerKey browsers subscribe with: the uncompressed P-256 point, URL-safe base64."""
    raw = server_key().public_key.public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    return _b64url(raw)


def subject() -> str:
    """Who push services can contact about our pushes: VAPID_SUBJECT, else the site's address."""
    return settings.VAPID_SUBJECT or settings.SITE_URL.rstrip("/")
