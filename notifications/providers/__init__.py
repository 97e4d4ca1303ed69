"""Delivery providers: one small interface (base.py) and one module per outside service.

    provider = get_provider(Channel.SMS)        # from settings.SMS_PROVIDER
    result = provider.send(Message(...))        # SendResult(provider, reference, status)
                                                # or raises ProviderError(message, permanent, retry_after)

Receipts from providers' callbacks are checked and parsed by pure functions:
govuk_notify.parse_receipt, twilio_provider.parse_status / parse_gather, and push receipts by
push_receipts.read_token.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from . import console, push_receipts
from .base import (
    FINAL,
    CallbackRefused,
    Channel,
    Delivery,
    Message,
    ProviderError,
    SendResult,
    SubscriptionGone,
    advance,
)
from .receipts import Receipt

__all__ = ["FINAL", "PROVIDERS", "CallbackRefused", "Channel", "Delivery", "Message", "ProviderError", "Receipt",  # noqa: RUF022
           "console", "push_receipts",
           "SendResult", "SubscriptionGone", "advance", "get_provider", "provider_path"]

_HERE = "notifications.providers"
# The short names SMS_PROVIDER, VOICE_PROVIDER, EMAIL_PROVIDER and PUSH_PROVIDER may use.
PROVIDERS = {
    Channel.SMS: {
        "notify": f"{_HERE}.govuk_notify.NotifySms",
        "twilio": f"{_HERE}.twilio_provider.TwilioSms",
        "console": f"{_HERE}.console.ConsoleSms",
        "file": f"{_HERE}.console.FileSms",
        "locmem": f"{_HERE}.console.LocmemSms",
        "failing": f"{_HERE}.console.FailingSms",
    },
    Channel.VOICE: {
        "twilio": f"{_HERE}.twilio_provider.TwilioVoice",
        "console": f"{_HERE}.console.ConsoleVoice",
        "locmem": f"{_HERE}.console.LocmemVoice",
        "failing": f"{_HERE}.console.FailingVoice",
    },
    Channel.EMAIL: {
        "django": f"{_HERE}.console.DjangoEmail",
        "notify": f"{_HERE}.govuk_notify.NotifyEmail",
        "console": f"{_HERE}.console.ConsoleEmail",
        "locmem": f"{_HERE}.console.LocmemEmail",
        "failing": f"{_HERE}.console.FailingEmail",
    },
    Channel.PUSH: {
        "webpush": f"{_HERE}.webpush.WebPush",
        "console": f"{_HERE}.console.ConsolePush",
        "locmem": f"{_HERE}.console.LocmemPush",
        "failing": f"{_HERE}.console.FailingPush",
    },
}


# SMS_BACKEND (the setting from before the providers) carries SMS while SMS_PROVIDER is left at
# "console": notifications.sms.BackendSms hands each message to it.
SMS_BACKEND_PROVIDER = "notifications.sms.BackendSms"


def provider_path(channel: Channel | str) -> str:
    """The class the settings name for a channel: a short name above, or a dotted path."""
    channel = Channel(channel)
    name = getattr(settings, f"{channel.name}_PROVIDER")
    if channel is Channel.SMS and name == "console" and getattr(settings, "SMS_BACKEND", ""):
        return SMS_BACKEND_PROVIDER
    return PROVIDERS[channel].get(name, name)


def get_provider(channel: Channel | str):
    """A new provider for the channel, configured from the settings (ImproperlyConfigured says what is
    missing)."""
    return import_string(provider_path(channel))()
