"""Text messages to the school's number (GOV.UK Notify's received texts, or a Twilio number's
incoming messages), after the provider's check passed (notifications.views).

A text is matched to the one active member of staff whose registered mobile sent it; the apps above
act on it (signals.text_received: the safety app records the check-in it asks for) and say what came
of it, and that is sent back to them as a text through the outbox, like any other message, with its
own delivery receipt. A sender who matches nobody (or more than one person) is ignored: logged, with
only the last digits of the number, and never answered, so the school's number tells a stranger
nothing. A provider retrying its callback carries the same message id: the check-in is recorded once
(its idempotency key) and the reply sent once (its dedupe key).
"""

import logging

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.phone import to_uk_phone

from .models import Channel
from .outbox import queue
from .providers.receipts import ReceivedText
from .signals import text_received

logger = logging.getLogger(__name__)

NOT_UNDERSTOOD = "Home Visits: nothing was recorded. Text OK, LATE 20 (back in 20 minutes), BACK, or HELP."


def sender_of(number: str):
    """The one active member of staff whose mobile is `number`; None for nobody, or for more than one."""
    phone = to_uk_phone(number if number.startswith(("+", "0")) else f"+{number}")
    if phone is None or not getattr(phone, "is_valid", lambda: False)():
        return None
    people = list(get_user_model().objects.filter(is_active=True, profile__mobile=phone.as_e164)
                  .select_related("profile")[:2])
    return people[0] if len(people) == 1 else None


def key_of(text: ReceivedText) -> str:
    """The received message's own key (the provider and its id), for recording it once."""
    return f"sms:{text.provider}:{text.provider_reference}"[:64]


def receive(text: ReceivedText, now=None) -> str:
    """Act on a received text and queue the reply; the reply's words ("" for a sender ignored)."""
    now = now or timezone.now()
    user = sender_of(text.sender)
    if user is None:
        logger.warning("Text from an unknown number ending %s ignored (%s %s)", text.sender[-3:], text.provider,
                       text.provider_reference)
        return ""
    answers = [words for _, words in text_received.send(sender=ReceivedText, user=user, text=text, key=key_of(text),
                                                        now=now) if words]
    reply = answers[0] if answers else NOT_UNDERSTOOD
    queue([dict(dedupe_key=f"reply:{key_of(text)}", recipient=user, channel=Channel.SMS, subject="", body=reply,
                level=None)], now)
    return reply
