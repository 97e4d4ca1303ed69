"""The watchdog's periodic task. Delivering notifications is the outbox's (notifications.tasks)."""

import logging

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from . import watchdog
from .pings import ping_heartbeat

logger = logging.getLogger(__name__)


@shared_task(name="safety.tasks.scan_overdue", ignore_result=True)
def scan_overdue():
    """Beat's periodic job: one watchdog scan at the current time, then a ping to the outside
    monitor (HEARTBEAT_PING_URL): its success URL when the scan completed, its /fail URL when it
    raised. The ping comes after the scan and swallows its own errors, so it never fails a scan."""
    try:
        result = watchdog.scan(timezone.now())
    except DatabaseError as exc:
        # One clear line per tick while the database is away; the next tick simply tries again.
        logger.error("Watchdog scan could not reach the database (%s); retrying next tick.", type(exc).__name__)
        ping_heartbeat(ok=False)
        return None
    except Exception:
        ping_heartbeat(ok=False)
        raise
    ping_heartbeat(ok=True)
    if result.escalated or result.repeated:
        logger.warning("Watchdog scan: %s", result.summary())
    return result.summary()
