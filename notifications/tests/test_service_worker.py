"""The service worker is served from our origin at the root (the scope a push alert needs to open any
page), to anyone (a browser checks it for updates without a session), with the site's CSP, never
cached; the VAPID public key is for signed-in users."""

import pytest

from homevisits.factories import SchoolFactory, make_staff
from notifications.providers import vapid


@pytest.fixture
def own_key(settings, tmp_path):
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_KEY_FILE = tmp_path / "vapid_private_key.pem"


@pytest.mark.django_db
def test_the_service_worker_is_public_at_the_root_with_the_sites_csp(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe-inline" not in csp
    source = response.content.decode()
    for handler in ('addEventListener("push"', 'addEventListener("notificationclick"', "showNotification",
                    "openWindow"):
        assert handler in source


@pytest.mark.django_db
def test_only_get_is_answered(client):
    assert client.post("/sw.js").status_code in (403, 405)


@pytest.mark.django_db
def test_the_push_key_needs_a_login_and_is_the_servers_public_key(client, own_key):
    response = client.get("/notifications/push/key/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(make_staff(SchoolFactory()))
    response = client.get("/notifications/push/key/")
    assert response.status_code == 200 and response.json() == {"publicKey": vapid.public_key()}
