"""The devices that take a person's push alerts, as their browsers subscribe them.

A push alert goes to every device of the person, one after another on the push queue
(notifications.tasks), so the number a person may have is capped (MAX_DEVICES_PER_PERSON): a script
saving thousands of subscriptions would otherwise hold up that queue, everyone's alerts behind its
own. A new device past the cap replaces the person's longest-unused one."""

from django.db import transaction
from django.db.models import F

from .models import PushSubscription

MAX_DEVICES_PER_PERSON = 10


def keep(user, subscription: dict, label: str) -> tuple[PushSubscription, bool]:
    """Save a checked subscription (webpush.check_subscription) as `user`'s: one row per endpoint, a
    device that changed hands moves to whoever subscribed it last. Returns (device, created)."""
    with transaction.atomic():
        device, created = PushSubscription.objects.update_or_create(
            endpoint=subscription["endpoint"],
            defaults={"user": user, "p256dh": subscription["keys"]["p256dh"], "auth": subscription["keys"]["auth"],
                      "user_agent": label})
        # Locked so that two subscriptions saved at once still leave at most the cap.
        mine = list(PushSubscription.objects.select_for_update().filter(user=user).exclude(pk=device.pk)
                    .order_by(F("last_success_at").desc(nulls_last=True), "-created_at", "-pk").values_list("pk", flat=True))
        surplus = mine[MAX_DEVICES_PER_PERSON - 1:]
        if surplus:
            PushSubscription.objects.filter(pk__in=surplus).delete()
    return device, created
