"""The outbox wired to the providers: a delivery goes through its channel's provider (fake servers on
loopback speaking the providers' documented requests), the providers' callbacks move its status on
(and a refused one changes nothing), temporary failures are retried, permanent ones recorded at once,
each channel has its own queue, and an alert not confirmed delivered moves to the person's next channel."""

import base64
import datetime
import hashlib
import hmac
import importlib
import json
import uuid
import xml.etree.ElementTree as ET
from unittest import mock
from urllib.parse import parse_qs, urlencode

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone
from werkzeug import Response

from notifications import devices, outbox, receipts
from notifications.models import Channel, DeliveryStatus, Notification, PushSubscription
from notifications.providers import Delivery, Receipt, SendResult, push_receipts
from notifications.signals import alert_heard
from notifications.tasks import MAX_DELIVERY_ATTEMPTS, deliver_notification, queue_for
from notifications.tests.fakes import ACCOUNT, FROM, MESSAGES, TOKEN, Browser, listed, message_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]

SITE = "https://homevisits.school.example"
CALLS = f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
STATUS_URL = "/notifications/receipts/twilio/status/"
GATHER_URL = "/notifications/receipts/twilio/gather/"
NOTIFY_URL = "/notifications/receipts/notify/"
SERVICE_ID, SECRET = str(uuid.uuid4()), str(uuid.uuid4())
CALLBACK_TOKEN = "a-long-random-callback-token-the-school-chose"
T0 = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.PROVIDER_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def twilio(settings, httpserver):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = ACCOUNT, TOKEN, FROM
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = httpserver.url_for("/")
    settings.SMS_PROVIDER = settings.VOICE_PROVIDER = "twilio"
    return httpserver


@pytest.fixture
def notify(settings, httpserver):
    settings.NOTIFY_API_KEY = f"homevisits_live-{SERVICE_ID}-{SECRET}"
    settings.NOTIFY_SMS_TEMPLATE_ID = settings.NOTIFY_EMAIL_TEMPLATE_ID = str(uuid.uuid4())
    settings.NOTIFY_BASE_URL = httpserver.url_for("/")
    settings.NOTIFY_CALLBACK_TOKEN = CALLBACK_TOKEN
    settings.SMS_PROVIDER = "notify"
    return httpserver


@pytest.fixture
def push(settings, httpserver, tmp_path):
    settings.PUSH_SERVICE_HOSTS = ["localhost"]
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = True
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_KEY_FILE = tmp_path / "vapid_private_key.pem"
    settings.VAPID_SUBJECT = "mailto:office@school.example"
    settings.PUSH_PROVIDER = "webpush"
    return httpserver


def signed(url, params, token=TOKEN):
    """X-Twilio-Signature as Twilio documents it (HMAC-SHA1 of the URL and the sorted parameters)."""
    text = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def twilio_created(kind, sid, status="queued"):
    return Response(json.dumps({"sid": sid, "account_sid": ACCOUNT, "status": status, "api_version": "2010-04-01",
                                "uri": f"/2010-04-01/Accounts/{ACCOUNT}/{kind}/{sid}.json"}),
                    status=201, content_type="application/json")


def twilio_error(status, code, message):
    return Response(json.dumps({"code": code, "message": message, "status": status,
                                "more_info": f"https://www.twilio.com/docs/errors/{code}"}),
                    status=status, content_type="application/json")


def post_twilio(client, path, params, signature=None):
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature or signed(SITE + path, params))


def ours(note):
    """The query our reference takes in a Twilio callback's address."""
    return urlencode({"reference": note.message_id})


def note_for(person, channel, key="esc:1:1", level=None, **fields):
    return Notification.objects.create(dedupe_key=f"{key}:{person.pk}:{channel}", recipient=person, channel=channel,
                                       subject="Overdue: Sam Jones not back", body="Contact them now.", level=level,
                                       created_at=fields.pop("created_at", T0), **fields)


def deliver(note):
    deliver_notification.apply(args=(note.pk,))
    note.refresh_from_db()
    return note


# --- Twilio SMS and calls -------------------------------------------------------------------------

