"""The settings' gaps, each said once in words a school admin can act on."""

import pytest

from notifications.providers import Channel
from notifications.providers.readiness import configuration_gaps

API_KEY = "homevisits_live-" + "1" * 8 + "-1111-1111-1111-" + "1" * 12 + "-" + "2" * 8 + "-2222-2222-2222-" + "2" * 12


@pytest.fixture
def laptop(settings, tmp_path):
    settings.SMS_PROVIDER = settings.VOICE_PROVIDER = "console"
    settings.EMAIL_PROVIDER, settings.PUSH_PROVIDER = "django", "webpush"
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.VAPID_PRIVATE_KEY, settings.VAPID_KEY_FILE = "", tmp_path / "vapid.pem"
    settings.SITE_URL = "http://127.0.0.1:8000"


def texts(gaps, channel=None):
    return [gap.text for gap in gaps if channel is None or gap.channel is channel]


def test_a_laptop_says_only_email_and_the_board_carry_alerts(laptop):
    gaps = configuration_gaps()
    assert [gap.channel for gap in gaps] == [Channel.SMS, Channel.VOICE, Channel.EMAIL]
    assert "only email and the board will carry alerts" in texts(gaps, Channel.SMS)[0]


def test_real_providers_close_the_gaps(laptop, settings):
    settings.SITE_URL = "https://visits.school.example"
    settings.SMS_PROVIDER, settings.VOICE_PROVIDER = "notify", "twilio"
    settings.NOTIFY_API_KEY, settings.NOTIFY_SMS_TEMPLATE_ID = API_KEY, "t-1"
    settings.NOTIFY_CALLBACK_TOKEN = "a-long-random-token"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = "AC1", "tok", "+441234567890"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert configuration_gaps() == []


def test_half_done_set_ups_say_what_is_missing(laptop, settings):
    settings.SMS_PROVIDER, settings.VOICE_PROVIDER = "notify", "twilio"
    settings.NOTIFY_API_KEY, settings.NOTIFY_SMS_TEMPLATE_ID, settings.NOTIFY_CALLBACK_TOKEN = API_KEY, "", ""
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = "AC1", "tok", "+441234567890"
    settings.SITE_URL = "http://visits.school.example"
    gaps = configuration_gaps()
    assert "NOTIFY_SMS_TEMPLATE_ID" in texts(gaps, Channel.SMS)[0]
    assert "SITE_URL" in texts(gaps, Channel.VOICE)[0]
    assert any("https" in text for text in texts(gaps, Channel.PUSH))
    settings.SMS_PROVIDER = "nosuch.Provider"
    assert "SMS_PROVIDER names no provider" in texts(configuration_gaps(), Channel.SMS)[0]


def test_notify_without_its_callback_token_is_a_gap(laptop, settings):
    settings.SMS_PROVIDER = "notify"
    settings.NOTIFY_API_KEY, settings.NOTIFY_SMS_TEMPLATE_ID, settings.NOTIFY_CALLBACK_TOKEN = API_KEY, "t-1", ""
    assert "NOTIFY_CALLBACK_TOKEN" in texts(configuration_gaps(), Channel.SMS)[0]
