"""The safety and duress PINs of the duress tests, and a visit whose staff end it with one."""

import re
import uuid

from django.urls import reverse

from safety.watchdog import check_in
from visits.models import EventKind

from .pages import at

SAFETY = "739146"
DURESS = "582073"


def url(visit):
    return reverse("safety:checkin", args=[visit.pk])


def end(client, visit, kind, pin, key=None):
    return client.post(url(visit), {"kind": kind, "idempotency_key": key or str(uuid.uuid4()), "pin": pin})


def same_apart_from_tokens(html: str) -> str:
    """A page with what differs on every drawing taken out: security tokens and idempotency keys."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="-"', html)
    html = re.sub(r'name="csrf-token" content="[^"]+"', 'name="csrf-token" content="-"', html)
    html = re.sub(r'nonce="[^"]+"', 'nonce="-"', html)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "-", html)


def on_site(world, clock):
    """Out and arrived at 10:15; the TA (no PINs of their own) is back already at 11:00."""
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10, 2))
    check_in(visit, EventKind.ARRIVED, world.teacher, now=at(10, 15))
    check_in(visit, EventKind.RETURNED, world.ta, now=at(11, 0))
    clock.move_to(at(11, 5))
    return visit
