"""The interface itself: statuses only move forward, the settings pick each channel's provider, the
laptop providers keep the old SMS backends' behaviour, email keeps one Message-ID per message, and
push receipts are signed."""

import logging
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from notifications import sms
from notifications.providers import (
    PROVIDERS,
    CallbackRefused,
    Channel,
    Delivery,
    Message,
    ProviderError,
    advance,
    console,
    get_provider,
    push_receipts,
)

D = Delivery


@pytest.mark.parametrize("current,reported,after", [
    (None, D.QUEUED, D.QUEUED),
    (D.QUEUED, D.SENT, D.SENT),
    (D.SENT, D.QUEUED, D.SENT),  # a late "queued" never moves it back
    (D.SENT, D.DELIVERED, D.DELIVERED),
    (D.DELIVERED, D.SENT, D.DELIVERED),
    (D.DELIVERED, D.NOT_ANSWERED, D.DELIVERED),  # the call's "completed" after the key press
    (D.DELIVERED, D.PERMANENT_FAILURE, D.DELIVERED),
    (D.NOT_ANSWERED, D.DELIVERED, D.DELIVERED),  # a key press whose callback came late still counts
    (D.TEMPORARY_FAILURE, D.DELIVERED, D.DELIVERED),  # Notify retried and got through
    (D.PERMANENT_FAILURE, D.SENT, D.PERMANENT_FAILURE),
    (D.SENT, D.TEMPORARY_FAILURE, D.TEMPORARY_FAILURE),
    ("sent", "delivered", D.DELIVERED),
])
def test_statuses_only_move_forward(current, reported, after):
    assert advance(current, reported) is after


def test_final_statuses():
    assert {s for s in Delivery if s.is_final} == {D.DELIVERED, D.TEMPORARY_FAILURE, D.PERMANENT_FAILURE,
                                                   D.NOT_ANSWERED}
    assert [s for s in Delivery if s.reached_someone] == [D.DELIVERED]


def test_every_short_name_is_a_provider_of_its_channel():
    for channel, names in PROVIDERS.items():
        for path in names.values():
            assert import_string(path).channel is channel, path


def test_the_settings_pick_the_provider(settings):
    settings.SMS_PROVIDER = "locmem"
    assert isinstance(get_provider(Channel.SMS), console.LocmemSms)
    settings.SMS_PROVIDER = "notifications.providers.console.FileSms"
    assert isinstance(get_provider("sms"), console.FileSms)
    settings.SMS_PROVIDER = "notify"
    settings.NOTIFY_API_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="NOTIFY_API_KEY"):
        get_provider(Channel.SMS)


def test_a_laptop_logs_sms_the_way_the_old_console_backend_did(settings, caplog):
    settings.SMS_BACKEND = ""  # a laptop names no SMS backend (the tests' environment does)
    with caplog.at_level(logging.INFO, logger="homevisits.sms"):
        result = get_provider(Channel.SMS).send(Message(Channel.SMS, "+447700900123", "Alert text", "n-1"))
    assert caplog.records[-1].getMessage() == "SMS to +447700900123: Alert text [n-1]"
    assert result.status is Delivery.SENT and get_provider(Channel.SMS).real is False


