"""Accessibility basics on every page each role can open (demo data): form fields are labelled,
one h1 and headings in order, and every button says what it does."""

import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.settings_forms import PAGES
from visits.models import Family, Visit

from .routes import SKIP_NAMES

pytestmark = pytest.mark.django_db



class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields, self.label_for, self.headings, self.buttons = [], set(), [], []
        self._label_depth = 0
        self._button = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea"):
            kind = a.get("type", "text")
            if tag != "input" or kind not in ("hidden", "submit", "button", "reset", "image"):
                labelled = bool(a.get("aria-label") or a.get("aria-labelledby") or self._label_depth)
                self.fields.append((a.get("id"), a.get("name"), labelled))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "button":
            self._button = [a.get("aria-label") or a.get("title") or ""]

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        if tag == "button" and self._button is not None:
            self.buttons.append("".join(self._button).strip())
            self._button = None

    def handle_data(self, data):
        if self._button is not None:
            self._button.append(data)


def pages():
    visit = Visit.objects.filter(state="returned").first()
    family = Family.objects.first()
    out = []

    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern) and not (prefix + str(p.pattern)).startswith("admin/"):
                name = f"{ns}{p.name or ''}"
                route = prefix + str(p.pattern)
                if name in SKIP_NAMES or "<" in route and not re.search(r"<int:(pk|source_pk|family_pk)>", route):
                    continue
                if route.startswith("schools/<int:pk>/settings/<slug:page>"):
                    # The school's settings pages (its school admin's), each of them.
                    out.extend((name, f"/schools/{family.school_id}/settings/{page.key}/") for page in PAGES)
                    continue
                pk = family.pk if ("famil" in route or "family_pk" in route) else visit.pk
                out.append((name, "/" + re.sub(r"<int:\w+>", str(pk), route)))

    walk(get_resolver().url_patterns)
    return out


@pytest.mark.parametrize("username", ["teacher", "office", "head", "dsl", "admin"])
def test_every_page_has_labelled_fields_ordered_headings_and_named_buttons(client, username):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    checked, problems = 0, []
    for name, url in pages():
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        page = Page()
        page.feed(response.content.decode())
        for field_id, field_name, labelled in page.fields:
            if not labelled and field_id not in page.label_for:
                problems.append(f"{name} {url}: field {field_name or field_id} has no label")
        if page.headings.count(1) != 1:
            problems.append(f"{name} {url}: {page.headings.count(1)} h1 headings")
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            if after > before + 1:
                problems.append(f"{name} {url}: heading h{before} followed by h{after}")
                break
        for text in page.buttons:
            if not text:
                problems.append(f"{name} {url}: a button with no text")
    assert checked >= 8, f"only {checked} pages could be checked"
    assert not problems, "\n".join(problems)
