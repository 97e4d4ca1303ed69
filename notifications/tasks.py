"""Delivery of recorded notifications: one Celery task per message, at least once, each channel on
its own queue (`queue_for`), so a slow or failing provider holds up only its own channel."""

import logging
import re
from urllib.parse import urlencode

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from homevisits.celery import AfterCommitTask

from .models import Channel, DeliveryStatus, Notification, PushSubscription
from .providers import Delivery, Message, ProviderError, SendResult, SubscriptionGone, get_provider, push_receipts

logger = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 5
# Backoff between attempts after a temporary failure: 5 s, 10 s, 20 s, ... at most this.
MAX_BACKOFF_SECONDS = 300


def queue_for(channel) -> str:
    """The Celery queue of a channel's deliveries (CELERY_TASK_QUEUES lists them; a worker started
    without -Q consumes them all)."""
    return f"notifications.{Channel(channel).value}"


# The task keeps the name it was registered under before the outbox became an app of its own, so
# messages already waiting on the broker at an upgrade are still delivered.
@shared_task(bind=True, base=AfterCommitTask, name="safety.tasks.deliver_notification", ignore_result=True,
             max_retries=MAX_DELIVERY_ATTEMPTS - 1)
def deliver_notification(self, pk: int):
    """Send one recorded notification through its channel's provider: at least once, and
    recognisably the same message if twice.

    The attempt is committed before the message goes to the provider, so the row always shows it;
    a worker killed after the provider accepted the message, before the result was recorded, leaves
    the row queued with `sending_since` set. The next attempt (once that lease is over) first asks
    the provider whether it already has the message (`already_sent`, where the provider can say:
    GOV.UK Notify by our reference, Twilio by number, words and time) and records what it says
    instead of sending again; where the provider cannot say (web push, SMTP) it sends again with the
    same reference (Message-ID, push tag). While one worker is sending, another copy of the task
    leaves it alone, and a row that has left "queued" is never sent again. A temporary failure is
    retried with backoff (at most MAX_DELIVERY_ATTEMPTS attempts, then "temporary failure"); a
    permanent one is recorded at once. Either way the person's next channel takes over (outbox.fall_back)."""
    try:
        claimed = _claim(pk)
    except DatabaseError as exc:
        # The database is away for a moment: try again soon rather than wait for the scan's hand-over.
        logger.warning("Notification %s not claimed (%s); retrying.", pk, type(exc).__name__)
        raise self.retry(countdown=10, exc=exc) from exc  # to the queue it came from (its routing key)
    if claimed is None:
        return
    note, unknown_since = claimed
    try:
        result = _send(note, unknown_since)
    except ProviderError as exc:
        _record_failure(pk, exc)
        return
    except Exception as exc:  # a provider that raised something else: treat it as a temporary failure
        _record_failure(pk, ProviderError(f"{type(exc).__name__}: {exc}", permanent=False))
        return
    _record_result(pk, result, note.message_id)


# An earlier attempt whose outcome we do not know, began at an unknown time (it ended in an error).
AFTER_AN_ERROR = object()


def _claim(pk):
    """Record the attempt (committed) and return the row to send with what is known of the attempt
    before it, or None when there is nothing to do. The second value is when an unfinished attempt
    began (its lease left behind: the worker died), AFTER_AN_ERROR when an earlier attempt failed,
    or None on the first attempt."""
    now = timezone.now()
    lease = timezone.timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
    with transaction.atomic():
        note = (Notification.objects.select_for_update(of=("self",)).select_related("recipient__profile")
                .filter(pk=pk).first())
        if note is None or note.status != DeliveryStatus.QUEUED:
            return None  # already sent (or given up)
        if note.sending_since is not None and now - note.sending_since < lease:
            return None  # another worker is sending it right now
        if note.sending_since is not None:
            before = note.sending_since  # that worker died: the provider may have the message
        else:
            before = AFTER_AN_ERROR if note.attempts else None
        note.attempts += 1
        note.sending_since = now
        note.save(update_fields=["attempts", "sending_since"])
    return note, before


