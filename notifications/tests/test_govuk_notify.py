"""GOV.UK Notify, through the official client, against a fake Notify API on loopback that speaks its
documented requests (POST /v2/notifications/sms|email, a JWT signed with the key's secret, JSON with
template_id, personalisation, reference), responses (201 with the notification's id) and errors
(400 BadRequestError, 403 AuthError, 429 RateLimitError/TooManyRequestsError, 500 Exception)."""

import json
import time
import uuid

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from werkzeug import Response

from notifications.providers import CallbackRefused, Channel, Delivery, Message, ProviderError, get_provider
from notifications.providers.govuk_notify import NotifyEmail, NotifySms, parse_receipt

from .fakes import API_KEY, SECRET, SERVICE_ID, SMS_TEMPLATE

EMAIL_TEMPLATE = str(uuid.uuid4())
CALLBACK_TOKEN = "a-long-random-callback-token-the-school-chose"


@pytest.fixture
def notify(settings, httpserver, no_network_wait):
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_SMS_TEMPLATE_ID = SMS_TEMPLATE
    settings.NOTIFY_EMAIL_TEMPLATE_ID = EMAIL_TEMPLATE
    settings.NOTIFY_BASE_URL = httpserver.url_for("/")
    settings.NOTIFY_CALLBACK_TOKEN = CALLBACK_TOKEN
    settings.SMS_PROVIDER = "notify"
    settings.EMAIL_PROVIDER = "notify"
    return httpserver


def sms(to="+447700900123", body="Alert: Sam Jones is 30 minutes late back from a visit.", reference="n-41"):
    return Message(Channel.SMS, to, body, reference)


def created(notification_type, reference):
    """Notify's documented 201 body (abridged to the fields it always sends)."""
    notification_id = str(uuid.uuid4())
    body = {"id": notification_id, "reference": reference, "uri": f"/v2/notifications/{notification_id}",
            "template": {"id": SMS_TEMPLATE, "version": 1, "uri": "/v2/template/x"},
            "content": {"body": "x", "from_number": "HOMEVISITS"} if notification_type == "sms"
            else {"body": "x", "subject": "y", "from_email": "school@notifications.service.gov.uk"}}
    return body


def checked(request):
    """The request the client sent, as Notify checks it: the JWT (HS256, iss = service id, iat now)."""
    scheme, token = request.headers["Authorization"].split(" ", 1)
    assert scheme == "Bearer"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID and abs(claims["iat"] - time.time()) < 30
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.data)


def error(status, kind, message):
    return Response(json.dumps({"status_code": status, "errors": [{"error": kind, "message": message}]}),
                    status=status, content_type="application/json")


def test_an_sms_is_posted_with_the_template_and_the_body_and_queued(notify):
    seen = []

    def handler(request):
        seen.append(checked(request))
        return Response(json.dumps(created("sms", "n-41")), status=201, content_type="application/json")

    notify.expect_oneshot_request("/v2/notifications/sms", method="POST").respond_with_handler(handler)
    result = get_provider(Channel.SMS).send(sms())
    notify.check_assertions()
    assert seen == [{"phone_number": "+447700900123", "template_id": SMS_TEMPLATE, "reference": "n-41",
                     "personalisation": {"body": "Alert: Sam Jones is 30 minutes late back from a visit."}}]
    assert result.provider == "notify" and result.status is Delivery.QUEUED
    assert uuid.UUID(result.reference)


def test_an_email_carries_subject_and_body_and_the_reply_to(notify, settings):
    settings.NOTIFY_EMAIL_REPLY_TO_ID = reply_to = str(uuid.uuid4())
    seen = []

    def handler(request):
        seen.append(checked(request))
        return Response(json.dumps(created("email", "n-7")), status=201, content_type="application/json")

    notify.expect_oneshot_request("/v2/notifications/email", method="POST").respond_with_handler(handler)
    result = get_provider(Channel.EMAIL).send(Message(Channel.EMAIL, "head@school.example", "Body text", "n-7",
                                                      subject="Late return"))
    assert seen == [{"email_address": "head@school.example", "template_id": EMAIL_TEMPLATE, "reference": "n-7",
                     "email_reply_to_id": reply_to,
                     "personalisation": {"subject": "Late return", "body": "Body text"}}]
    assert result.status is Delivery.QUEUED


