"""What the delivery settings leave uncovered, one plain sentence each, for `manage.py preflight`,
the readiness page and the board's warning. Only the settings are read (no request leaves the
machine); a person's own gaps (no mobile, an expired subscription) are the outbox's to report."""

import dataclasses
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import get_provider
from .base import Channel

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclasses.dataclass(frozen=True)
class Gap:
    channel: Channel
    text: str


NOT_REAL = {
    Channel.SMS: "Text messages are only written to the server's log (SMS_PROVIDER): set up GOV.UK Notify or "
                 "Twilio, or only email and the board will carry alerts.",
    Channel.VOICE: "Nobody is phoned about an alert (VOICE_PROVIDER): set up Twilio for calls.",
    Channel.EMAIL: "Email is only written to the server's log (EMAIL_URL or EMAIL_PROVIDER).",
    Channel.PUSH: "Web push alerts are only written to the server's log (PUSH_PROVIDER).",
}


def in_production() -> bool:
    """The site is served on a public https address: a log-only provider there is a gap (and carries
    no alert, notifications.outbox.live_channels); on a laptop (http, loopback) it is what one expects."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme == "https" and (parts.hostname or "") not in LOCAL_HOSTS


def configuration_gaps() -> list[Gap]:
    gaps = []
    for channel in (Channel.SMS, Channel.VOICE, Channel.EMAIL, Channel.PUSH):
        try:
            provider = get_provider(channel)
        except ImproperlyConfigured as exc:
            gaps.append(Gap(channel, f"{channel.value.upper()} cannot be sent: {exc}"))
            continue
        except ImportError:
            gaps.append(Gap(channel, f"{channel.name}_PROVIDER names no provider Home Visits knows."))
            continue
        if not provider.real:
            gaps.append(Gap(channel, NOT_REAL[channel]))
        if provider.name == "notify" and not settings.NOTIFY_CALLBACK_TOKEN:
            gaps.append(Gap(channel, "GOV.UK Notify's delivery receipts will be refused: set NOTIFY_CALLBACK_TOKEN "
                                     "to the bearer token of the service's callback."))
        if provider.name == "twilio" and not in_production():
            gaps.append(Gap(channel, "Twilio cannot report delivery or key presses: SITE_URL must be the site's "
                                     "public https address."))
    parts = urlsplit(settings.SITE_URL)
    if settings.PUSH_PROVIDER == "webpush" and parts.scheme != "https" and (parts.hostname or "") not in LOCAL_HOSTS:
        gaps.append(Gap(Channel.PUSH, "Browsers only take web push from an https site: SITE_URL is not https."))
    return gaps
