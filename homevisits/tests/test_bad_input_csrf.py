"""Bad input: a POST without its CSRF token is refused (403) and changes nothing - on signing in,
checking in, approving and raising a concern, and on every other page of the app (the URL walk)."""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from homevisits.factories import FamilyFactory
from homevisits.tests.formposts import NOW
from homevisits.tests.routes import PARAM, walk
from safety.models import SafeguardingConcern
from visits.assessments import ensure_risk_assessment
from visits.models import VisitEvent, VisitState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_8am_gmt")]


@pytest.fixture
def strict():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def planned(school, people, world):
    """On the root world: the teacher with a password to sign in with, a family, and an approved visit
    by the teacher and the TA an hour from NOW, with its risk assessment."""
    people["teacher"].set_password("a long enough password 1")
    people["teacher"].save()
    family = FamilyFactory(school=school)
    visit = world.visit(VisitState.APPROVED, start=NOW + datetime.timedelta(hours=1),
                        back=NOW + datetime.timedelta(hours=2), family=family)
    ensure_risk_assessment(visit)
    return school, people, family, visit


def token_of(client, url):
    client.get(url)
    return client.cookies["csrftoken"].value


def test_signing_in_without_the_token_is_refused(strict, planned):
    _, people, _, _ = planned
    login = {"username": people["teacher"].username, "password": "a long enough password 1"}
    response = strict.post(reverse("login"), login)
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session
    # With the token the same sign-in works (so it was the token that was missing).
    response = strict.post(reverse("login"), {**login, "csrfmiddlewaretoken": token_of(strict, reverse("login"))})
    assert response.status_code == 302 and "_auth_user_id" in strict.session


def test_checking_in_without_the_token_is_refused(strict, planned):
    _, people, _, visit = planned
    strict.force_login(people["teacher"])
    url = reverse("safety:checkin", args=[visit.pk])
    data = {"kind": "departed", "idempotency_key": str(uuid.uuid4())}
    assert strict.post(url, data).status_code == 403
    assert not VisitEvent.objects.filter(visit=visit, kind="departed").exists()
    assert strict.post(url, {**data, "csrfmiddlewaretoken": token_of(strict, url)}).status_code == 302
    assert VisitEvent.objects.filter(visit=visit, kind="departed").exists()


def test_approving_without_the_token_is_refused(strict, planned):
    _, people, _, visit = planned
    visit.state = VisitState.SUBMITTED
    visit.save()
    strict.force_login(people["head"])
    url = reverse("visits:visit-approve", args=[visit.pk])
    assert strict.post(url, {}).status_code == 403
    visit.refresh_from_db()
    assert visit.state == VisitState.SUBMITTED


def test_raising_a_concern_without_the_token_is_refused(strict, planned):
    _, people, family, visit = planned
    strict.force_login(people["teacher"])
    url = reverse("concerns:create", args=[family.pk])
    assert strict.post(url, {"details": "Bruise on the arm"}).status_code == 403
    assert not SafeguardingConcern.objects.exists()
    assert strict.post(url, {"details": "Bruise on the arm",
                             "csrfmiddlewaretoken": token_of(strict, url)}).status_code == 302
    assert SafeguardingConcern.objects.exists()


def test_a_refused_post_says_nothing_was_saved(strict, planned):
    _, people, _, visit = planned
    strict.force_login(people["teacher"])
    response = strict.post(reverse("safety:checkin", args=[visit.pk]), {"kind": "departed"})
    assert response.status_code == 403
    assert "not saved" in response.content.decode().lower()


ROUTES = sorted({(route, name) for route, name in walk(get_resolver().url_patterns)
                 if not route.startswith("admin/") and name != "logout"})


def test_every_page_refuses_a_post_without_the_token(strict, planned):
    """No view is csrf_exempt: a POST to any page, signed in or not, without the token is 403."""
    _, people, family, visit = planned
    concern = SafeguardingConcern.objects.create(school=family.school, family=family, details="x",
                                                 raised_by=people["teacher"])
    ids = {"families": family.pk, "visits": visit.pk, "out": visit.pk, "concerns": concern.pk}
    strict.force_login(people["head"])
    problems = []
    for route, name in ROUTES:
        pk = str(ids.get(route.split("/", 1)[0], 1))
        url = "/" + PARAM.sub(lambda m, pk=pk: pk if m.group("converter") == "int" else "abc", route)
        response = strict.post(url, {"details": "x", "reason": "x", "kind": "ok"})
        if response.status_code != 403:
            problems.append(f"{name} ({url}): {response.status_code}")
    assert not problems, "\n".join(problems)
    assert not SafeguardingConcern.objects.exclude(pk=concern.pk).exists()
