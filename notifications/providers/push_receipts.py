"""Push receipts: the service worker tells us a push was shown on the device.

Push services give no delivery receipts, so the push carries a receipt URL of ours
(Message.status_callback) holding a signed token for the message's reference; the service worker
POSTs to it when it has shown the notification. The token is the only credential (the device's
session may have expired): signed with SECRET_KEY, bound to one reference, and only good for as long
as the push itself lives.
"""

from django.conf import settings
from django.core import signing

from .base import CallbackRefused, Delivery
from .receipts import Receipt

SALT = "notifications.push-receipt"


def make_token(reference: str) -> str:
    return signing.dumps(reference, salt=SALT, compress=False)


def read_token(token: str, max_age: int | None = None) -> Receipt:
    """The receipt for a token from a receipt URL, or CallbackRefused (forged, altered or too old)."""
    try:
        reference = signing.loads(token, salt=SALT, max_age=max_age or settings.PUSH_TTL_SECONDS + 600)
    except signing.BadSignature as exc:  # SignatureExpired is one
        raise CallbackRefused(f"Push receipt refused ({type(exc).__name__})") from exc
    if not isinstance(reference, str) or not reference:
        raise CallbackRefused("Push receipt without a reference")
    return Receipt(provider="webpush", provider_reference="", reference=reference, status=Delivery.DELIVERED,
                   detail="shown on the device")
