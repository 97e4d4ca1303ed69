"""Status badges are coloured by what the status means (they were all the same grey): the model
says which class (Visit.state_badge, Family.offer_badge, SafeguardingConcern.status_badge), the
templates ask it and never compare state strings, and every badge colour passes WCAG AA."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts import roles
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff
from safety.models import CONCERN_BADGES, ConcernStatus, SafeguardingConcern
from visits.models import OFFER_BADGES, STATE_BADGES, Family, OfferStatus, Visit, VisitState

from .contrast import ratio

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()


def badge_rules() -> dict[str, dict[str, str]]:
    rules = {}
    for name, body in re.findall(r"\.(hv-badge-[a-z]+)\s*\{([^}]*)\}", CSS):
        props = dict(re.findall(r"([a-z-]+)\s*:\s*([^;]+);", body))
        rules[name] = props
    return rules


def test_every_state_and_status_has_a_badge_the_stylesheet_defines():
    rules = badge_rules()
    for mapping, choices in ((STATE_BADGES, VisitState), (OFFER_BADGES, OfferStatus),
                             (CONCERN_BADGES, ConcernStatus)):
        assert set(mapping) == set(choices.values)
        assert set(mapping.values()) <= set(rules)


def test_states_that_mean_different_things_look_different():
    tone = STATE_BADGES
    groups = [
        {VisitState.DRAFT}, {VisitState.SUBMITTED}, {VisitState.APPROVED}, {VisitState.REFUSED},
        {VisitState.DEPARTED, VisitState.ON_SITE, VisitState.LEFT}, {VisitState.RETURNED}, {VisitState.CANCELLED},
    ]
    assert len({tone[next(iter(g))] for g in groups}) == len(groups)
    for group in groups:
        assert len({tone[s] for s in group}) == 1
    assert len(set(CONCERN_BADGES.values())) == len(ConcernStatus.values)


@pytest.mark.parametrize("name", sorted(badge_rules()))
def test_every_badge_colour_passes_wcag_aa(name):
    props = badge_rules()[name]
    assert ratio(props["color"], props["background-color"]) >= 4.5


def test_the_model_gives_the_class():
    assert Visit(state=VisitState.SUBMITTED).state_badge == "hv-badge-waiting"
    assert Family(offer_status=OfferStatus.ACCEPTED).offer_badge == "hv-badge-go"
    assert SafeguardingConcern(status=ConcernStatus.OPEN).status_badge == "hv-badge-alert"


TEMPLATES = [p for app in ("templates", "visits", "safety", "audit", "accounts")
             for p in (Path(settings.BASE_DIR) / app).rglob("*.html")]
BADGE = re.compile(r'<span class="badge([^"]*)"[^>]*>\s*(?:Offer: )?\{\{ ?([\w.]+)\.get_(state|status|offer_status)_display')


def test_every_status_badge_in_a_template_asks_the_model():
    found = 0
    for path in TEMPLATES:
        for classes, obj, field in BADGE.findall(path.read_text()):
            found += 1
            expected = {"state": "state_badge", "status": "status_badge", "offer_status": "offer_badge"}[field]
            assert f"{{{{ {obj}.{expected} }}}}" in classes, f"{path.name}: {classes!r}"
            assert "{%" not in classes, f"{path.name} picks a badge colour by comparing strings"
    assert found >= 10


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC), tick=False)  # a Tuesday
def test_a_teachers_week_shows_each_state_in_its_own_colour(client):
    school = SchoolFactory()
    teacher = make_staff(school, roles.VISITING_STAFF)
    soon = timezone.now() + datetime.timedelta(hours=1)
    for i, state in enumerate((VisitState.DRAFT, VisitState.SUBMITTED, VisitState.APPROVED)):
        start = soon + datetime.timedelta(minutes=i)
        VisitFactory(family=FamilyFactory(school=school), school=school, lead=teacher, planned_start=start,
                     expected_return=start + datetime.timedelta(hours=1), state=state)
    client.force_login(teacher)
    page = client.get("/").content.decode()
    for css in ("hv-badge-draft", "hv-badge-waiting", "hv-badge-go"):
        assert css in page
    assert "text-bg-secondary" not in page
