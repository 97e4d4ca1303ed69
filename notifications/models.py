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
    """The values are the providers' (notifications.providers.base.Channel)."""

    PUSH = "push", "Push"
    SMS = "sms", "SMS"
    VOICE = "voice", "Call"
    EMAIL = "email", "Email"


class DeliveryStatus(models.TextChoices):
    """queued -> sent -> delivered | temporary failure | permanent failure | not answered. The values
    are the providers' normalized statuses (notifications.providers.base.Delivery).

    QUEUED is ours until a provider has taken the message (a failed attempt that will be retried
    stays queued); a provider's later reports move it on with providers.advance."""

    QUEUED = "queued", "Waiting to send"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    TEMPORARY_FAILURE = "temporary-failure", "Not delivered"
    PERMANENT_FAILURE = "permanent-failure", "Failed"
    NOT_ANSWERED = "not-answered", "Not answered"

    @classmethod
    def undelivered(cls) -> tuple[str, ...]:
        """The final statuses of a message that reached nobody."""
        return (cls.TEMPORARY_FAILURE, cls.PERMANENT_FAILURE, cls.NOT_ANSWERED)


# The names from before delivery receipts (the board and older code use them): waiting to send, and
# given up after the last retry. Aliases, not members (a choice has one name).
DeliveryStatus.PENDING = DeliveryStatus.QUEUED
DeliveryStatus.FAILED = DeliveryStatus.TEMPORARY_FAILURE


class Notification(models.Model):
    """One message to one person on one channel, recorded before it is sent.

    `dedupe_key` makes "the same alert to the same person on the same channel" a single row, so a
    retried scan or task records it once. Delivery is at least once: each attempt is committed
    before the message is handed to the provider. After a worker died between the provider accepting
    it and the answer being saved, the next attempt first asks a provider that can tell (GOV.UK
    Notify, Twilio: `already_sent`) and sends only when it has not got it; to the others it is sent
    again with the same `message_id`, by which mail clients merge the repeat and a phone replaces a
    push with the same tag.
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
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
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
    provider_reference = models.CharField(max_length=200, blank=True, db_index=True)
    # Who carried it (SendResult.provider: "notify", "twilio", "webpush", "console", ...).
    provider = models.CharField(max_length=40, blank=True)
    # When a provider last reported on it, and when it was confirmed delivered (a call: 1 pressed).
    reported_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The provider's own word for the last report (and a call's answering-machine verdict).
    provider_detail = models.CharField(max_length=100, blank=True)
    # The alert level it was sent at, for an escalation's alerts: these reach a person channel by
    # channel (NOTIFICATION_CHANNEL_ORDER, outbox.fall_back). Empty for other messages.
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    # Set when fall_back has moved this person on to their next channel, so it does so once.
    fell_back_at = models.DateTimeField(null=True, blank=True)
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


class PushSubscription(models.Model):
    """One browser or phone that accepted web push for a person. The push service's 404 or 410
    deletes it (the subscription is gone; the person is then reached by their other channels)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField("device", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["user", "-created_at"]

    def __str__(self):
        return f"{self.user}: {self.user_agent or 'a device'}"

    @property
    def name(self) -> str:
        """What the person sees the device as ("Chrome on Android")."""
        return self.user_agent or "A browser"

    @property
    def failing(self) -> bool:
        """The last push to it failed (and none has gone through since)."""
        return self.last_failure_at is not None and (self.last_success_at is None
                                                     or self.last_failure_at > self.last_success_at)

    def as_webpush(self) -> dict:
        """The subscription as PushSubscription.toJSON() gives it (what pywebpush takes)."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
