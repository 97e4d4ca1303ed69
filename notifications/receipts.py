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
    """The notification a receipt is about: by the provider's id, else by our reference."""
    notes = Notification.objects.all()
    if channels:
        notes = notes.filter(channel__in=channels)
    if receipt.provider_reference:
        note = notes.filter(provider_reference=receipt.provider_reference).order_by("pk").first()
        if note is not None:
            return note
    if receipt.reference:
        for note in notes.filter(pk=_pk_in(receipt.reference)):
            if note.message_id == receipt.reference:
                return note
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
        note.status = status
        note.reported_at = now
        note.provider_detail = " ".join(filter(None, [receipt.detail, receipt.answered_by]))[:100]
        heard_now = status == DeliveryStatus.DELIVERED and before != DeliveryStatus.DELIVERED
        if heard_now:
            note.delivered_at = now
        note.save(update_fields=["status", "reported_at", "provider_detail", "delivered_at"])
        if heard_now and receipt.heard:
            transaction.on_commit(lambda: alert_heard.send(sender=Notification, notification=note))
    return note
