"""Headers on every page: a Content Security Policy with no inline script or style, no framing,
same-origin referrers, browser features off; and no template that such a policy would break."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff

pytestmark = pytest.mark.django_db


def policy(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def page(client):
    client.force_login(make_staff(SchoolFactory(), roles.VISITING_STAFF))
    response = client.get("/accounts/")
    assert response.status_code == 200
    return response


def test_a_strict_content_security_policy_is_sent(page):
    csp = policy(page)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]
    assert "'unsafe-eval'" not in page["Content-Security-Policy"]


def test_the_sign_in_page_has_it_too(client):
    response = client.get("/accounts/login/")
    assert policy(response)["script-src"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"


def test_framing_referrer_and_browser_features(page):
    assert page["X-Frame-Options"] == "DENY"
    assert page["Referrer-Policy"] == "same-origin"
    assert page["X-Content-Type-Options"] == "nosniff"
    features = dict(item.strip().split("=") for item in page["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature


def test_htmx_is_told_not_to_inject_its_inline_style(page):
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false' in page.content.decode()


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script> (move it to static/js/)"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler (use addEventListener in static/js/)"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute (use a class in static/css/)"),
    (re.compile(r"<style[\s>]", re.I), "<style> element (use static/css/)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on", re.I), "hx-on attribute (needs eval)"),
]


def template_files():
    for folder in TEMPLATE_DIRS:
        if ".venv" not in folder.parts:
            yield from sorted(p for p in folder.rglob("*.html"))


def test_no_template_has_inline_script_style_or_handlers_that_the_policy_would_block():
    problems = []
    for path in template_files():
        text = path.read_text()
        # json_script output and type="application/json" blocks are data, not code.
        text = re.sub(r'<script[^>]*type="application/(ld\+)?json"[^>]*>', "", text)
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}")
    assert not problems, "\n".join(problems)


def test_the_template_scan_finds_what_it_looks_for(tmp_path):
    bad = '<button onclick="go()" style="color:red">x</button><script>alert(1)</script>'
    assert all(pattern.search(bad) for pattern, _ in INLINE[:3])
