"""What the safety app does on the outbox's signals (notifications.signals)."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import receiver
from django.utils import timezone

from notifications.signals import alert_heard

from .escalations import acknowledge
from .models import Escalation

logger = logging.getLogger(__name__)


@receiver(alert_heard, dispatch_uid="safety.take-charge-on-key-press")
def take_charge_on_key_press(sender, notification, **kwargs):
    """Pressing 1 on an alert's call takes charge of it, as the link in the alert does."""
    if notification.escalation_id is None:
        return
    escalation = Escalation.objects.select_related("visit__school").filter(pk=notification.escalation_id).first()
    if escalation is None:
        return
    try:
        acknowledge(escalation, notification.recipient, now=timezone.now())
    except (PermissionDenied, ValidationError) as exc:  # closed or raised since; or no longer on the staff
        logger.info("Key press on notification %s not taken as charge: %s", notification.pk, exc)
