""""Alerts on this device": every signed-in person sees their own devices that take push alerts,
removes one with a plain form, and sends themselves a TEST push that goes to their own devices only,
by push only, throttled per person. Another person's device (same school or another) is not found."""

import datetime
import re
from unittest import mock

import pytest
from django.test import Client
from werkzeug import Response

from homevisits.factories import UserFactory
from notifications import devices, outbox
from notifications.models import Channel, DeliveryStatus, Notification, PushSubscription
from notifications.tasks import deliver_notification
from notifications.tests.fakes import Browser

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)
PAGE = "/notifications/push/devices/"
TEST_URL = "/notifications/push/devices/test/"


@pytest.fixture
def push(settings, httpserver, tmp_path):
    settings.PUSH_SERVICE_HOSTS = ["localhost"]
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = True
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_KEY_FILE = tmp_path / "vapid_private_key.pem"
    settings.VAPID_SUBJECT = "mailto:office@school.example"
    settings.PUSH_PROVIDER = "webpush"
    settings.PROVIDER_TIMEOUT_SECONDS = 0.5
    return httpserver


def device(person, endpoint, name="Chrome on Android", **fields):
    sub = Browser().subscription(endpoint)
    return PushSubscription.objects.create(user=person, endpoint=endpoint, p256dh=sub["keys"]["p256dh"],
                                           auth=sub["keys"]["auth"], user_agent=name, **fields)


def remove_url(pk):
    return f"/notifications/push/devices/{pk}/remove/"


def shown_messages(response):
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def no_send():
    """Queued notifications are recorded, not handed to a worker."""
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as sent:
        yield sent


# --- The page ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["teacher", "ta", "office", "head", "dsl", "admin", "other_head", "no_school"])
def test_every_signed_in_person_sees_their_own_devices_and_nobody_elses(push, people, client, who):
    me = UserFactory(username="no-school") if who == "no_school" else people[who]
    someone = people["office"] if who != "office" else people["head"]
    device(me, "https://localhost/wpush/mine", name="Firefox on Windows", last_success_at=T0)
    device(someone, "https://localhost/wpush/theirs", name="Samsung Internet on Android")
    client.force_login(me)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Firefox on Windows" in page and "Samsung Internet" not in page and "/wpush/theirs" not in page
    assert "Send me a test" in page and "Remove" in page
    assert 'aria-live="polite"' in page and "data-push-status" in page
    assert re.search(r'data-push-key="[A-Za-z0-9_-]{80,}"', page)  # the VAPID public key push.js subscribes with
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "<script>" not in page  # the CSP allows no inline script; push.js is a file of ours
    assert '/static/js/push.js' in page


def test_with_no_device_the_page_says_so_and_offers_no_test(push, office, client):
    client.force_login(office)
    page = client.get(PAGE).content.decode()
    assert "No device takes your alerts yet" in page and "Send me a test" not in page
    assert "Turn on alerts on this device" in page


def test_a_failing_device_is_shown_as_failing(push, office, client):
    device(office, "https://localhost/wpush/a", last_success_at=T0, last_failure_at=T0 + datetime.timedelta(hours=1))
    client.force_login(office)
    assert "Last alert failed" in client.get(PAGE).content.decode()


def test_the_list_alone_is_what_push_js_fetches_after_subscribing(push, office, head, client):
    device(office, "https://localhost/wpush/a", name="Edge on Windows")
    device(head, "https://localhost/wpush/b", name="Safari on iPhone")
    client.force_login(office)
    response = client.get("/notifications/push/devices/list/?next=/out/")
    page = response.content.decode()
    assert response.status_code == 200 and "Edge on Windows" in page and "Safari on iPhone" not in page
    assert "<html" not in page and 'name="next" value="/out/"' in page


def test_the_pages_need_a_login(push, client):
    for url in (PAGE, "/notifications/push/devices/list/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_account_page_links_to_it_and_the_board_shows_the_panel(push, office, client):
    device(office, "https://localhost/wpush/a", name="Edge on Windows")
    client.force_login(office)
    account = client.get("/accounts/").content.decode()
    assert 'href="/notifications/push/devices/"' in account and "Alerts on this device" in account
    board = client.get("/out/").content.decode()
    assert 'data-testid="push-panel"' in board and "Edge on Windows" in board
    assert 'name="next" value="/out/"' in board  # its forms come back to the board
    assert "/static/js/board.js" in board and "data-notify-toggle" in board  # the board's own alerts stay


# --- Removing ------------------------------------------------------------------------------------------

def test_a_person_removes_their_own_device_with_a_plain_form_and_comes_back(push, office, client):
    mine, other = device(office, "https://localhost/wpush/a"), device(office, "https://localhost/wpush/b")
    client.force_login(office)
    response = client.post(remove_url(mine.pk), {"next": "/out/"})
    assert response.status_code == 302 and response["Location"] == "/out/"
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [other.pk]
    assert shown_messages(response) == ["Removed Chrome on Android: alerts no longer go to it."]


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_removing_never_sends_the_person_off_the_site(push, office, client, next_url):
    mine = device(office, "https://localhost/wpush/a")
    client.force_login(office)
    response = client.post(remove_url(mine.pk), {"next": next_url})
    assert response.status_code == 302 and response["Location"] == PAGE


@pytest.mark.parametrize("attacker", ["teacher", "head", "admin", "other_head", "other_admin"])
def test_another_persons_device_is_not_found_and_stays(push, people, client, attacker):
    # The office's phone, tried by a colleague of the same school and by people of another school.
    victim = device(people["office"], "https://localhost/wpush/office-phone")
    client.force_login(people[attacker])
    theirs = client.post(remove_url(victim.pk))
    missing = client.post(remove_url(987654321))
    assert theirs.status_code == missing.status_code == 404
    # Nothing tells them the device exists.
    def page(response):  # less the per-response CSRF mask
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)
    assert page(theirs) == page(missing)
    assert PushSubscription.objects.filter(pk=victim.pk, user=people["office"]).exists()


