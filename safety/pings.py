"""The watchdog watched from outside: after each scan the worker tells an outside monitor (a
hosted or self-hosted healthchecks service) that it ran, by a GET to HEARTBEAT_PING_URL, or to
HEARTBEAT_PING_URL + "/fail" when the scan raised. If the server dies, the pings stop and the
monitor tells someone. A ping never fails or holds up a scan for long: it has a short timeout
(HEARTBEAT_PING_TIMEOUT_SECONDS) and its own failures are only logged."""

import logging

import requests
from django.conf import settings

logger = logging.getLogger(__name__)


def ping_url(ok: bool) -> str:
    url = settings.HEARTBEAT_PING_URL.rstrip("/")
    return url if ok else f"{url}/fail"


def ping_heartbeat(ok: bool) -> bool:
    """GET the monitor's URL for a scan that completed (`ok`) or raised; True if it answered 2xx.
    Does nothing without HEARTBEAT_PING_URL."""
    if not settings.HEARTBEAT_PING_URL:
        return False
    url = ping_url(ok)
    try:
        response = requests.get(url, timeout=settings.HEARTBEAT_PING_TIMEOUT_SECONDS,
                                headers={"User-Agent": "Home Visits watchdog"})
        response.raise_for_status()
    except requests.RequestException as exc:
        # Never the scan's problem: the monitor notices missing pings by itself.
        logger.warning("Heartbeat ping to the outside monitor failed (%s)", type(exc).__name__)
        return False
    return True
