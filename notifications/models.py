"""The outbox: one row per message to one person on one channel, recorded before it is sent.

The lowest app but accounts: it imports no other app. What a message is about (a visit, an
escalation) is a foreign key by name ("visits.Visit", "safety.Escalation"), never a Python import,
so the apps above hand their messages down and the outbox never calls up.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One message to one person on one channel, recorded before it is sent.

    `dedupe_key` makes "the same alert to the same person on the same channel" a single row, so a
    retried scan or task records it once. Delivery is at least once: each attempt is committed
    before the message is handed to the provider, so a worker that dies after the provider accepted
    it sends it again on the next attempt, with the same `message_id`, by which mail clients merge
    the repeat and a person (or the provider's logs) can tell it is one.
    """

    dedupe_key = models.CharField(max_length=120, unique=True)
    visit = models.ForeignKey("visits.Visit", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    escalation = models.ForeignKey(
        "safety.Escalation", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # After a failure: not before this time again (backoff).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When it was last handed to the broker; empty until the broker has taken it. A scan hands a
    # pending notification over again only when this is old (notifications.outbox.resend_pending).
    handed_over_at = models.DateTimeField(null=True, blank=True)
    # Set (and committed) by a worker before it hands the message to the provider, cleared when done.
    sending_since = models.DateTimeField(null=True, blank=True)
    # What the provider knows the message by (the email's Message-ID, the SMS provider's id).
    provider_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table it had in the safety app, before the outbox became an app of its own: no data moved.
        db_table = "safety_notification"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.get_channel_display()} to {self.recipient} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        """A Message-ID derived from the notification alone: the same on every attempt, so a repeat
        after a lost acknowledgement is recognisable as the same message."""
        digest = hashlib.sha256(self.dedupe_key.encode()).hexdigest()[:16]
        host = urlsplit(settings.SITE_URL).hostname or "homevisits.invalid"
        return f"<notification-{self.pk}.{digest}@{host}>"
