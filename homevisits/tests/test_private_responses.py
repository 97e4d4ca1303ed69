"""Nothing sent to a signed-in user may be kept by a browser or a cache (a shared office PC: after
sign-out, the back button must show nothing): every response says `Cache-Control: no-store, private`.
Walked over every URL pattern (pages, htmx fragments, JSON, CSV, the subject-access export), with the
objects of the scoping test's scene, as each person of the school; GET and POST; errors included.
Static files and the public health probe keep their own caching."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.settings_forms import PAGES
from homevisits.tests import routes
from homevisits.tests.routes import MISSING_ID

pytestmark = pytest.mark.django_db

# `scene` (homevisits/tests/conftest.py) is the scoping walk's: a school with a person in each role, a
# family, visits in each state (one escalated), a report, an incident and a concern.


def directives(response):
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",") if part.strip()}


def is_private(response):
    found = directives(response)
    return {"no-store", "private"} <= found and "public" not in found


def urls(scene):
    ids = {kind: scene["objects"][kind][0].pk for kind in ("family", "concern", "alarm")}
    found = ["/" + route for route, _ in routes.PLAIN_ROUTES]
    for route, _name in routes.OBJECT_ROUTES:
        kind = routes.kind_of(route)
        pks = [v.pk for v in scene["objects"]["visit"]] if kind == "visit" else [ids[kind]]
        found += [routes.fill(route, pk) for pk in pks]
    school = scene["people"]["admin"].profile.school
    found += [f"/schools/{school.pk}/settings/{page.key}/" for page in PAGES]  # not in the scoping walk
    return found + ["/timetable/?week=2026-11-23", "/families/?q=Quillfeather", f"/visits/{MISSING_ID}/",
                    "/no-such-page/"]


def test_the_walk_covers_the_json_csv_and_subject_access_answers(scene):
    walked = urls(scene)
    family = scene["objects"]["family"][0].pk
    assert {f"/families/{family}/subject-access/", f"/families/{family}/subject-access.json",
            "/timetable/csv/", "/timetable/reports-csv/", "/out/live/"} <= set(walked)


@pytest.mark.parametrize("who", ["head", "dsl", "office", "teacher", "admin"])
def test_every_response_to_a_signed_in_user_is_no_store_private(client, scene, who):
    user = scene["people"][who]
    problems, answered = [], set()
    for url in urls(scene):
        for method in ("GET", "POST"):
            client.force_login(user)  # a POST to sign out would end the walk otherwise
            response = client.get(url) if method == "GET" else client.post(url, {})
            answered.add(response.status_code)
            if not is_private(response):
                problems.append(f"{method} {url} ({response.status_code}): {response.get('Cache-Control')!r}")
    assert not problems, "\n".join(problems)
    assert {200, 404} <= answered  # pages the person may see, and pages they may not


def test_the_django_admin_is_no_store_private_too(client, scene):
    client.force_login(scene["people"]["admin"])
    pages = [reverse("admin:index")] + [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
                                        for m in admin.site._registry]
    problems = [url for url in pages if not is_private(client.get(url))]
    assert not problems


def test_the_sign_in_page_is_not_cached_either(client):
    assert is_private(client.get("/accounts/login/"))


def test_the_health_probe_and_static_files_keep_their_own_caching(client, scene):
    anonymous = client.get("/health/")
    client.force_login(scene["people"]["office"])
    signed_in = client.get("/health/")
    assert signed_in.get("Cache-Control") == anonymous.get("Cache-Control")
    static = client.get("/static/js/app.js")
    assert "no-store" not in directives(static)


def test_after_signing_out_the_pages_it_showed_were_never_cacheable(client, scene):
    family = scene["objects"]["family"][0]
    client.force_login(scene["people"]["head"])
    page = client.get(family.get_absolute_url())
    assert page.status_code == 200 and is_private(page)
    client.post("/accounts/logout/")
    assert client.get(family.get_absolute_url()).status_code == 302