def test_a_twilio_sms_is_sent_then_delivered_by_its_signed_status_callback(twilio, office, client):
    seen = []
    twilio.expect_oneshot_request(MESSAGES, method="POST").respond_with_handler(
        lambda request: seen.append(parse_qs(request.get_data(as_text=True))) or twilio_created("Messages", "SM" + "1" * 32))
    note = deliver(note_for(office, Channel.SMS))
    assert (note.status, note.provider, note.provider_reference) == (DeliveryStatus.SENT, "twilio", "SM" + "1" * 32)
    callback = seen[0]["StatusCallback"][0]
    assert seen[0]["To"] == [str(office.profile.mobile)] and callback == f"{SITE}{STATUS_URL}?{ours(note)}"
    assert seen[0]["Body"] == ["Overdue: Sam Jones not back. Contact them now."]

    params = {"AccountSid": ACCOUNT, "MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "To": "+447700900123"}
    assert post_twilio(client, callback.removeprefix(SITE), params).status_code == 204
    note.refresh_from_db()
    assert note.status == DeliveryStatus.DELIVERED and note.delivered_at is not None
    # A late "sent" never moves it back (nor does one to the address without our reference).
    assert post_twilio(client, callback.removeprefix(SITE), params | {"MessageStatus": "sent"}).status_code == 204
    assert post_twilio(client, STATUS_URL, params | {"MessageStatus": "sent"}).status_code == 204
    note.refresh_from_db()
    assert note.status == DeliveryStatus.DELIVERED


def test_a_twilio_callback_with_a_wrong_signature_is_refused_logged_and_changes_nothing(twilio, office, client, caplog):
    note = note_for(office, Channel.SMS, status=DeliveryStatus.SENT, provider="twilio", provider_reference="SM" + "2" * 32)
    params = {"AccountSid": ACCOUNT, "MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    for signature in (signed(SITE + STATUS_URL, params, token="e" * 32), "", signed(SITE + "/elsewhere/", params)):
        response = client.post(STATUS_URL, params, **({"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}))
        assert response.status_code == 403
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT and note.reported_at is None
    assert "Refused a delivery callback" in caplog.text


def test_a_call_answered_by_voicemail_is_not_answered(twilio, office, client):
    twilio.expect_oneshot_request(CALLS, method="POST").respond_with_response(twilio_created("Calls", "CA" + "4" * 32))
    note = deliver(note_for(office, Channel.VOICE, level=3))
    assert note.status == DeliveryStatus.SENT and note.provider_reference == "CA" + "4" * 32
    params = {"AccountSid": ACCOUNT, "CallSid": "CA" + "4" * 32, "CallStatus": "completed", "AnsweredBy": "machine_start"}
    assert post_twilio(client, STATUS_URL, params).status_code == 204
    note.refresh_from_db()
    assert note.status == DeliveryStatus.NOT_ANSWERED and "machine_start" in note.provider_detail


def test_pressing_1_marks_the_call_delivered_and_tells_who_listens(twilio, office, client,
                                                                   django_capture_on_commit_callbacks):
    twilio.expect_oneshot_request(CALLS, method="POST").respond_with_response(twilio_created("Calls", "CA" + "5" * 32))
    note = deliver(note_for(office, Channel.VOICE, level=3))
    heard = []

    def listener(sender, notification, **kwargs):
        heard.append(notification.pk)
        return "You have taken charge of this alert."  # the words of the app above (safety.receivers)

    alert_heard.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            other = post_twilio(client, GATHER_URL, {"CallSid": "CA" + "5" * 32, "Digits": "2", "AnsweredBy": "human"})
        assert other.status_code == 200 and "not 1" in other.content.decode()
        note.refresh_from_db()
        assert note.status == DeliveryStatus.SENT and heard == []
        with django_capture_on_commit_callbacks(execute=True):
            response = post_twilio(client, GATHER_URL, {"CallSid": "CA" + "5" * 32, "Digits": "1", "AnsweredBy": "human"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
        assert "taken charge" in response.content.decode()
        with django_capture_on_commit_callbacks(execute=True):  # Twilio retrying the callback: told once
            post_twilio(client, GATHER_URL, {"CallSid": "CA" + "5" * 32, "Digits": "1", "AnsweredBy": "human"})
            post_twilio(client, STATUS_URL, {"CallSid": "CA" + "5" * 32, "CallStatus": "completed"})
    finally:
        alert_heard.disconnect(listener)
    note.refresh_from_db()
    assert note.status == DeliveryStatus.DELIVERED and heard == [note.pk]


def test_an_invalid_number_is_a_permanent_failure_at_once(twilio, office):
    twilio.expect_oneshot_request(MESSAGES).respond_with_response(
        twilio_error(400, 21211, "The 'To' number is not a valid phone number."))
    with mock.patch("notifications.tasks._retry_later") as retry:
        note = deliver(note_for(office, Channel.SMS))
    assert note.status == DeliveryStatus.PERMANENT_FAILURE and note.attempts == 1 and not retry.called
    assert "not a valid phone number" in note.last_error


def test_a_provider_down_is_retried_with_backoff_on_its_channels_queue_then_given_up(
        twilio, office, django_capture_on_commit_callbacks):
    twilio.expect_request(MESSAGES).respond_with_response(twilio_error(503, 20503, "Service Unavailable"))
    note = note_for(office, Channel.SMS)
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as retry:
        for _ in range(MAX_DELIVERY_ATTEMPTS):
            with django_capture_on_commit_callbacks(execute=True):
                deliver(note)
            assert note.status in (DeliveryStatus.QUEUED, DeliveryStatus.TEMPORARY_FAILURE)
    assert note.status == DeliveryStatus.TEMPORARY_FAILURE and note.attempts == MAX_DELIVERY_ATTEMPTS
    countdowns = [c.kwargs["countdown"] for c in retry.call_args_list]
    assert len(countdowns) == MAX_DELIVERY_ATTEMPTS - 1
    assert countdowns == sorted(countdowns) and countdowns[0] < countdowns[-1]
    assert {c.kwargs["queue"] for c in retry.call_args_list} == {"notifications.sms"}


def test_a_rate_limit_waits_at_least_as_long_as_the_provider_asked(twilio, office, django_capture_on_commit_callbacks):
    twilio.expect_oneshot_request(MESSAGES).respond_with_response(
        Response(json.dumps({"code": 20429, "message": "Too Many Requests", "status": 429}), status=429,
                 headers={"Retry-After": "40"}, content_type="application/json"))
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as retry, \
            django_capture_on_commit_callbacks(execute=True):
        deliver(note_for(office, Channel.SMS))
    assert retry.call_args.kwargs["countdown"] >= 30


# --- GOV.UK Notify ---------------------------------------------------------------------------------

def test_a_notify_sms_is_delivered_by_its_receipt_and_a_wrong_token_changes_nothing(notify, office, client, caplog):
    notify_id = str(uuid.uuid4())
    sent = []

    def handler(request):
        sent.append(json.loads(request.data))
        return Response(json.dumps({"id": notify_id, "reference": sent[-1]["reference"], "uri": "/v2/x",
                                    "template": {"id": "t", "version": 1, "uri": "/v2/t"},
                                    "content": {"body": "x", "from_number": "HOMEVISITS"}}),
                        status=201, content_type="application/json")

    notify.expect_oneshot_request("/v2/notifications/sms", method="POST").respond_with_handler(handler)
    note = deliver(note_for(office, Channel.SMS))
    assert (note.status, note.provider, note.provider_reference) == (DeliveryStatus.SENT, "notify", notify_id)
    assert sent[0]["reference"] == note.message_id

    def receipt(status):
        return json.dumps({"id": notify_id, "reference": note.message_id, "to": "07700900123", "status": status,
                           "created_at": "2026-12-02T00:40:01.000000Z", "completed_at": "2026-12-02T00:40:05.000000Z",
                           "sent_at": "2026-12-02T00:40:02.000000Z", "notification_type": "sms",
                           "template_id": "t", "template_version": 1})

    for authorization in ("", "Bearer wrong", f"Basic {CALLBACK_TOKEN}"):
        response = client.post(NOTIFY_URL, receipt("delivered"), content_type="application/json",
                               **({"HTTP_AUTHORIZATION": authorization} if authorization else {}))
        assert response.status_code == 403
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT
    assert "Refused a delivery callback" in caplog.text

    response = client.post(NOTIFY_URL, receipt("permanent-failure"), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {CALLBACK_TOKEN}")
    assert response.status_code == 204
    note.refresh_from_db()
    assert note.status == DeliveryStatus.PERMANENT_FAILURE


def test_a_callback_is_public_and_needs_no_csrf_token(notify):
    """Providers have no session and no CSRF cookie: the callback's own check is its guard."""
    response = Client(enforce_csrf_checks=True).post(NOTIFY_URL, "{}", content_type="application/json",
                                                     HTTP_AUTHORIZATION=f"Bearer {CALLBACK_TOKEN}")
    assert response.status_code == 403 and response.content == b"Refused."  # our refusal, not a login redirect


# --- Web push -------------------------------------------------------------------------------------

def device(person, endpoint):
    sub = Browser().subscription(endpoint)
    return PushSubscription.objects.create(user=person, endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"],
                                           auth=sub["keys"]["auth"], user_agent="Firefox on Android")


def test_a_push_goes_to_each_device_and_its_receipt_marks_it_delivered(push, office, client):
    push.expect_oneshot_request("/wpush/a", method="POST").respond_with_response(Response("", status=201))
    push.expect_oneshot_request("/wpush/b", method="POST").respond_with_response(Response("", status=201))
    phone, pc = device(office, push.url_for("/wpush/a")), device(office, push.url_for("/wpush/b"))
    note = deliver(note_for(office, Channel.PUSH))
    push.check_assertions()
    assert (note.status, note.provider) == (DeliveryStatus.SENT, "webpush")
    for sub in (phone, pc):
        sub.refresh_from_db()
        assert sub.last_success_at is not None
    token = push_receipts.make_token(note.message_id)
    assert client.post(f"/notifications/receipts/push/{token}/").status_code == 204
    note.refresh_from_db()
    assert note.status == DeliveryStatus.DELIVERED


def test_a_forged_push_receipt_is_refused(push, office, client):
    note = note_for(office, Channel.PUSH, status=DeliveryStatus.SENT, provider="webpush")
    forged = push_receipts.make_token(note.message_id)[:-2] + "xx"
    assert client.post(f"/notifications/receipts/push/{forged}/").status_code == 403
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT


def test_a_push_service_answering_410_deletes_the_device_and_the_sms_follows(push, office, settings,
                                                                             django_capture_on_commit_callbacks):
    settings.SMS_PROVIDER, settings.SMS_BACKEND = "locmem", ""
    push.expect_oneshot_request("/wpush/gone", method="POST").respond_with_response(Response("", status=410))
    device(office, push.url_for("/wpush/gone"))
    note = deliver(note_for(office, Channel.PUSH, level=2))
    assert note.status == DeliveryStatus.PERMANENT_FAILURE and not PushSubscription.objects.exists()
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as handed, \
            django_capture_on_commit_callbacks(execute=True):
        assert outbox.fall_back(T0 + datetime.timedelta(seconds=1)) == 1  # at once: it failed for good
    sms = Notification.objects.get(recipient=office, channel=Channel.SMS)
    assert sms.dedupe_key == f"esc:1:1:{office.pk}:sms" and sms.level == 2
    assert handed.call_args.kwargs["queue"] == "notifications.sms"


# --- Queues and fallback --------------------------------------------------------------------------

def test_each_channel_is_handed_to_its_own_queue(office, settings, django_capture_on_commit_callbacks):
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as handed, \
            django_capture_on_commit_callbacks(execute=True):
        outbox.queue(outbox.both_channels("k", [office], "s", "b"))
    assert sorted(c.kwargs["queue"] for c in handed.call_args_list) == ["notifications.email", "notifications.sms"]
    assert {q.name for q in settings.CELERY_TASK_QUEUES} >= {queue_for(c) for c in Channel} | {"celery"}


def test_a_person_is_reached_on_their_first_channel_then_the_next_when_not_confirmed(
        office, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_FALLBACK_SECONDS = {1: 300, 2: 120, 3: 60}
    with mock.patch("notifications.tasks.deliver_notification.apply_async"), \
            django_capture_on_commit_callbacks(execute=True):
        outbox.queue(outbox.in_order("esc:7:1", [office], "Overdue", "Contact them now.", level=2), T0)
    first = Notification.objects.get()
    assert first.channel == Channel.SMS  # no device takes push, so SMS comes first
    Notification.objects.filter(pk=first.pk).update(status=DeliveryStatus.SENT)
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        assert outbox.fall_back(T0 + datetime.timedelta(seconds=119)) == 0  # not yet
        assert outbox.fall_back(T0 + datetime.timedelta(seconds=121)) == 1
        assert outbox.fall_back(T0 + datetime.timedelta(seconds=500)) == 0  # moved on once
    assert list(Notification.objects.order_by("pk").values_list("channel", flat=True)) == ["sms", "email"]


def test_a_delivered_alert_and_the_last_channel_go_no_further(office, settings):
    settings.NOTIFICATION_CHANNEL_ORDER = {1: ["push", "sms", "email"], 2: ["push", "sms", "email"],
                                           3: ["push", "sms", "voice", "email"]}
    note_for(office, Channel.SMS, key="esc:8:1", level=3, status=DeliveryStatus.DELIVERED)
    note_for(office, Channel.EMAIL, key="esc:9:1", level=3, status=DeliveryStatus.PERMANENT_FAILURE)
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        assert outbox.fall_back(T0 + datetime.timedelta(hours=1)) == 0
    assert Notification.objects.count() == 2


def test_at_level_3_a_call_follows_an_sms_nobody_confirmed(office, settings):
    settings.VOICE_PROVIDER = "locmem"  # in production a log-only channel is skipped (below)
    note_for(office, Channel.SMS, key="esc:10:1", level=3, status=DeliveryStatus.TEMPORARY_FAILURE)
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        assert outbox.fall_back(T0) == 1
    assert Notification.objects.get(dedupe_key=f"esc:10:1:{office.pk}:voice").level == 3


def test_messages_without_a_level_never_fall_back(office):
    note_for(office, Channel.EMAIL, key="submitted:1:1", status=DeliveryStatus.PERMANENT_FAILURE)
    assert outbox.fall_back(T0 + datetime.timedelta(hours=1)) == 0


def test_rows_from_before_receipts_take_the_new_statuses(office):
    """notifications 0003: "pending" is waiting to send, "failed" given up after the retries."""
    waiting, given_up, sent = (note_for(office, Channel.EMAIL, key=f"old:{n}") for n in range(3))
    Notification.objects.filter(pk=waiting.pk).update(status="pending")
    Notification.objects.filter(pk=given_up.pk).update(status="failed")
    Notification.objects.filter(pk=sent.pk).update(status="sent")
    statuses = importlib.import_module("notifications.migrations.0003_delivery_statuses")
    statuses.forward(django_apps, None)
    assert dict(Notification.objects.values_list("pk", "status")) == {
        waiting.pk: DeliveryStatus.QUEUED, given_up.pk: DeliveryStatus.TEMPORARY_FAILURE, sent.pk: DeliveryStatus.SENT}
    statuses.backward(django_apps, None)
    assert dict(Notification.objects.values_list("pk", "status")) == {
        waiting.pk: "pending", given_up.pk: "failed", sent.pk: "sent"}


class QuickReceiptSms:
    """A provider whose delivery receipt arrives before its answer to the send (it can)."""

    name, channel, real = "quick", "sms", False

    def send(self, message):
        receipts.apply(Receipt("quick", "", message.reference, Delivery.DELIVERED))
        return SendResult("quick", "Q-1", Delivery.SENT)


def test_a_receipt_that_beats_the_providers_answer_keeps_its_status(office, settings):
    settings.SMS_PROVIDER, settings.SMS_BACKEND = f"{__name__}.QuickReceiptSms", ""
    note = deliver(note_for(office, Channel.SMS))
    assert (note.status, note.provider, note.provider_reference) == (DeliveryStatus.DELIVERED, "quick", "Q-1")
    assert note.sending_since is None


# --- Devices --------------------------------------------------------------------------------------

def test_a_signed_in_person_saves_their_device_and_removes_only_their_own(push, office, head, client):
    sub = Browser().subscription(push.url_for("/wpush/phone"))
    client.force_login(office)
    response = client.post("/notifications/push/devices/", json.dumps(sub), content_type="application/json",
                           HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36")
    assert response.status_code == 201
    device = PushSubscription.objects.get()
    assert (device.user, device.user_agent, device.as_webpush()) == (office, "Chrome on Android",
                                                                     {k: sub[k] for k in ("endpoint", "keys")})
    assert outbox.reachable(office, Channel.PUSH)
    client.force_login(head)  # the phone changed hands: it is the head's now, still one row
    assert client.post("/notifications/push/devices/", json.dumps(sub), content_type="application/json").status_code == 200
    assert PushSubscription.objects.get().user == head
    client.force_login(office)
    assert client.post(f"/notifications/push/devices/{device.pk}/remove/").status_code == 404
    client.force_login(head)
    assert client.post(f"/notifications/push/devices/{device.pk}/remove/").status_code == 302
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("body", [
    "not json",
    json.dumps({"endpoint": "https://evil.example/x", "keys": {"p256dh": "a", "auth": "b"}}),
    json.dumps({"endpoint": "http://localhost/x"}),
])
def test_a_bad_subscription_is_refused_and_nothing_saved(push, office, client, body):
    client.force_login(office)
    response = client.post("/notifications/push/devices/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_saving_a_device_needs_a_session(push, client):
    sub = Browser().subscription(push.url_for("/wpush/phone"))
    response = client.post("/notifications/push/devices/", json.dumps(sub), content_type="application/json")
    assert response.status_code in (302, 403) and not PushSubscription.objects.exists()


def test_a_misspelt_channel_order_leaves_the_name_out_and_the_scan_carries_on(office, settings, caplog):
    settings.NOTIFICATION_CHANNEL_ORDER = {1: ["pager", "SMS", "email"], 2: ["sms", "email"], 3: ["sms", "email"]}
    assert outbox.channel_order(1) == [Channel.SMS, Channel.EMAIL] and "pager" in caplog.text
    assert outbox.channel_order(7) == [Channel.SMS, Channel.EMAIL]  # above the top level: the top level's
    note_for(office, Channel.SMS, key="esc:11:1", level=1, status=DeliveryStatus.PERMANENT_FAILURE)
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        assert outbox.fall_back(T0) == 1
    assert Notification.objects.filter(dedupe_key=f"esc:11:1:{office.pk}:email").exists()


@pytest.mark.parametrize("path", [NOTIFY_URL, STATUS_URL, GATHER_URL, "/notifications/receipts/push/abc/"])
def test_the_callbacks_are_public_but_take_only_a_checked_post(client, path):
    assert client.get(path).status_code == 405  # not a login redirect: providers have no session
    assert client.post(path).status_code == 403


@pytest.mark.parametrize("change", [
    lambda sub: {**sub, "endpoint": sub["endpoint"] + "x" * 1000},  # longer than the column
    lambda sub: {**sub, "keys": {**sub["keys"], "p256dh": "A" * 201}},  # would be cut, so undecryptable
    lambda sub: {**sub, "keys": {**sub["keys"], "auth": "A" * 101}},
])
def test_an_oversize_subscription_is_refused_and_nothing_saved(push, office, client, change):
    client.force_login(office)
    body = json.dumps(change(Browser().subscription(push.url_for("/wpush/phone"))))
    response = client.post("/notifications/push/devices/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_a_person_keeps_a_few_devices_not_thousands(push, office, head, client):
    # Every device of a person is pushed to in turn on the push queue: an unbounded list would hold
    # up everyone's alerts behind one person's.
    client.force_login(head)
    heads = Browser().subscription(push.url_for("/wpush/heads-phone"))
    assert client.post("/notifications/push/devices/", json.dumps(heads), content_type="application/json").status_code == 201
    client.force_login(office)
    for n in range(devices.MAX_DEVICES_PER_PERSON + 5):
        sub = Browser().subscription(push.url_for(f"/wpush/script-{n}"))
        response = client.post("/notifications/push/devices/", json.dumps(sub), content_type="application/json")
        assert response.status_code == 201
    mine = PushSubscription.objects.filter(user=office)
    assert mine.count() == devices.MAX_DEVICES_PER_PERSON
    assert mine.filter(endpoint__endswith="/wpush/script-14").exists()  # the newest kept
    assert not mine.filter(endpoint__endswith="/wpush/script-0").exists()
    assert PushSubscription.objects.filter(user=head).count() == 1  # nobody else's touched


def test_the_device_endpoints_need_the_csrf_token(push, office):
    # A page on another site must not save its own push service as the person's device, nor remove one.
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    sub = Browser().subscription(push.url_for("/wpush/phone"))
    device = PushSubscription.objects.create(user=office, endpoint=push.url_for("/wpush/kept"), p256dh="k", auth="a")
    assert client.post("/notifications/push/devices/", json.dumps(sub), content_type="application/json").status_code == 403
    assert client.post(f"/notifications/push/devices/{device.pk}/remove/").status_code == 403
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [device.pk]


# --- A worker that died mid-send: ask the provider before sending again ---------------------------

def died_mid_send(person, channel, **fields):
    """A row as a worker killed mid-send leaves it: queued, one attempt, its lease long over."""
    began = timezone.now() - datetime.timedelta(minutes=5)
    return note_for(person, channel, attempts=1, sending_since=began, handed_over_at=began, **fields)


def notify_sent(request_log):
    return [r for r, _ in request_log if r.method == "POST"]


def notify_listing(*records):
    return Response(json.dumps({"notifications": list(records), "links": {"current": "/v2/notifications"}}),
                    status=200, content_type="application/json")


def notify_record(note, notify_id, status="sending"):
    return {"id": notify_id, "reference": note.message_id, "type": "sms", "status": status,
            "phone_number": "+447700900123", "created_at": "2026-12-01T10:00:01.000000Z"}


def notify_accepts(notify):
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(
        lambda request: Response(json.dumps({"id": str(uuid.uuid4()), "reference": json.loads(request.data)["reference"]}),
                                 status=201, content_type="application/json"))


def test_after_a_worker_died_notify_is_asked_by_our_reference_and_not_sent_to_again(notify, office):
    note = died_mid_send(office, Channel.SMS)
    notify_id = str(uuid.uuid4())
    notify.expect_oneshot_request("/v2/notifications", method="GET").respond_with_response(
        notify_listing(notify_record(note, notify_id)))
    notify_accepts(notify)
    note = deliver(note)
    assert notify_sent(notify.log) == []
    assert (note.status, note.provider, note.provider_reference, note.attempts) == (
        DeliveryStatus.SENT, "notify", notify_id, 2)
    assert note.sending_since is None


def test_after_a_worker_died_before_notify_had_it_the_message_is_sent_once(notify, office):
    note = died_mid_send(office, Channel.SMS)
    notify.expect_oneshot_request("/v2/notifications", method="GET").respond_with_response(notify_listing())
    notify_accepts(notify)
    note = deliver(note)
    assert len(notify_sent(notify.log)) == 1 and note.status == DeliveryStatus.SENT


def test_a_lookup_that_fails_sends_anyway_an_alert_twice_beats_none(notify, office, caplog):
    note = died_mid_send(office, Channel.SMS)
    notify.expect_oneshot_request("/v2/notifications", method="GET").respond_with_response(
        Response(json.dumps({"status_code": 500, "errors": [{"error": "Exception", "message": "Internal"}]}),
                 status=500, content_type="application/json"))
    notify_accepts(notify)
    note = deliver(note)
    assert len(notify_sent(notify.log)) == 1 and note.status == DeliveryStatus.SENT
    assert "could not ask notify" in caplog.text


def test_the_first_attempt_asks_nobody_and_a_retry_after_an_error_asks_notify(notify, office):
    notify_accepts(notify)
    deliver(note_for(office, Channel.SMS, key="first"))
    assert [r.method for r, _ in notify.log] == ["POST"]
    notify.clear_log()
    notify.expect_oneshot_request("/v2/notifications", method="GET").respond_with_response(notify_listing())
    retried = deliver(note_for(office, Channel.SMS, key="retry", attempts=1, last_error="timed out"))
    assert [r.method for r, _ in notify.log] == ["GET", "POST"] and retried.status == DeliveryStatus.SENT


def test_after_a_worker_died_twilio_is_asked_for_the_message_it_took_during_that_attempt(twilio, office):
    note = died_mid_send(office, Channel.SMS)
    record = message_record("SM" + "6" * 32, note.sending_since + datetime.timedelta(seconds=1),
                            body="Overdue: Sam Jones not back. Contact them now.", to=str(office.profile.mobile))
    twilio.expect_oneshot_request(MESSAGES, method="GET").respond_with_response(listed("messages", [record]))
    twilio.expect_request(MESSAGES, method="POST").respond_with_response(twilio_created("Messages", "SM" + "9" * 32))
    note = deliver(note)
    assert [r.method for r, _ in twilio.log] == ["GET"]
    assert (note.status, note.provider_reference) == (DeliveryStatus.DELIVERED, "SM" + "6" * 32)


def test_a_message_twilio_took_for_another_notification_is_not_this_ones(twilio, office):
    note = died_mid_send(office, Channel.SMS)
    note_for(office, Channel.SMS, key="other", status=DeliveryStatus.SENT, provider="twilio",
             provider_reference="SM" + "6" * 32)  # the same words, to the same person, recorded already
    record = message_record("SM" + "6" * 32, note.sending_since + datetime.timedelta(seconds=1),
                            body="Overdue: Sam Jones not back. Contact them now.", to=str(office.profile.mobile))
    twilio.expect_oneshot_request(MESSAGES, method="GET").respond_with_response(listed("messages", [record]))
    twilio.expect_request(MESSAGES, method="POST").respond_with_response(twilio_created("Messages", "SM" + "9" * 32))
    note = deliver(note)
    assert [r.method for r, _ in twilio.log] == ["GET", "POST"]
    assert note.provider_reference == "SM" + "9" * 32


# --- Receipts that arrive before the worker saved the provider's id ------------------------------

def deliver_and_die(note):
    """Send through the provider, then die before the result is saved (as a killed worker does)."""
    with mock.patch("notifications.tasks._record_result"):
        deliver_notification.apply(args=(note.pk,))
    note.refresh_from_db()
    assert (note.status, note.provider, note.provider_reference) == (DeliveryStatus.QUEUED, "", "")
    return note


def test_a_twilio_status_callback_before_the_sid_was_saved_finds_its_message(twilio, office, client):
    seen = []
    twilio.expect_oneshot_request(MESSAGES, method="POST").respond_with_handler(
        lambda request: seen.append(parse_qs(request.get_data(as_text=True))) or twilio_created("Messages", "SM" + "7" * 32))
    note = deliver_and_die(note_for(office, Channel.SMS))
    callback = seen[0]["StatusCallback"][0].removeprefix(SITE)
    params = {"AccountSid": ACCOUNT, "MessageSid": "SM" + "7" * 32, "MessageStatus": "sent"}
    assert post_twilio(client, callback, params).status_code == 204
    note.refresh_from_db()
    assert (note.status, note.provider, note.provider_reference) == (DeliveryStatus.SENT, "twilio", "SM" + "7" * 32)
    # Later receipts find it by the sid too, and never move it back.
    assert post_twilio(client, STATUS_URL, params | {"MessageStatus": "delivered"}).status_code == 204
    assert post_twilio(client, callback, params | {"MessageStatus": "queued"}).status_code == 204
    note.refresh_from_db()
    assert note.status == DeliveryStatus.DELIVERED
    # The task, handed over again, sends nothing more: the message has left "queued".
    Notification.objects.filter(pk=note.pk).update(sending_since=timezone.now() - datetime.timedelta(minutes=5))
    deliver(note)
    assert [r.method for r, _ in twilio.log] == ["POST"]


def test_a_key_press_before_the_calls_sid_was_saved_is_heard(twilio, office, client, django_capture_on_commit_callbacks):
    seen = []
    twilio.expect_oneshot_request(CALLS, method="POST").respond_with_handler(
        lambda request: seen.append(parse_qs(request.get_data(as_text=True))) or twilio_created("Calls", "CA" + "6" * 32))
    note = deliver_and_die(note_for(office, Channel.VOICE, level=3))
    gather = ET.fromstring(seen[0]["Twiml"][0]).find("Gather").get("action")
    assert gather == f"{SITE}{GATHER_URL}?{ours(note)}" and seen[0]["StatusCallback"] == [f"{SITE}{STATUS_URL}?{ours(note)}"]
    heard = []

    def listener(sender, notification, **kwargs):
        heard.append(notification.pk)
        return "You have taken charge of this alert."  # the words of the app above (safety.receivers)

    alert_heard.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_twilio(client, gather.removeprefix(SITE),
                                   {"CallSid": "CA" + "6" * 32, "Digits": "1", "AnsweredBy": "human"})
    finally:
        alert_heard.disconnect(listener)
    assert response.status_code == 200 and "taken charge" in response.content.decode()
    note.refresh_from_db()
    assert (note.status, note.provider_reference, heard) == (DeliveryStatus.DELIVERED, "CA" + "6" * 32, [note.pk])


def test_a_callback_without_our_reference_and_an_unknown_sid_changes_nothing(twilio, office, client, caplog):
    note = note_for(office, Channel.SMS)
    params = {"AccountSid": ACCOUNT, "MessageSid": "SM" + "8" * 32, "MessageStatus": "delivered"}
    assert post_twilio(client, STATUS_URL, params).status_code == 204
    note.refresh_from_db()
    assert note.status == DeliveryStatus.QUEUED and "unknown message" in caplog.text


def test_a_notify_receipt_before_the_id_was_saved_finds_its_message_by_our_reference(notify, office, client):
    notify_id = str(uuid.uuid4())
    notify.expect_oneshot_request("/v2/notifications/sms", method="POST").respond_with_response(
        Response(json.dumps({"id": notify_id}), status=201, content_type="application/json"))
    note = deliver_and_die(note_for(office, Channel.SMS))
    body = json.dumps({"id": notify_id, "reference": note.message_id, "to": "07700900123", "status": "delivered",
                       "created_at": "2026-12-02T00:40:01.000000Z", "completed_at": "2026-12-02T00:40:05.000000Z",
                       "sent_at": "2026-12-02T00:40:02.000000Z", "notification_type": "sms",
                       "template_id": "t", "template_version": 1})
    response = client.post(NOTIFY_URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {CALLBACK_TOKEN}")
    assert response.status_code == 204
    note.refresh_from_db()
    assert (note.status, note.provider, note.provider_reference) == (DeliveryStatus.DELIVERED, "notify", notify_id)
    Notification.objects.filter(pk=note.pk).update(sending_since=timezone.now() - datetime.timedelta(minutes=5))
    deliver(note)
    assert [r.method for r, _ in notify.log] == ["POST"]  # not sent again, not even asked


def test_a_receipt_saying_queued_means_the_provider_has_it(office):
    note = note_for(office, Channel.SMS)
    receipts.apply(Receipt("twilio", "SM" + "5" * 32, note.message_id, Delivery.QUEUED))
    note.refresh_from_db()
    assert (note.status, note.provider_reference) == (DeliveryStatus.SENT, "SM" + "5" * 32)
