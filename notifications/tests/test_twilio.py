"""Twilio, through the official library, against a fake Twilio API on loopback that speaks its
documented requests (POST /2010-04-01/Accounts/{sid}/Messages.json and Calls.json, HTTP basic auth
with the account SID and auth token, form-encoded parameters), responses (201 with the sid and
status) and errors ({"code", "message", "more_info", "status"}); and Twilio's signed callbacks."""

import base64
import datetime
import json
import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlencode

import pytest
from werkzeug import Response

from notifications.providers import CallbackRefused, Channel, Delivery, Message, ProviderError, advance, get_provider
from notifications.providers.twilio_provider import TwilioSms, TwilioVoice, gather_reply_twiml, parse_gather, parse_status

from .fakes import ACCOUNT, FROM, MESSAGES, TOKEN, listed, message_record, rfc2822, signed

CALLS = f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
CALLBACK = "https://homevisits.school.example/notifications/twilio/status/n-41/"
GATHER = "https://homevisits.school.example/notifications/twilio/gather/n-41/"


@pytest.fixture
def twilio(settings, httpserver, no_network_wait):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = FROM
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = httpserver.url_for("/")
    settings.SMS_PROVIDER = settings.VOICE_PROVIDER = "twilio"
    return httpserver


def form(request):
    """The request as Twilio checks it: basic auth with the account and token, form parameters."""
    scheme, credentials = request.headers["Authorization"].split(" ", 1)
    assert scheme == "Basic" and base64.b64decode(credentials).decode() == f"{ACCOUNT}:{TOKEN}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    return parse_qs(request.get_data(as_text=True))


def created(kind, sid, status):
    body = {"sid": sid, "account_sid": ACCOUNT, "status": status, "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT}/{kind}/{sid}.json", "date_created": "Wed, 02 Dec 2026 00:40:00 +0000"}
    return Response(json.dumps(body), status=201, content_type="application/json")


def error(status, code, message):
    return Response(json.dumps({"code": code, "message": message, "status": status,
                                "more_info": f"https://www.twilio.com/docs/errors/{code}"}),
                    status=status, content_type="application/json")


def sms(reference="n-41", callback=CALLBACK):
    return Message(Channel.SMS, "+447700900123", "Alert: Sam Jones is late back.", reference, status_callback=callback)


def call():
    return Message(Channel.VOICE, "+447700900123", "Sam Jones is 30 minutes late back from a home visit.", "n-41",
                   status_callback=CALLBACK, gather_action=GATHER)


def test_an_sms_is_posted_from_our_number_with_its_status_callback(twilio):
    seen = []
    twilio.expect_oneshot_request(MESSAGES, method="POST").respond_with_handler(
        lambda request: seen.append(form(request)) or created("Messages", "SM" + "1" * 32, "queued"))
    result = get_provider(Channel.SMS).send(sms())
    twilio.check_assertions()
    assert seen == [{"To": ["+447700900123"], "From": [FROM], "Body": ["Alert: Sam Jones is late back."],
                     "StatusCallback": [CALLBACK]}]
    assert (result.provider, result.reference, result.status) == ("twilio", "SM" + "1" * 32, Delivery.QUEUED)