def _record_result(pk, result: SendResult, message_id: str) -> None:
    status = DeliveryStatus(result.status.value)
    if status == DeliveryStatus.QUEUED:
        status = DeliveryStatus.SENT  # the provider has it: it is no longer ours to send
    now = timezone.now()
    fields = dict(sent_at=now, last_error="", sending_since=None, provider=result.provider[:40],
                  provider_reference=(result.reference or message_id)[:200])
    if not Notification.objects.filter(pk=pk, status=DeliveryStatus.QUEUED).update(
            status=status, delivered_at=now if status == DeliveryStatus.DELIVERED else None, **fields):
        # A receipt (found by our reference) came back before this: it has the last word on the
        # status, and may have named the provider already (receipts.apply).
        Notification.objects.filter(pk=pk).update(sending_since=None, last_error="")
        Notification.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=now)
        Notification.objects.filter(pk=pk, provider_reference="").update(
            provider=fields["provider"], provider_reference=fields["provider_reference"])


def _record_failure(pk, exc: ProviderError) -> None:
    with transaction.atomic():
        note = Notification.objects.select_for_update().filter(pk=pk, status=DeliveryStatus.QUEUED).first()
        if note is None:
            return
        note.last_error = f"{exc.message}"[:300]
        note.sending_since = None
        if exc.permanent:
            note.status = DeliveryStatus.PERMANENT_FAILURE
        elif note.attempts >= MAX_DELIVERY_ATTEMPTS:
            note.status = DeliveryStatus.TEMPORARY_FAILURE
        logger.warning("Notification %s (%s) failed, attempt %s%s: %s", pk, note.channel, note.attempts,
                       " (permanent)" if exc.permanent else "", note.last_error)
        if note.status == DeliveryStatus.QUEUED:
            countdown = min(MAX_BACKOFF_SECONDS, 5 * 2 ** (note.attempts - 1))
            if exc.retry_after:
                countdown = max(countdown, min(MAX_BACKOFF_SECONDS, int(exc.retry_after + 0.999)))
            note.next_attempt_at = timezone.now() + timezone.timedelta(seconds=countdown)
            channel = note.channel
            _retry_later(pk, countdown, channel)
        note.save(update_fields=["attempts", "last_error", "status", "sending_since", "next_attempt_at"])


def _retry_later(pk, countdown, channel):
    """Queue the next attempt once the failure is committed. If the broker refuses it, the scan's
    resend_pending picks the row up when it is due."""
    deliver_notification.apply_on_commit([((pk,), {}, {"countdown": countdown, "queue": queue_for(channel)})],
                                         done=lambda queued, refused: _retry_handed_over(pk, bool(queued)))


def _retry_handed_over(pk, queued: bool) -> None:
    if not queued:
        logger.warning("Notification %s retry not queued; the next scan will.", pk)
    Notification.objects.filter(pk=pk).update(handed_over_at=timezone.now() if queued else None)


