"""Rule IDs (R-PAIR, R-SAFEWORD, ...) belong in code, tests and docs/rules.md: never on a screen, a
letter, an email or text message, or the police pack (issue 11, item 10).

1. Every page of the site, for every role, over visits in every state (the URL walk of
   test_accessibility_basics, with the demo data), the Django admin pages, and the letter, slip,
   parent copy and police pack among them.
2. The body and subject of every notification the product sends (submitted, decided, cancelled,
   each escalation level, the head told at once).
3. What only shows on a bad post (form errors, service messages): every string in the apps' code
   and every template's text, comments aside (a comment is where the ID belongs).
"""

import ast
import datetime
import pathlib
import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.settings_forms import PAGES
from homevisits.tests.routes import SKIP_NAMES
from notifications.models import Notification
from safety.models import SafeguardingConcern
from visits.models import Family, Visit

pytestmark = pytest.mark.django_db

# A rule ID as one is written (R-PAIR, R-LATE-15), standing on its own: not the inside of a random
# token such as a calendar link's ("...xR-Qa...", which matched now and then).
RULE_ID = re.compile(r"(?<![A-Za-z0-9_-])R-[A-Z]{2,}")
ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ("accounts", "audit", "homevisits", "notifications", "safety", "visits")


def shown(html: str) -> str:
    """What a reader gets: the page without its script and style blocks (none are inline anyway)."""
    return re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)


def routes():
    out = []

    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern) and not (prefix + str(p.pattern)).startswith("admin/"):
                name, route = f"{ns}{p.name or ''}", prefix + str(p.pattern)
                if name not in SKIP_NAMES:
                    out.append((name, route))

    walk(get_resolver().url_patterns)
    return out


def urls_for(route, visits, family, concern):
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if not params:
        return ["/" + route]
    if params == ["pk", "page"] and route.startswith("schools/"):
        # The school's settings pages (its school admin's).
        return ["/" + route.replace("<int:pk>", str(family.school_id)).replace("<slug:page>", page.key)
                for page in PAGES]
    if params != ["pk"] and params != ["source_pk"] and params != ["family_pk"]:
        return []  # tokens and form parts: not pages
    if route.startswith("concerns/"):
        objects = [concern] if concern else []
    elif "famil" in route:
        objects = [family]
    else:
        objects = visits
    return ["/" + re.sub(r"<(?:\w+:)?\w+>", str(obj.pk), route) for obj in objects]


@pytest.fixture
def demo(settings):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    # One visit of each state the demo has, and a concern to read.
    by_state = {}
    for visit in Visit.objects.order_by("pk"):
        by_state.setdefault(visit.state, visit)
    # The returned one with its report, so the parent copy is read too.
    by_state["returned"] = Visit.objects.filter(state="returned", report__isnull=False).order_by("pk").first()
    return list(by_state.values())


@pytest.mark.parametrize("username", ["teacher", "fsw", "office", "head", "dsl", "admin"])
def test_no_page_shows_a_rule_id(client, demo, username):
    from safety.watchdog import scan

    scan(datetime.datetime.now(datetime.UTC))  # the overdue demo visit escalates: the board, panel and police pack show it
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    family = Family.objects.filter(visits__in=demo).first()
    concern = SafeguardingConcern.objects.first()
    checked, found = 0, []
    for name, route in routes():
        for url in urls_for(route, demo, family, concern):
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            checked += 1
            for match in RULE_ID.finditer(shown(response.content.decode())):
                found.append(f"{name} {url}: ...{response.content.decode()[match.start() - 60:match.end() + 20]}...")
    assert checked >= 15, f"only {checked} pages were read"
    names = {n for n, _ in routes()}
    assert {"visits:visit-letter", "visits:visit-slip", "reports:parent-copy", "safety:police-pack"} <= names
    assert not found, "\n".join(found[:20])


