"""Texts to the school's number, as the providers send them (for the check-in-by-text tests):
a Twilio incoming-message webhook signed with the account's token, a GOV.UK Notify received-text
callback with its bearer token, and the replies the outbox queued."""

import json
import uuid
from unittest import mock

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from notifications.models import Notification

SITE = "https://visits.school.example"
TOKEN = "t" * 32
NOTIFY_TOKEN = "a-long-random-token-for-received-texts"


@pytest.fixture
def _providers(settings):
    settings.SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.NOTIFY_CALLBACK_TOKEN = NOTIFY_TOKEN
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


def twilio_text(client, body, sender="+447700900101", sid=None, signature=None):
    """A text from `sender`; each a new message unless `sid` says it is the same one again."""
    address = reverse("notifications:twilio_received_text")
    sid = sid or "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender,
              "To": "+441604496000", "Body": body, "NumMedia": "0"}
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(f"{SITE}{address}", params)
    return client.post(address, params, HTTP_X_TWILIO_SIGNATURE=signature)


def notify_text(client, body, sender="447700900101", id_=None, token=NOTIFY_TOKEN):
    payload = {"id": id_ or str(uuid.uuid4()), "source_number": sender, "destination_number": "07700900000",
               "message": body, "date_received": "2026-11-24T09:40:00.000000Z", "notification_type": "sms"}
    return client.post(reverse("notifications:notify_received_text"), json.dumps(payload),
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def replies(user):
    return [n.body for n in Notification.objects.filter(recipient=user, dedupe_key__startswith="reply:")
            .order_by("pk")]
