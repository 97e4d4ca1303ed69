"""Web push, through pywebpush, against a fake push service on loopback: the POST carries the payload
encrypted for the subscription (aes128gcm, RFC 8291; decrypted here with the subscriber's private key),
TTL of at least an hour, Urgency: high and a VAPID Authorization (RFC 8292: a JWT signed ES256 by our
key for the push service's origin). Push services answer 201; 404/410 mean the subscription is gone."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from werkzeug import Response

from notifications.providers import Channel, Delivery, Message, ProviderError, SubscriptionGone, get_provider, vapid
from notifications.providers.webpush import WebPush, endpoint_allowed

from .fakes import Browser, b64url, unb64url


@pytest.fixture
def push(settings, httpserver, tmp_path, no_network_wait):
    settings.PUSH_SERVICE_HOSTS = ["localhost"]  # the fake push service (pytest-httpserver names it so)
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = True
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_KEY_FILE = tmp_path / "vapid_private_key.pem"
    settings.VAPID_SUBJECT = "mailto:office@school.example"
    settings.PUSH_PROVIDER = "webpush"
    return httpserver


def alert(subscription, **extra):
    return Message(Channel.PUSH, subscription, "Sam Jones is 30 minutes late back.", "n-41", subject="Late return",
                   url="https://homevisits.school.example/visits/12/", **extra)


def vapid_claims(request, audience):
    scheme, _, rest = request.headers["Authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert fields["k"] == vapid.public_key()
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
    return jwt.decode(fields["t"], key, algorithms=["ES256"], audience=audience)


def test_a_push_is_encrypted_for_the_device_urgent_lives_an_hour_and_is_signed(push):
    browser = Browser()
    seen = []

    def push_service(request):
        seen.append((dict(request.headers), request.get_data()))
        return Response("", status=201, headers={"Location": push.url_for("/message/m-1")})

    push.expect_oneshot_request("/wpush/v2/abc", method="POST").respond_with_handler(push_service)
    result = get_provider(Channel.PUSH).send(alert(browser.subscription(push.url_for("/wpush/v2/abc")),
                                                   status_callback="https://homevisits.school.example/r/tok/"))
    assert (result.provider, result.status) == ("webpush", Delivery.SENT)
    assert result.reference == push.url_for("/message/m-1")
    headers, body = seen[0]
    assert int(headers["Ttl"]) >= 3600
    assert headers["Urgency"] == "high"
    assert headers["Content-Encoding"] == "aes128gcm"
    claims = vapid_claims(type("R", (), {"headers": headers})(), audience=push.url_for("/").rstrip("/"))
    assert claims["sub"] == "mailto:office@school.example" and time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert browser.decrypt(body) == {"title": "Late return", "body": "Sam Jones is 30 minutes late back.",
                                     "url": "https://homevisits.school.example/visits/12/", "tag": "n-41",
                                     "receipt": "https://homevisits.school.example/r/tok/"}
    assert b"Sam Jones" not in body


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_no_longer_knows_is_gone(push, status):
    push.expect_oneshot_request("/wpush/v2/gone").respond_with_response(Response("", status=status))
    with pytest.raises(SubscriptionGone) as caught:
        WebPush().send(alert(Browser().subscription(push.url_for("/wpush/v2/gone"))))
    assert caught.value.permanent


@pytest.mark.parametrize("status,headers,permanent,retry_after", [
    (429, {"Retry-After": "120"}, False, 120),
    (500, {}, False, None),
    (503, {}, False, None),
    (413, {}, True, None),
    (403, {}, True, None),
])
def test_other_push_service_answers(push, status, headers, permanent, retry_after):
    push.expect_oneshot_request("/wpush/v2/x").respond_with_response(Response("", status=status, headers=headers))
    with pytest.raises(ProviderError) as caught:
        WebPush().send(alert(Browser().subscription(push.url_for("/wpush/v2/x"))))
    assert not isinstance(caught.value, SubscriptionGone)
    assert caught.value.permanent is permanent and caught.value.retry_after == retry_after


def test_a_silent_push_service_is_a_temporary_failure(push, silent):
    push.expect_oneshot_request("/wpush/v2/slow").respond_with_handler(silent(Response("", 201)))
    with pytest.raises(ProviderError) as caught:
        WebPush().send(alert(Browser().subscription(push.url_for("/wpush/v2/slow"))))
    assert caught.value.permanent is False and not isinstance(caught.value, SubscriptionGone)


@pytest.mark.parametrize("subscription", [
    None, "https://fcm.googleapis.com/x", {"endpoint": "https://fcm.googleapis.com/fcm/send/x"},
    {"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": {"p256dh": "", "auth": "a"}},
])
def test_a_malformed_subscription_is_refused_before_sending(push, subscription):
    with pytest.raises(ProviderError) as caught:
        WebPush().send(alert(subscription))
    assert caught.value.permanent
    assert push.log == []


def test_a_subscription_pointing_inside_our_network_is_never_posted_to(push, settings):
    settings.PUSH_SERVICE_HOSTS = ["fcm.googleapis.com"]
    with pytest.raises(ProviderError, match="not a known push service"):
        WebPush().send(alert(Browser().subscription(push.url_for("/wpush/v2/abc"))))
    assert push.log == []


@pytest.mark.parametrize("endpoint,allowed", [
    ("https://fcm.googleapis.com/fcm/send/abc", True),
    ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
    ("https://web.push.apple.com/QG9", True),
    ("https://wns2-db5p.notify.windows.com/w/?token=x", True),
    ("http://fcm.googleapis.com/fcm/send/abc", False),
    ("https://push.apple.com.evil.example/x", False),
    ("https://evilpush.apple.com/x", False),
    ("https://notify.windows.com/x", False),
    ("https://127.0.0.1:6379/x", False),
    ("https://user@fcm.googleapis.com.evil.example/x", False),
    ("javascript:alert(1)", False),
    ("https://[::1/x", False),
    ("https://fcm.googleapis.com:6379/fcm/send/abc", False),  # a known host, another service's port
    ("https://fcm.googleapis.com:443/fcm/send/abc", True),
])
def test_only_https_endpoints_on_known_push_services(settings, endpoint, allowed):
    settings.PUSH_SERVICE_HOSTS = ["fcm.googleapis.com", "updates.push.services.mozilla.com", ".notify.windows.com",
                                   ".push.apple.com"]
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = False
    assert endpoint_allowed(endpoint) is allowed


def test_the_vapid_key_is_made_once_private_and_kept(push, settings):
    first = vapid.public_key()
    path = settings.VAPID_KEY_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    vapid._from_file.cache_clear()
    assert vapid.public_key() == first  # read back, not made again
    assert len(unb64url(first)) == 65 and unb64url(first)[0] == 4  # an uncompressed P-256 point


def test_a_vapid_key_from_the_environment_wins(push, settings):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    expected = b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint))
    assert vapid.public_key() == expected
    settings.VAPID_PRIVATE_KEY = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()).decode()
    assert vapid.public_key() == expected
    assert not settings.VAPID_KEY_FILE.exists()


def test_a_broken_vapid_key_says_what_to_do(push, settings):
    settings.VAPID_PRIVATE_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="VAPID_PRIVATE_KEY"):
        vapid.public_key()


def test_the_subject_defaults_to_the_site(settings):
    settings.VAPID_SUBJECT = ""
    settings.SITE_URL = "https://homevisits.school.example/"
    assert vapid.subject() == "https://homevisits.school.example"