def test_the_printed_pages_are_among_them(client, demo):
    """The letter, slip, parent copy and police pack of a returned demo visit answer, without IDs."""
    client.force_login(get_user_model().objects.get(username="head"))
    visit = next(v for v in demo if v.state == "returned")
    assert hasattr(visit, "report")
    for name in ("visits:visit-letter", "visits:visit-slip", "reports:parent-copy", "safety:police-pack"):
        response = client.get(reverse(name, args=[visit.pk]))
        assert response.status_code == 200, name
        assert not RULE_ID.search(shown(response.content.decode())), name


@pytest.mark.parametrize("username", ["admin", "root"])
def test_no_admin_page_shows_a_rule_id(client, demo, username):
    User = get_user_model()
    if username == "root":
        user = User.objects.create_superuser("root", "root@school.example", "correct-horse-battery")
    else:
        user = User.objects.get(username=username)
        user.is_staff = True
        user.save()
    client.force_login(user)
    found, checked = [], 0
    urls = ["/admin/"]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{info}_changelist"))
        urls.append(reverse(f"{info}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{info}_change", args=[first.pk]))
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            checked += 1
            if RULE_ID.search(shown(response.content.decode())):
                found.append(url)
    assert checked >= 5
    assert not found, found


def test_no_notification_shows_a_rule_id(demo, settings):
    """Every kind of message: submitted soon, approved, refused, cancelled (for safety), escalation
    levels 1 to 3 and the head told at once."""
    from safety.watchdog import check_in, scan
    from visits import services

    User = get_user_model()
    head, teacher = User.objects.get(username="head"), User.objects.get(username="teacher")
    now = datetime.datetime.now(datetime.UTC)
    scan(now)
    scan(now + datetime.timedelta(hours=3))  # every demo visit out is overdue by now: levels 1 and 2
    school = head.profile.school  # the demo's first school (the trust's second has its own head)
    for visit in Visit.objects.filter(state="submitted", school=school):
        try:
            services.approve(visit, head, {g: "Agreed" for g in visit.gates_required})
        except Exception:
            services.refuse(visit, head, "Not this week")
    for visit in Visit.objects.filter(state="approved", school=school):
        services.cancel(visit, teacher, "Family away", for_safety=True)
    out = Visit.objects.filter(state__in=["departed", "on_site"]).first()
    if out is not None:
        check_in(out, "duress", out.lead, now=now)
    kinds = Notification.objects.values_list("subject", flat=True)
    assert Notification.objects.count() >= 5, list(kinds)
    found = [f"{n.subject}: {n.body}" for n in Notification.objects.all()
             if RULE_ID.search(n.subject) or RULE_ID.search(n.body)]
    assert not found, found[:5]


# --- What only shows on a bad post: the source ---------------------------------------------------

SOURCE_RULE_ID = re.compile(r"\bR-[A-Z]{3,}")  # not a character class in a regular expression ([A-PR-UWYZ])
TEMPLATE_COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}|<!--.*?-->", re.S)


def _docstrings(tree):
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_string_in_the_apps_code_carries_a_rule_id():
    """Labels, help texts, choices, form errors, service messages and notification texts are strings
    in the code: none may carry an ID (docstrings and comments do; management commands' --help is for
    whoever runs the server, not for school staff)."""
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if {"tests", "migrations", "management"} & set(path.relative_to(ROOT).parts):
                continue
            tree = ast.parse(path.read_text())
            docs = _docstrings(tree)
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
                        and SOURCE_RULE_ID.search(node.value)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:80]!r}")
    assert not found, "\n".join(found)


def test_no_template_text_carries_a_rule_id():
    found = []
    for path in sorted(ROOT.glob("*/templates/**/*")):
        if path.is_file() and path.parts[len(ROOT.parts)] in (*APPS, "templates"):
            for line in TEMPLATE_COMMENTS.sub("", path.read_text()).splitlines():
                if SOURCE_RULE_ID.search(line):
                    found.append(f"{path.relative_to(ROOT)}: {line.strip()[:100]}")
    assert not found, "\n".join(found)
