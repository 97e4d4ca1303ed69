"""Every page needs a login: walk every URL pattern as an anonymous visitor."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Signing in, resetting a forgotten password, the service worker, the app's manifest and its page for
# no signal (the same for everyone: test_installable_app), and the providers' delivery callbacks
# and received texts, each checked by its own credential (homevisits.middleware.PUBLIC_PREFIXES;
# notifications and safety tests: a forged request is refused and changes nothing).
PUBLIC = {"login", "health", "password_reset", "password_reset_done", "password_reset_confirm",
          "password_reset_complete", "notifications:service_worker", "notifications:notify_receipt",
          "notifications:twilio_status", "notifications:twilio_gather", "notifications:push_receipt",
          "notifications:notify_received_text", "notifications:twilio_received_text", "manifest", "offline"}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name or ''}"


def concrete(route: str) -> str:
    """Fill converters with plausible values (ids that exist or not: a redirect comes first)."""
    import re

    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<(str|slug):[^>]+>", "abc", route)
    route = re.sub(r"<path:[^>]+>", "abc", route)
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"<[^>]+>", "1", route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\Z", "")


ALL = sorted(set(walk(get_resolver().url_patterns)))
CHECKED = [(route, name) for route, name in ALL if name not in PUBLIC and not route.startswith("admin/")
           and name != "visits:calendar-feed"]


@pytest.mark.django_db
@pytest.mark.parametrize("route,name", CHECKED)
def test_anonymous_visitors_are_sent_to_log_in(client, route, name):
    url = concrete(route)
    response = client.get(url)
    assert response.status_code == 302, f"{name} ({url}) answered {response.status_code}"
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_walk_found_the_pages():
    assert len(CHECKED) >= 3


@pytest.mark.django_db
def test_admin_needs_login_too(client):
    response = client.get("/admin/")
    assert response.status_code == 302


@pytest.mark.django_db
def test_login_page_and_health_are_public(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/health/").status_code in (200, 503)