def test_a_configured_sms_sender_is_used(notify, settings):
    settings.NOTIFY_SMS_SENDER_ID = sender = str(uuid.uuid4())
    seen = []
    notify.expect_oneshot_request("/v2/notifications/sms").respond_with_handler(
        lambda request: seen.append(checked(request)) or Response(json.dumps(created("sms", "n")), status=201))
    NotifySms().send(sms())
    assert seen[0]["sms_sender_id"] == sender


@pytest.mark.parametrize("status,kind,text,permanent,retry_after", [
    (400, "ValidationError", "phone_number Not a UK mobile number", True, None),
    (400, "BadRequestError", "Can't send to this recipient using a team-only API key", True, None),
    (403, "AuthError", "Invalid token: API key not found", True, None),
    (429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds", False, 60),
    (429, "TooManyRequestsError", "Exceeded send limits (250000) for today", False, 3600),
    (500, "Exception", "Internal server error", False, None),
])
def test_notify_errors_are_permanent_or_temporary_as_documented(notify, status, kind, text, permanent, retry_after):
    notify.expect_oneshot_request("/v2/notifications/sms").respond_with_response(error(status, kind, text))
    with pytest.raises(ProviderError) as caught:
        NotifySms().send(sms())
    assert caught.value.permanent is permanent
    assert caught.value.retry_after == retry_after
    assert text in caught.value.message


def test_a_silent_notify_is_a_temporary_failure(notify, silent):
    notify.expect_oneshot_request("/v2/notifications/sms").respond_with_handler(silent(Response("{}", status=201)))
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        NotifySms().send(sms())
    assert time.monotonic() - started < 0.95  # gave up at the timeout, before the answer
    assert caught.value.permanent is False and "could not be reached" in caught.value.message


def test_notify_unreachable_is_a_temporary_failure(notify, settings):
    notify.stop()  # nothing listens on the port any more
    try:
        with pytest.raises(ProviderError) as caught:
            NotifySms().send(sms())
    finally:
        notify.start()
    assert caught.value.permanent is False


def test_missing_settings_say_what_to_set(notify, settings):
    settings.NOTIFY_SMS_TEMPLATE_ID = ""
    with pytest.raises(ImproperlyConfigured, match="NOTIFY_SMS_TEMPLATE_ID"):
        NotifySms()
    settings.NOTIFY_API_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="NOTIFY_API_KEY"):
        NotifyEmail()


def receipt_body(status, reference="n-41", notification_id="740e5834-3a29-46b4-9a6f-16142fde533a"):
    """Notify's documented delivery-receipt callback body."""
    return json.dumps({"id": notification_id, "reference": reference, "to": "07700900123", "status": status,
                       "created_at": "2026-12-02T00:40:01.000000Z", "completed_at": "2026-12-02T00:40:05.000000Z",
                       "sent_at": "2026-12-02T00:40:02.000000Z", "notification_type": "sms",
                       "template_id": SMS_TEMPLATE, "template_version": 1})


@pytest.mark.parametrize("word,status", [
    ("delivered", Delivery.DELIVERED),
    ("permanent-failure", Delivery.PERMANENT_FAILURE),
    ("temporary-failure", Delivery.TEMPORARY_FAILURE),
    ("technical-failure", Delivery.TEMPORARY_FAILURE),
])
def test_a_delivery_receipt_with_the_right_token_gives_its_status(notify, word, status):
    receipt = parse_receipt(f"Bearer {CALLBACK_TOKEN}", receipt_body(word))
    assert receipt.status is status
    assert receipt.reference == "n-41" and receipt.provider_reference == "740e5834-3a29-46b4-9a6f-16142fde533a"
    assert receipt.detail == word


@pytest.mark.parametrize("authorization", [None, "", f"Bearer {CALLBACK_TOKEN}x", f"Basic {CALLBACK_TOKEN}",
                                           "Bearer ", CALLBACK_TOKEN])
