"""Fakes of the outside services' side, for tests that talk to them on loopback: a browser's push
subscription keys (web push, RFC 8291), and Twilio's and GOV.UK Notify's fake accounts, Twilio's request signature and its
documented list and record answers."""

import base64
import datetime
import email.utils
import hashlib
import hmac
import json
import os
import uuid

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug import Response


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A subscriber's keys, as the browser makes them for PushManager.subscribe()."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self, endpoint):
        point = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                           serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        return json.loads(http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"))


# The fake Twilio account (tests/test_twilio.py and every test of a Twilio callback).
ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "f" * 32
FROM = "+441234567890"


def signed(url, params, token=TOKEN):
    """X-Twilio-Signature as Twilio documents it: HMAC-SHA1 (auth token) of the full URL followed by
    each POST parameter's name and value, sorted by name; base64."""
    text = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def rfc2822(moment):
    return email.utils.format_datetime(moment.astimezone(datetime.UTC), usegmt=False).replace("-0000", "+0000")


def listed(kind, records):
    """Twilio's documented list answer: the records under their kind's name, and the paging fields."""
    uri = f"/2010-04-01/Accounts/{ACCOUNT}/{kind.capitalize()}.json?PageSize=50&Page=0"
    return Response(json.dumps({kind: records, "end": len(records) - 1, "first_page_uri": uri, "next_page_uri": None,
                                "page": 0, "page_size": 50, "previous_page_uri": None, "start": 0, "uri": uri}),
                    status=200, content_type="application/json")


def message_record(sid, created, body="Alert: Sam Jones is late back.", to="+447700900123", from_=FROM,
                   status="delivered", service=None):
    return {"sid": sid, "account_sid": ACCOUNT, "api_version": "2010-04-01", "body": body, "to": to, "from": from_,
            "messaging_service_sid": service, "status": status, "direction": "outbound-api",
            "date_created": rfc2822(created), "date_updated": rfc2822(created), "date_sent": rfc2822(created),
            "error_code": None, "error_message": None, "num_media": "0", "num_segments": "1", "price": None,
            "price_unit": "GBP", "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json", "subresource_uris": {}}


# The fake GOV.UK Notify service and its SMS template (tests/test_govuk_notify.py, the fault drills).
SERVICE_ID = str(uuid.uuid4())


SECRET = str(uuid.uuid4())


API_KEY = f"homevisits_live-{SERVICE_ID}-{SECRET}"


SMS_TEMPLATE = str(uuid.uuid4())


MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