def test_the_file_provider_writes_one_line_a_message(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms.log")
    console.FileSms().send(Message(Channel.SMS, "+447700900123", "One", "n-1"))
    console.FileSms().send(Message(Channel.SMS, "+447700900124", "Two", "n-2"))
    assert (tmp_path / "sms.log").read_text() == "+447700900123\tOne\tn-1\n+447700900124\tTwo\tn-2\n"


def test_the_file_and_locmem_providers_know_what_they_took(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms.log")
    taken, other = Message(Channel.SMS, "+447700900123", "One", "n-1"), Message(Channel.SMS, "+447700900123", "One", "n-11")
    assert console.FileSms().already_sent(taken) is None  # no file yet
    console.FileSms().send(taken)
    assert console.FileSms().already_sent(taken).status is Delivery.SENT
    assert console.FileSms().already_sent(other) is None
    console.outbox.clear()
    console.LocmemSms().send(taken)
    assert console.LocmemSms().already_sent(taken).status is Delivery.SENT
    assert console.LocmemSms().already_sent(other) is None
    assert console.LocmemVoice().already_sent(taken) is None  # the same reference on another channel


def test_locmem_keeps_what_was_sent_and_failing_always_fails():
    console.outbox.clear()
    message = Message(Channel.VOICE, "+447700900123", "Call text", "n-3")
    first, second = console.LocmemVoice().send(message), console.LocmemVoice().send(message)
    assert console.outbox == [message, message] and first.reference != second.reference
    with pytest.raises(ProviderError) as caught:
        console.FailingPush().send(message)
    assert caught.value.permanent is False


def test_email_keeps_one_message_id_for_every_attempt(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    provider = get_provider(Channel.EMAIL)
    assert provider.real is False  # the locmem backend reaches nobody
    message = Message(Channel.EMAIL, "head@school.example", "Body", "notification-41", subject="Late return")
    first, second = provider.send(message), provider.send(message)
    assert first.reference == second.reference == mail.outbox[0].extra_headers["Message-ID"]
    assert mail.outbox[0].subject == "Late return" and mail.outbox[0].to == ["head@school.example"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert provider.real is True


class RefusingBackend:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"nobody@school.example": (550, b"No such user")})


class DownBackend(RefusingBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_a_refused_address_is_permanent_a_mail_server_down_is_not(settings):
    message = Message(Channel.EMAIL, "nobody@school.example", "Body", "n-5", subject="S")
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(ProviderError) as caught:
        console.DjangoEmail().send(message)
    assert caught.value.permanent
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    with pytest.raises(ProviderError) as caught:
        console.DjangoEmail().send(message)
    assert not caught.value.permanent


def test_a_push_receipt_token_names_its_message_and_cannot_be_forged(settings):
    token = push_receipts.make_token("n-41")
    receipt = push_receipts.read_token(token)
    assert (receipt.reference, receipt.status) == ("n-41", Delivery.DELIVERED)
    for bad in ("", "n-41", token[:-1] + ("A" if token[-1] != "A" else "B"), push_receipts.make_token("n-4") + "1"):
        with pytest.raises(CallbackRefused):
            push_receipts.read_token(bad)
    settings.SECRET_KEY = "another-install"
    with pytest.raises(CallbackRefused):
        push_receipts.read_token(token)


def test_a_push_receipt_is_only_good_while_the_push_lives(settings):
    settings.PUSH_TTL_SECONDS = 3600
    with time_machine.travel("2026-12-02 09:00 +0000", tick=False):
        token = push_receipts.make_token("n-41")
    with time_machine.travel("2026-12-02 10:09 +0000", tick=False):
        assert push_receipts.read_token(token).reference == "n-41"
    with time_machine.travel("2026-12-02 10:11 +0000", tick=False), pytest.raises(CallbackRefused):
        push_receipts.read_token(token)


def test_an_sms_backend_named_the_old_way_carries_sms_while_the_provider_is_console(settings):
    """One path: the task always asks get_provider; an SMS_BACKEND is carried by BackendSms."""
    settings.SMS_PROVIDER, settings.SMS_BACKEND = "console", "notifications.sms.LocmemSmsBackend"
    sms.outbox.clear()
    provider = get_provider(Channel.SMS)
    result = provider.send(Message(Channel.SMS, "+447700900123", "Alert text", "n-1"))
    assert isinstance(provider, sms.BackendSms) and provider.real is False
    assert sms.outbox == [("+447700900123", "Alert text")] and result.status is Delivery.SENT
    settings.SMS_BACKEND = "notifications.sms.FailingSmsBackend"
    with pytest.raises(ProviderError) as failed:
        get_provider(Channel.SMS).send(Message(Channel.SMS, "+447700900123", "Alert text", "n-1"))
    assert failed.value.permanent is False
    settings.SMS_PROVIDER = "locmem"  # a provider named outright wins over the old setting
    assert isinstance(get_provider(Channel.SMS), console.LocmemSms)