def test_a_receipt_without_the_right_token_is_refused(notify, authorization):
    with pytest.raises(CallbackRefused):
        parse_receipt(authorization, receipt_body("delivered"))


def test_no_token_configured_refuses_every_receipt(notify, settings):
    settings.NOTIFY_CALLBACK_TOKEN = ""
    with pytest.raises(CallbackRefused, match="not set"):
        parse_receipt("Bearer ", receipt_body("delivered"))


@pytest.mark.parametrize("body", ["not json", "[]", json.dumps({"id": "x"}), receipt_body("exploded")])
def test_a_receipt_of_the_wrong_shape_is_refused(notify, body):
    with pytest.raises(CallbackRefused):
        parse_receipt(f"Bearer {CALLBACK_TOKEN}", body)


def test_a_receipt_without_our_reference_still_names_notifys_id(notify):
    receipt = parse_receipt(f"Bearer {CALLBACK_TOKEN}", receipt_body("delivered", reference=None))
    assert receipt.reference == "" and receipt.provider_reference


# --- Asking Notify whether it already has a message (after a worker died mid-send) ----------------

def notification_record(reference, status="sending", notification_type="sms"):
    """One notification as Notify's GET /v2/notifications documents it (abridged)."""
    return {"id": str(uuid.uuid4()), "reference": reference, "email_address": None, "phone_number": "+447700900123",
            "line_1": None, "postcode": None, "type": notification_type, "status": status,
            "template": {"id": SMS_TEMPLATE, "version": 1, "uri": "/v2/template/x"}, "body": "x", "subject": None,
            "created_at": "2026-12-02T15:40:01.000000Z", "created_by_name": None, "sent_at": None,
            "completed_at": None, "scheduled_for": None}


def listing(records):
    return Response(json.dumps({"notifications": records,
                                "links": {"current": "/v2/notifications?reference=x", "next": None}}),
                    status=200, content_type="application/json")


def test_notify_is_asked_by_our_reference_and_its_notification_is_the_message(notify):
    record = notification_record("<notification-41.abc@homevisits.school.example>", status="delivered")
    asked = []

    def handler(request):
        scheme, token = request.headers["Authorization"].split(" ", 1)
        assert scheme == "Bearer" and jwt.decode(token, SECRET, algorithms=["HS256"])["iss"] == SERVICE_ID
        asked.append(request.args.to_dict())
        return listing([record])

    notify.expect_oneshot_request("/v2/notifications", method="GET").respond_with_handler(handler)
    found = NotifySms().already_sent(sms(reference=record["reference"]), None)
    assert asked == [{"reference": record["reference"], "template_type": "sms"}]
    assert (found.provider, found.reference, found.status) == ("notify", record["id"], Delivery.DELIVERED)


def test_an_email_is_asked_for_as_an_email(notify):
    asked = []
    notify.expect_oneshot_request("/v2/notifications", method="GET").respond_with_handler(
        lambda request: asked.append(request.args.to_dict()) or listing([]))
    assert NotifyEmail().already_sent(Message(Channel.EMAIL, "head@school.example", "b", "n-7", subject="s"), None) is None
    assert asked == [{"reference": "n-7", "template_type": "email"}]


def test_notify_knowing_no_such_reference_means_send(notify):
    # Notify filters by reference; a record with another reference is not ours even if listed.
    notify.expect_oneshot_request("/v2/notifications", method="GET").respond_with_response(
        listing([notification_record("n-40")]))
    assert NotifySms().already_sent(sms(reference="n-41"), None) is None


@pytest.mark.parametrize("response", [
    error(500, "Exception", "Internal server error"),
    error(403, "AuthError", "Invalid token: API key not found"),
    Response(json.dumps({"links": {}}), status=200, content_type="application/json"),
])
def test_a_lookup_notify_cannot_answer_says_it_cannot_tell(notify, response):
    notify.expect_oneshot_request("/v2/notifications", method="GET").respond_with_response(response)
    with pytest.raises(ProviderError):
        NotifySms().already_sent(sms(), None)