def _site(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


# An address in a message's text, with the few words that label it ("Take charge: https://...").
_LINK = re.compile(r"(?:\s+[\w' ]{1,30}:)?\s*https?://\S+")


def _own_link(body: str) -> str:
    """The last address of this site in a message's text (an alert's own "Take charge" link), for a
    push to open; empty when there is none."""
    site = settings.SITE_URL.rstrip("/") + "/"
    found = [url for url in re.findall(r"https?://\S+", body) if url.startswith(site)]
    return found[-1] if found else ""


def spoken(text: str) -> str:
    """A message's text as a call reads it: without its web addresses (a call cannot be tapped, and an
    address read aloud is a minute of noise before "press 1")."""
    return _LINK.sub("", text).strip()


def _one_text(subject: str, body: str) -> str:
    """A text message or a call has no subject line: the subject leads, unless the body already
    begins with it (then it would be read out twice)."""
    text = body if body.startswith(subject) else f"{subject}. {body}"
    return text[:480]


def message_for(note: Notification, to) -> Message:
    """The provider's view of a notification: its address, its text, and where receipts go."""
    channel = Channel(note.channel)
    status_callback = gather_action = ""
    # Twilio keeps no reference of ours, so its callbacks carry it in their address (covered by its
    # signature): a receipt or a key press finds the row before the worker saved Twilio's sid.
    ours = urlencode({"reference": note.message_id})
    if channel in (Channel.SMS, Channel.VOICE):
        status_callback = _site(f"{reverse('notifications:twilio_status')}?{ours}")
    if channel == Channel.VOICE:
        gather_action = _site(f"{reverse('notifications:twilio_gather')}?{ours}")
    if channel == Channel.PUSH:
        status_callback = _site(reverse("notifications:push_receipt",
                                        args=[push_receipts.make_token(note.message_id)]))
    body = note.body if channel in (Channel.EMAIL, Channel.PUSH) else _one_text(note.subject, note.body)
    if channel == Channel.VOICE:
        body = spoken(body)
    url = _own_link(note.body) or (_site(note.visit.get_absolute_url()) if note.visit_id else "")
    return Message(channel=channel, to=to, body=body, reference=note.message_id, subject=note.subject,
                   url=url, status_callback=status_callback, gather_action=gather_action)


def _send(note: Notification, unknown_since=None) -> SendResult:
    """Hand the message to the channel's provider (notifications.providers.get_provider), unless an
    earlier attempt's outcome is unknown and the provider says it has the message already."""
    channel = Channel(note.channel)
    provider = get_provider(channel)
    if channel == Channel.PUSH:
        return _send_push(note, provider)
    if channel == Channel.EMAIL:
        message = message_for(note, note.recipient.email)
    else:
        mobile = getattr(getattr(note.recipient, "profile", None), "mobile", None)
        if not mobile:
            raise ProviderError("No mobile number on the person's profile", permanent=True)
        message = message_for(note, str(mobile))
    if unknown_since is not None:
        found = _already_sent(note, provider, message, None if unknown_since is AFTER_AN_ERROR else unknown_since)
        if found is not None:
            return found
    return provider.send(message)


def _already_sent(note: Notification, provider, message: Message, since) -> SendResult | None:
    """What the provider says it already has of this message, or None (send it). A look-up that
    fails, or finds a message another notification has already recorded as its own, sends: an alert
    twice is better than not at all."""
    lookup = getattr(provider, "already_sent", None)
    if lookup is None:
        return None
    try:
        found = lookup(message, since)
    except Exception as exc:  # ProviderError or anything else: the provider could not tell
        logger.warning("Notification %s: could not ask %s whether it already has it (%s); sending.",
                       note.pk, getattr(provider, "name", "the provider"), getattr(exc, "message", exc))
        return None
    if found is None:
        return None
    if found.reference and Notification.objects.filter(provider=found.provider, provider_reference=found.reference) \
            .exclude(pk=note.pk).exists():
        return None  # that one is another notification's (the same words to the same number)
    logger.info("Notification %s: %s already has it (%s), from an earlier attempt; not sent again.",
                note.pk, found.provider, found.reference or "no id")
    return found


def _send_push(note: Notification, provider) -> SendResult:
    """A push to every device of the person: sent when one push service took it. A device whose
    subscription is gone (404/410) is deleted; with none left the failure is permanent."""
    devices = list(PushSubscription.objects.filter(user=note.recipient).order_by("pk"))
    if not devices:
        raise ProviderError("No device of the person takes push alerts", permanent=True)
    results, errors = [], []
    for device in devices:
        try:
            results.append(provider.send(message_for(note, device.as_webpush())))
        except SubscriptionGone as exc:
            logger.info("Push subscription %s of user %s is gone; deleted.", device.pk, note.recipient_id)
            device.delete()
            errors.append(exc)
        except ProviderError as exc:
            PushSubscription.objects.filter(pk=device.pk).update(last_failure_at=timezone.now(),
                                                                 last_error=exc.message[:300])
            errors.append(exc)
        else:
            PushSubscription.objects.filter(pk=device.pk).update(last_success_at=timezone.now(), last_error="")
    if results:
        # Push services give no id worth keeping; the receipt comes back by our reference.
        return SendResult(results[0].provider, "", Delivery.SENT)
    temporary = [e for e in errors if not e.permanent]
    if temporary:
        raise ProviderError("; ".join(e.message for e in temporary), permanent=False,
                            retry_after=max((e.retry_after or 0 for e in temporary), default=0) or None)
    raise ProviderError("; ".join(e.message for e in errors), permanent=True)
