"""The devices that take a person's push alerts, as their browsers subscribe them.

A push alert goes to every device of the person, one after another on the push queue
(notifications.tasks), so the number a person may have is capped (MAX_DEVICES_PER_PERSON): a script
saving thousands of subscriptions would otherwise hold up that queue, everyone's alerts behind its
own. A new device past the cap replaces the person's longest-unused one.

A person removes their own devices here and sends themselves a test push ("Send me a test"), which
goes to all their devices and nowhere else, marked TEST, and is throttled per person like the
readiness page's test alerts are per school."""

import datetime
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from . import outbox
from .models import Channel, Notification, PushSubscription

logger = logging.getLogger(__name__)

MAX_DEVICES_PER_PERSON = 10
# A test push a person per this long, and at most this many an hour: the button cannot be used to
# flood a phone (or, from a stolen session, the push queue everyone's alerts go through).
TEST_PUSH_INTERVAL = datetime.timedelta(seconds=60)
TEST_PUSHES_PER_HOUR = 5
TEST_SUBJECT = "TEST alert from Home Visits: no action needed"


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


def of(user):
    """The person's devices, newest first."""
    return PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")


def remove(user, pk) -> PushSubscription:
    """Remove one of `user`'s own devices; another person's (or none) is not found (404)."""
    with transaction.atomic():
        device = PushSubscription.objects.select_for_update().filter(pk=pk, user=user).first()
        if device is None:
            raise Http404("No such device")
        device.delete()
    logger.info("User %s removed their push device %s (%s)", user.pk, pk, device.name)
    return device


class TestPushRefused(Exception):
    """A test push that was not sent, with the reason to show the person."""

    __test__ = False  # not a test case, whatever pytest makes of the name


# Where the dedupe keys of the tests people send to their own devices start (readiness counts them).
TEST_KEY_START = "pushtest:"


def test_key_prefix(user) -> str:
    return f"{TEST_KEY_START}{user.pk}:"


def send_test(user, now=None) -> Notification:
    """Queue one TEST push to all of `user`'s devices (by push only: no level, so it never falls back
    to a text or a call), at most once a TEST_PUSH_INTERVAL and TEST_PUSHES_PER_HOUR times an hour
    (the person's row is locked, so two clicks send one)."""
    now = now or timezone.now()
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if not PushSubscription.objects.filter(user=user).exists():
            raise TestPushRefused("No device takes your alerts yet: turn on alerts on this device first.")
        sent = list(Notification.objects.filter(recipient=user, dedupe_key__startswith=test_key_prefix(user),
                                                created_at__gt=now - datetime.timedelta(hours=1))
                    .order_by("-created_at").values_list("created_at", flat=True)[:TEST_PUSHES_PER_HOUR])
        if sent and now - sent[0] < TEST_PUSH_INTERVAL:
            wait = int((TEST_PUSH_INTERVAL - (now - sent[0])).total_seconds()) + 1
            raise TestPushRefused(f"A test was sent less than a minute ago. Try again in {wait} seconds.")
        if len(sent) >= TEST_PUSHES_PER_HOUR:
            again = timezone.localtime(sent[-1] + datetime.timedelta(hours=1)).strftime("%H:%M")
            raise TestPushRefused(f"{TEST_PUSHES_PER_HOUR} tests were sent in the last hour. Try again after {again}.")
        at = timezone.localtime(now).strftime("%H:%M")
        key = f"{test_key_prefix(user)}{now.strftime('%Y%m%dT%H%M%S.%f')}:{Channel.PUSH}"
        outbox.queue([dict(dedupe_key=key, recipient=user, channel=Channel.PUSH, subject=TEST_SUBJECT,
                           body=f"TEST: you sent this at {at} to check that alerts reach your devices. "
                                "No action is needed.")], now)
        note = Notification.objects.get(dedupe_key=key)
    logger.info("User %s sent themselves a test push (notification %s)", user.pk, note.pk)
    return note
