"""What the safety app does on the outbox's signals (notifications.signals) and when a school's
settings change (accounts.school_settings)."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import receiver
from django.utils import timezone

from accounts.school_settings import settings_changed
from notifications.outbox import ALERT_PREFIX
from notifications.signals import alert_heard, text_received
from visits.lifecycle import EventKind
from visits.models import VisitEvent

from . import texts
from .escalations import acknowledge
from .models import Escalation
from .watchdog import look_again

logger = logging.getLogger(__name__)


@receiver(alert_heard, dispatch_uid="safety.take-charge-on-key-press")
def take_charge_on_key_press(sender, notification, **kwargs) -> str:
    """Pressing 1 on an alert's call takes charge of it, as the link in the alert does. Answers what
    came of it in words for the call: taken, who already has it, or that it is over."""
    if notification.escalation_id is None:
        return ""
    escalation = Escalation.objects.select_related("visit__school").filter(pk=notification.escalation_id).first()
    if escalation is None:
        return ""
    if _sounded_again_since(notification, escalation):
        logger.info("Key press on notification %s not taken as charge: a code word came since", notification.pk)
        return "A newer alert has come since this call: it needs your attention."
    try:
        esc = acknowledge(escalation, notification.recipient, now=timezone.now())
    except (PermissionDenied, ValidationError) as exc:  # closed or raised since; or no longer on the staff
        logger.info("Key press on notification %s not taken as charge: %s", notification.pk, exc)
        return "This alert is no longer open to you."
    if esc.acknowledged_by_id == notification.recipient_id:
        return "You have taken charge of this alert."
    who = esc.acknowledged_by.get_full_name() or esc.acknowledged_by.get_username()
    return f"{who} has already taken charge of this alert."


def _sounded_again_since(notification, escalation) -> bool:
    """The call read an earlier alert than a code word that sounded the escalation again since
    (safety.escalations._sound_again records the reason): its 1 is no proof the code word was heard
    (R-CODEWORD). A repeat of an unacknowledged alert says the same, so a 1 on an older one counts."""
    prefix = f"{ALERT_PREFIX}{escalation.pk}:"
    number = notification.dedupe_key.removeprefix(prefix).partition(":")[0]
    if not notification.dedupe_key.startswith(prefix) or not number.isdigit():
        return False
    return VisitEvent.objects.filter(visit_id=escalation.visit_id, kind=EventKind.ALERT_REPEATED,
                                     data__alert__gt=int(number), data__has_key="reason").exists()


@receiver(text_received, dispatch_uid="safety.check-in-by-text")
def check_in_by_text(sender, user, text, key, now, **kwargs) -> str:
    """A member of staff's text to the school's number: the check-in it asks for (safety.texts)."""
    return texts.record(user, text.body, key, now)


@receiver(settings_changed, dispatch_uid="safety.look-again-under-new-settings")
def look_again_under_new_settings(sender, school, now, **kwargs):
    """A school's settings changed: its visits out now follow them from the next scan."""
    look_again(school.pk, now)