def test_removing_and_testing_take_only_a_post(push, office, client):
    mine = device(office, "https://localhost/wpush/a")
    client.force_login(office)
    assert client.get(remove_url(mine.pk)).status_code == 405
    assert client.get(TEST_URL).status_code == 405
    assert client.delete(PAGE).status_code == 405
    assert PushSubscription.objects.filter(pk=mine.pk).exists() and not Notification.objects.exists()


def test_the_forms_need_the_csrf_token_and_carry_it(push, office, no_send):
    # A page on another site must not remove a person's device or fire test pushes at their phone.
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    mine = device(office, "https://localhost/wpush/a")
    assert client.post(remove_url(mine.pk)).status_code == 403
    assert client.post(TEST_URL).status_code == 403
    assert PushSubscription.objects.filter(pk=mine.pk).exists() and not Notification.objects.exists()
    # The page's own forms carry the token, so they go through.
    page = client.get(PAGE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(remove_url(mine.pk), {"csrfmiddlewaretoken": token}).status_code == 302
    assert not PushSubscription.objects.exists()


# --- Send me a test ------------------------------------------------------------------------------------

def test_a_test_is_one_push_to_the_persons_own_devices_marked_test(push, office, head, client, no_send,
                                                                    django_capture_on_commit_callbacks):
    device(office, "https://localhost/wpush/a")
    device(office, "https://localhost/wpush/b")
    device(head, "https://localhost/wpush/heads")
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(TEST_URL, {"next": "/out/"})
    assert response.status_code == 302 and response["Location"] == "/out/"
    assert shown_messages(response)[0].startswith("Test sent to your devices.")
    note = Notification.objects.get()
    assert (note.recipient, note.channel, note.level, note.status) == (office, Channel.PUSH, None, DeliveryStatus.PENDING)
    assert note.subject.startswith("TEST") and note.body.startswith("TEST")
    assert no_send.called  # handed to the worker once the request committed


def test_the_test_push_reaches_each_own_device_and_no_one_elses(push, office, head, no_send):
    push.expect_oneshot_request("/wpush/a", method="POST").respond_with_response(Response("", status=201))
    push.expect_oneshot_request("/wpush/b", method="POST").respond_with_response(Response("", status=201))
    device(office, push.url_for("/wpush/a"))
    device(office, push.url_for("/wpush/b"))
    heads = device(head, push.url_for("/wpush/heads"))
    note = devices.send_test(office, T0)
    deliver_notification.apply(args=(note.pk,))
    push.check_assertions()
    assert [r.path for r, _ in push.log] == ["/wpush/a", "/wpush/b"]  # the head's phone was never called
    note.refresh_from_db()
    heads.refresh_from_db()
    assert note.status == DeliveryStatus.SENT and heads.last_success_at is None


def test_a_test_with_no_device_is_refused_and_nothing_queued(push, office, client, no_send):
    client.force_login(office)
    response = client.post(TEST_URL)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert shown_messages(response) == ["No device takes your alerts yet: turn on alerts on this device first."]
    assert not Notification.objects.exists()


def test_tests_are_throttled_per_person(push, office, head, no_send):
    device(office, "https://localhost/wpush/a")
    device(head, "https://localhost/wpush/b")
    devices.send_test(office, T0)
    with pytest.raises(devices.TestPushRefused, match="less than a minute ago. Try again in 31 seconds"):
        devices.send_test(office, T0 + datetime.timedelta(seconds=30))
    devices.send_test(head, T0 + datetime.timedelta(seconds=30))  # another person's limit is their own
    for minute in range(1, devices.TEST_PUSHES_PER_HOUR):
        devices.send_test(office, T0 + datetime.timedelta(minutes=minute))
    with pytest.raises(devices.TestPushRefused, match=r"5 tests were sent in the last hour. Try again after 11:00"):
        devices.send_test(office, T0 + datetime.timedelta(minutes=30))
    assert Notification.objects.filter(recipient=office).count() == devices.TEST_PUSHES_PER_HOUR
    devices.send_test(office, T0 + datetime.timedelta(hours=1, seconds=1))  # the first has left the hour
    assert Notification.objects.filter(recipient=office).count() == devices.TEST_PUSHES_PER_HOUR + 1


def test_a_second_click_in_the_same_minute_is_refused_with_a_message(push, office, client, no_send):
    device(office, "https://localhost/wpush/a")
    client.force_login(office)
    client.post(TEST_URL)
    response = client.post(TEST_URL)
    assert "less than a minute ago" in shown_messages(response)[-1]
    assert Notification.objects.count() == 1


def test_a_test_never_falls_back_to_a_text_or_a_call(push, office, no_send):
    # No level: outbox.fall_back moves only escalation messages on to the next channel.
    device(office, "https://localhost/wpush/a")
    note = devices.send_test(office, T0)
    Notification.objects.filter(pk=note.pk).update(status=DeliveryStatus.PERMANENT_FAILURE)
    assert outbox.fall_back(T0 + datetime.timedelta(hours=2)) == 0
    assert Notification.objects.count() == 1

