"""Delivery receipts applied to the outbox: a provider's report moves a notification's status on
(never backwards, providers.advance), once per report, whatever order the reports arrive in."""

import logging

from django.db import transaction
from django.utils import timezone

from .models import Channel, DeliveryStatus, Notification
from .providers import Receipt, advance
from .signals import alert_heard

logger = logging.getLogger(__name__)


def notification_for(receipt: Receipt, channels=None) -> Notification | None:
    """The notification a receipt is about: by our reference (Notify echoes it, Twilio's callback
    addresses and push receipts carry it), so a receipt that arrives before the worker saved the
    provider's id still finds its row; else by the provider's id (callbacks from before references)."""
    notes = Notification.objects.all()
    if channels:
        notes = notes.filter(channel__in=channels)
    if receipt.reference:
        for note in notes.filter(pk=_pk_in(receipt.reference)):
            if note.message_id == receipt.reference:
                return note
    if receipt.provider_reference:
        return notes.filter(provider_reference=receipt.provider_reference).order_by("pk").first()
    return None


def _pk_in(reference: str) -> int | None:
    # Our references are Notification.message_id: "<notification-<pk>.<digest>@<host>>".
    head = reference.removeprefix("<notification-").partition(".")[0]
    return int(head) if head.isdigit() else None


def apply(receipt: Receipt, now=None, channels=None) -> Notification | None:
    """Record a receipt on its notification; None when no notification is known by it."""
    now = now or timezone.now()
    with transaction.atomic():
        note = notification_for(receipt, channels)
        if note is None:
            logger.warning("A %s receipt for an unknown message (%s) was ignored.", receipt.provider,
                           receipt.provider_reference or receipt.reference)
            return None
        note = Notification.objects.select_for_update().get(pk=note.pk)
        before = note.status
        current = None if before == DeliveryStatus.QUEUED and not note.provider else before
        status = DeliveryStatus(advance(current, receipt.status).value)
        if note.channel == Channel.VOICE and status == DeliveryStatus.DELIVERED and not receipt.heard \
                and before != DeliveryStatus.DELIVERED:
            status = DeliveryStatus(before)  # a call is delivered only by a key press, never by a status
        if status == DeliveryStatus.QUEUED:
            status = DeliveryStatus.SENT  # a receipt proves the provider has it: no longer ours to send
        note.status = status
        note.reported_at = now
        note.provider_detail = " ".join(filter(None, [receipt.detail, receipt.answered_by]))[:100]
        heard_now = status == DeliveryStatus.DELIVERED and before != DeliveryStatus.DELIVERED
        if heard_now:
            note.delivered_at = now
        fields = ["status", "reported_at", "provider_detail", "delivered_at"]
        if not note.provider_reference and receipt.provider_reference:
            # Before the worker saved it (it may have died): later receipts then find it by this too.
            note.provider, note.provider_reference = receipt.provider[:40], receipt.provider_reference[:200]
            fields += ["provider", "provider_reference"]
        note.save(update_fields=fields)
        # A key press heard for the first time: the caller tells the apps above (heard), once.
        note.heard_now = bool(heard_now and receipt.heard)
    return note


def heard(note: Notification) -> str:
    """Tell the apps above that a person heard the alert (after the receipt is saved), and return what
    they answer in words for the rest of the call ("You have taken charge of this alert."), or ""."""
    answers = alert_heard.send(sender=Notification, notification=note)
    return next((answer for _, answer in answers if isinstance(answer, str) and answer), "")