def test_a_messaging_service_replaces_the_from_number(twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
    seen = []
    twilio.expect_oneshot_request(MESSAGES).respond_with_handler(
        lambda request: seen.append(form(request)) or created("Messages", "SM" + "3" * 32, "accepted"))
    assert TwilioSms().send(sms(callback="")).status is Delivery.QUEUED
    assert seen[0]["MessagingServiceSid"] == ["MG" + "2" * 32] and "From" not in seen[0]
    assert "StatusCallback" not in seen[0]


def test_a_call_says_the_alert_asks_for_1_and_detects_machines(twilio):
    seen = []
    twilio.expect_oneshot_request(CALLS, method="POST").respond_with_handler(
        lambda request: seen.append(form(request)) or created("Calls", "CA" + "4" * 32, "queued"))
    result = get_provider(Channel.VOICE).send(call())
    assert (result.reference, result.status) == ("CA" + "4" * 32, Delivery.QUEUED)
    sent = seen[0]
    assert sent["To"] == ["+447700900123"] and sent["From"] == [FROM]
    assert sent["MachineDetection"] == ["Enable"]
    assert sent["StatusCallback"] == [CALLBACK] and sent["StatusCallbackMethod"] == ["POST"]
    assert sent["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert sent["Timeout"] == ["30"]
    twiml = ET.fromstring(sent["Twiml"][0])
    gathers = twiml.findall("Gather")
    assert len(gathers) == 2
    for gather in gathers:
        assert gather.get("numDigits") == "1" and gather.get("action") == GATHER and gather.get("method") == "POST"
        said = [say.text for say in gather.findall("Say")]
        assert said == ["Sam Jones is 30 minutes late back from a home visit.", "Press 1 to take charge of this alert."]
    assert twiml[-1].tag == "Hangup"


def test_a_call_without_a_key_press_address_is_not_placed(twilio):
    with pytest.raises(ProviderError) as caught:
        TwilioVoice().send(Message(Channel.VOICE, "+447700900123", "x", "n-1"))
    assert caught.value.permanent
    assert twilio.log == []


@pytest.mark.parametrize("status,code,message,permanent,retry_after", [
    (400, 21211, "The 'To' number +4477 is not a valid phone number.", True, None),
    (400, 21610, "Attempt to send to unsubscribed recipient", True, None),
    (400, 21614, "'To' number is not a valid mobile number", True, None),
    (401, 20003, "Authenticate", True, None),
    (429, 20429, "Too Many Requests", False, 30),
    (500, 20500, "Internal Server Error", False, None),
    (503, 20503, "Service Unavailable", False, None),
])
def test_twilio_errors_are_permanent_or_temporary_as_documented(twilio, status, code, message, permanent, retry_after):
    twilio.expect_oneshot_request(MESSAGES).respond_with_response(error(status, code, message))
    with pytest.raises(ProviderError) as caught:
        TwilioSms().send(sms())
    assert caught.value.permanent is permanent and caught.value.retry_after == retry_after
    assert message in caught.value.message and str(code) in caught.value.message


def test_a_call_to_an_invalid_number_is_permanent(twilio):
    twilio.expect_oneshot_request(CALLS).respond_with_response(error(400, 21211, "The 'To' number is not valid."))
    with pytest.raises(ProviderError) as caught:
        TwilioVoice().send(call())
    assert caught.value.permanent


def test_a_silent_twilio_is_a_temporary_failure(twilio, silent):
    twilio.expect_oneshot_request(MESSAGES).respond_with_handler(silent(created("Messages", "SM" + "5" * 32, "queued")))
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        TwilioSms().send(sms())
    assert time.monotonic() - started < 0.95  # gave up at the timeout, before the answer
    assert caught.value.permanent is False


def test_region_and_edge_are_passed_to_the_library(twilio, settings):
    settings.TWILIO_API_BASE_URL = ""
    settings.TWILIO_REGION, settings.TWILIO_EDGE = "ie1", "dublin"
    client = TwilioSms().client
    assert client.get_hostname("https://api.twilio.com/2010-04-01/x") == "https://api.dublin.ie1.twilio.com/2010-04-01/x"


# --- Callbacks ----------------------------------------------------------------------------------



def message_status(status, error_code=""):
    params = {"AccountSid": ACCOUNT, "MessageSid": "SM" + "1" * 32, "SmsSid": "SM" + "1" * 32,
              "MessageStatus": status, "SmsStatus": status, "To": "+447700900123", "From": FROM, "ApiVersion": "2010-04-01"}
    if error_code:
        params["ErrorCode"] = error_code
    return params


def call_status(status, answered_by=""):
    params = {"AccountSid": ACCOUNT, "CallSid": "CA" + "4" * 32, "CallStatus": status, "To": "+447700900123",
              "From": FROM, "Direction": "outbound-api", "ApiVersion": "2010-04-01",
              "CallbackSource": "call-progress-events"}
    if answered_by:
        params["AnsweredBy"] = answered_by
    return params


@pytest.mark.parametrize("word,error_code,status", [
    ("queued", "", Delivery.QUEUED),
    ("sent", "", Delivery.SENT),
    ("delivered", "", Delivery.DELIVERED),
    ("undelivered", "30003", Delivery.TEMPORARY_FAILURE),  # handset off or out of signal
    ("undelivered", "30005", Delivery.PERMANENT_FAILURE),  # unknown destination handset
    ("failed", "30006", Delivery.PERMANENT_FAILURE),  # a landline
])
def test_a_signed_message_status_gives_its_status(twilio, word, error_code, status):
    params = message_status(word, error_code)
    receipt = parse_status(CALLBACK, params, signed(CALLBACK, params))
    assert receipt.status is status and receipt.provider_reference == "SM" + "1" * 32


@pytest.mark.parametrize("word,answered_by,status", [
    ("ringing", "", Delivery.SENT),
    ("in-progress", "human", Delivery.SENT),
    ("completed", "human", Delivery.NOT_ANSWERED),  # answered but no key pressed
    ("completed", "machine_start", Delivery.NOT_ANSWERED),  # voicemail
    ("completed", "machine_end_beep", Delivery.NOT_ANSWERED),
    ("no-answer", "", Delivery.NOT_ANSWERED),
    ("busy", "", Delivery.NOT_ANSWERED),
    ("failed", "", Delivery.PERMANENT_FAILURE),
])
def test_a_signed_call_status_gives_its_status(twilio, word, answered_by, status):
    params = call_status(word, answered_by)
    receipt = parse_status(CALLBACK, params, signed(CALLBACK, params))
    assert receipt.status is status and receipt.answered_by == answered_by and receipt.heard is False


def test_a_callback_with_a_bad_signature_is_refused(twilio):
    params = message_status("delivered")
    good = signed(CALLBACK, params)
    for signature in (None, "", good[:-2] + "AA", signed(CALLBACK, params, token="e" * 32),
                      signed(CALLBACK + "?x=1", params)):
        with pytest.raises(CallbackRefused):
            parse_status(CALLBACK, params, signature)
    tampered = params | {"MessageStatus": "failed"}
    with pytest.raises(CallbackRefused):
        parse_status(CALLBACK, tampered, good)


def test_no_auth_token_refuses_every_callback(twilio, settings):
    params = message_status("delivered")
    signature = signed(CALLBACK, params, token="")
    settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(CallbackRefused, match="not set"):
        parse_status(CALLBACK, params, signature)


def test_a_signed_callback_of_unknown_shape_is_refused(twilio):
    params = {"AccountSid": ACCOUNT, "Something": "else"}
    with pytest.raises(CallbackRefused):
        parse_status(CALLBACK, params, signed(CALLBACK, params))


def gather_params(digits, answered_by="human"):
    return call_status("in-progress", answered_by) | {"Digits": digits, "FinishedOnKey": ""}


def test_pressing_1_is_the_proof_a_person_heard_the_call(twilio):
    params = gather_params("1")
    receipt = parse_gather(GATHER, params, signed(GATHER, params))
    assert receipt.heard and receipt.status is Delivery.DELIVERED
    # The call's "completed" comes after the key press, and never undoes it.
    done = call_status("completed", "human")
    later = parse_status(CALLBACK, done, signed(CALLBACK, done))
    assert advance(receipt.status, later.status) is Delivery.DELIVERED
    assert "taken charge" in gather_reply_twiml(True, "You have taken charge of this alert.")
    assert "taken charge" not in gather_reply_twiml(True)  # nobody said so: only that it is recorded


@pytest.mark.parametrize("digits,answered_by", [("2", "human"), ("", "human"), ("1", "machine_start")])
def test_any_other_key_or_a_machine_is_not_proof(twilio, digits, answered_by):
    params = gather_params(digits, answered_by)
    receipt = parse_gather(GATHER, params, signed(GATHER, params))
    assert not receipt.heard and receipt.status is Delivery.SENT
    done = call_status("completed", answered_by)
    assert advance(receipt.status, parse_status(CALLBACK, done, signed(CALLBACK, done)).status) is Delivery.NOT_ANSWERED


def test_a_forged_key_press_is_refused(twilio):
    params = gather_params("1")
    with pytest.raises(CallbackRefused):
        parse_gather(GATHER, params, signed(GATHER, gather_params("2")))


def test_a_querydict_from_a_django_request_is_read_like_a_dict(twilio, rf):
    params = message_status("delivered")
    request = rf.post("/notifications/twilio/status/n-41/", params)
    receipt = parse_status(CALLBACK, request.POST, signed(CALLBACK, params))
    assert receipt.status is Delivery.DELIVERED


# --- Asking Twilio whether it already has a message (after a worker died mid-send) ----------------

ATTEMPT = datetime.datetime(2026, 12, 2, 15, 40, 0, tzinfo=datetime.UTC)








def call_record(sid, created, to="+447700900123", from_=FROM, status="in-progress"):
    return {"sid": sid, "account_sid": ACCOUNT, "api_version": "2010-04-01", "to": to, "to_formatted": to,
            "from": from_, "from_formatted": from_, "status": status, "direction": "outbound-api",
            "date_created": rfc2822(created), "date_updated": rfc2822(created), "start_time": rfc2822(created),
            "end_time": None, "duration": None, "answered_by": None, "parent_call_sid": None, "price": None,
            "price_unit": "GBP", "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{sid}.json", "subresource_uris": {}}


def test_twilio_is_asked_for_the_same_words_to_the_same_number_sent_during_the_attempt(twilio):
    asked = []
    records = [
        message_record("SM" + "a" * 32, ATTEMPT + datetime.timedelta(minutes=5)),  # later: another message
        message_record("SM" + "b" * 32, ATTEMPT + datetime.timedelta(seconds=1), body="Another alert."),
        message_record("SM" + "c" * 32, ATTEMPT + datetime.timedelta(seconds=1), status="sent"),  # this one
        message_record("SM" + "d" * 32, ATTEMPT - datetime.timedelta(hours=1)),  # the same words, earlier
    ]
    twilio.expect_oneshot_request(MESSAGES, method="GET").respond_with_handler(
        lambda request: asked.append(request.args.to_dict()) or listed("messages", records))
    found = TwilioSms().already_sent(sms(), ATTEMPT)
    assert asked == [{"To": "+447700900123", "From": FROM, "PageSize": "50"}]
    assert (found.provider, found.reference, found.status) == ("twilio", "SM" + "c" * 32, Delivery.SENT)


@pytest.mark.parametrize("record", [
    message_record("SM" + "e" * 32, ATTEMPT - datetime.timedelta(minutes=2)),  # before the attempt began
    message_record("SM" + "e" * 32, ATTEMPT + datetime.timedelta(minutes=2)),  # after it could have sent
    message_record("SM" + "e" * 32, ATTEMPT, body="Alert: Sam Jones is back."),
    message_record("SM" + "e" * 32, ATTEMPT, to="+447700900999"),
    message_record("SM" + "e" * 32, ATTEMPT, from_="+449999999999"),
])
def test_anything_else_twilio_lists_is_not_the_message(twilio, record):
    twilio.expect_oneshot_request(MESSAGES, method="GET").respond_with_response(listed("messages", [record]))
    assert TwilioSms().already_sent(sms(), ATTEMPT) is None


def test_with_a_messaging_service_twilio_is_asked_by_number_and_service(twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = service = "MG" + "2" * 32
    asked = []
    records = [message_record("SM" + "f" * 32, ATTEMPT, from_="+447000000001", service=service)]
    twilio.expect_oneshot_request(MESSAGES, method="GET").respond_with_handler(
        lambda request: asked.append(request.args.to_dict()) or listed("messages", records))
    assert TwilioSms().already_sent(sms(), ATTEMPT).reference == "SM" + "f" * 32
    assert asked == [{"To": "+447700900123", "PageSize": "50"}]


def test_without_the_attempts_time_twilio_cannot_tell(twilio):
    assert TwilioSms().already_sent(sms(), None) is None
    assert TwilioVoice().already_sent(call(), None) is None
    assert twilio.log == []


def test_a_call_placed_during_the_attempt_is_found(twilio):
    asked = []
    records = [call_record("CA" + "7" * 32, ATTEMPT + datetime.timedelta(seconds=2), status="ringing"),
               call_record("CA" + "8" * 32, ATTEMPT - datetime.timedelta(minutes=10), status="completed")]
    twilio.expect_oneshot_request(CALLS, method="GET").respond_with_handler(
        lambda request: asked.append(request.args.to_dict()) or listed("calls", records))
    found = TwilioVoice().already_sent(call(), ATTEMPT)
    assert asked == [{"To": "+447700900123", "From": FROM, "PageSize": "50"}]
    assert (found.reference, found.status) == ("CA" + "7" * 32, Delivery.SENT)
    twilio.expect_oneshot_request(CALLS, method="GET").respond_with_response(listed("calls", records[1:]))
    assert TwilioVoice().already_sent(call(), ATTEMPT) is None


def test_a_lookup_twilio_refuses_says_it_cannot_tell(twilio):
    twilio.expect_oneshot_request(MESSAGES, method="GET").respond_with_response(error(503, 20503, "Service Unavailable"))
    with pytest.raises(ProviderError):
        TwilioSms().already_sent(sms(), ATTEMPT)


def test_our_reference_comes_back_in_the_callbacks_address(twilio):
    ours = "<notification-41.0123456789abcdef@homevisits.school.example>"
    url = f"{CALLBACK}?{urlencode({'reference': ours})}"
    params = message_status("delivered")
    assert parse_status(url, params, signed(url, params)).reference == ours
    gather_url = f"{GATHER}?{urlencode({'reference': ours})}"
    press = gather_params("1")
    assert parse_gather(gather_url, press, signed(gather_url, press)).reference == ours
    assert parse_status(CALLBACK, params, signed(CALLBACK, params)).reference == ""
    # The address is signed too: another reference in it fails the check.
    other = f"{CALLBACK}?{urlencode({'reference': ours.replace('41', '42')})}"
    with pytest.raises(CallbackRefused):
        parse_status(other, params, signed(url, params))
