"""The phone's location, only when it matters (safety.location): opt-in per member of staff, taken
with a check-in, an SOS or a duress PIN and never in between, shown on the escalation page and the
police pack, allowed by the Permissions-Policy on the check-in page only. R-CODEWORD, R-POLICE."""

import datetime
import uuid

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from homevisits.testing import CHROMIUM, need_chromium
from safety.checkins import check_in
from visits.models import EventKind, RecordedHow

from .pages import World

MINUTE = datetime.timedelta(minutes=1)
HERE = (52.240512, -0.902714, 18.0)


def opt_in(user, on=True):
    user.profile.share_location = on
    user.profile.save()


def post_check_in(client, visit, kind, **extra):
    return client.post(reverse("safety:checkin", args=[visit.pk]),
                       {"kind": kind, "idempotency_key": str(uuid.uuid4()), **extra})


def at_here(lat=HERE[0], lon=HERE[1], accuracy=HERE[2]):
    return {"location_lat": lat, "location_lon": lon, "location_accuracy": accuracy}


@pytest.mark.django_db
class TestKept:
    def test_kept_with_a_check_in_from_someone_who_opted_in(self, client, out_visit, world):
        visit = out_visit()
        opt_in(world.teacher)
        client.force_login(world.teacher)
        post_check_in(client, visit, EventKind.ARRIVED, **at_here())
        event = visit.events.get(kind=EventKind.ARRIVED)
        assert event.data["location"] == {"lat": 52.240512, "lon": -0.902714, "accuracy_m": 18}

    def test_not_kept_for_someone_who_did_not_opt_in_whatever_the_phone_sent(self, client, out_visit, world):
        visit = out_visit()
        client.force_login(world.teacher)
        post_check_in(client, visit, EventKind.ARRIVED, **at_here())
        assert "location" not in visit.events.get(kind=EventKind.ARRIVED).data

    def test_not_kept_when_the_office_records_a_call(self, out_visit, world):
        visit = out_visit()
        opt_in(world.office)
        check_in(visit, EventKind.OK, world.office, how=RecordedHow.PHONE, on_behalf_of=world.teacher,
                 position=HERE)
        assert "location" not in visit.events.get(kind=EventKind.OK).data

    @pytest.mark.parametrize("bad", [{"location_lat": "91"}, {"location_lon": "nowhere"},
                                     {"location_lat": "nan", "location_lon": "1"}, {"location_accuracy": "-5"}])
    def test_a_bad_location_is_dropped_and_the_check_in_still_recorded(self, client, out_visit, world, bad):
        visit = out_visit()
        opt_in(world.teacher)
        client.force_login(world.teacher)
        response = post_check_in(client, visit, EventKind.OK, **{**at_here(), **bad})
        assert response.status_code == 302
        event = visit.events.get(kind=EventKind.OK)
        assert "location" not in event.data or bad == {"location_accuracy": "-5"}
        if bad == {"location_accuracy": "-5"}:
            assert event.data["location"]["accuracy_m"] is None

    def test_kept_with_an_sos_and_with_a_late_notice(self, out_visit, world):  # R-CODEWORD
        visit = out_visit()
        opt_in(world.teacher)
        check_in(visit, EventKind.LATE, world.teacher, position=HERE,
                 new_expected_return=visit.expected_return + 30 * MINUTE, now=visit.planned_start + 10 * MINUTE)
        late = visit.events.get(kind=EventKind.LATE)
        assert late.data["location"]["lat"] == HERE[0] and "new_expected_return" in late.data
        check_in(visit, EventKind.DURESS, world.teacher, position=HERE, now=visit.planned_start + 11 * MINUTE)
        assert visit.events.get(kind=EventKind.DURESS).data["location"]["lon"] == HERE[1]


@pytest.mark.django_db
def test_the_escalation_page_and_the_police_pack_show_the_last_known_location(client, out_visit, world):
    visit = out_visit()
    opt_in(world.teacher)
    check_in(visit, EventKind.DURESS, world.teacher, position=HERE, now=visit.planned_start + 12 * MINUTE)
    client.force_login(world.office)
    page = client.get(reverse("safety:escalation", args=[visit.pk])).content.decode()
    assert 'data-testid="phone-location"' in page and "52.24051, -0.90271" in page and "±18 m" in page
    assert "https://www.openstreetmap.org/?mlat=52.240512&amp;mlon=-0.902714" in page
    pack = client.get(reverse("safety:police-pack", args=[visit.pk])).content.decode()
    assert 'data-testid="pack-phone-location"' in pack and "52.24051, -0.90271" in pack


@pytest.mark.django_db
def test_the_staff_phone_shows_nothing_of_it_after_a_code_word(client, out_visit, world):  # R-CODEWORD
    visit = out_visit()
    opt_in(world.teacher)
    check_in(visit, EventKind.DURESS, world.teacher, position=HERE)
    client.force_login(world.teacher)
    assert "52.24" not in client.get(reverse("safety:checkin", args=[visit.pk])).content.decode()


@pytest.mark.django_db
def test_location_is_allowed_on_the_check_in_page_only(client, out_visit, world):
    visit = out_visit()
    client.force_login(world.teacher)
    checkin = client.get(reverse("safety:checkin", args=[visit.pk]))
    assert "geolocation=(self)" in checkin["Permissions-Policy"]
    for url in (reverse("home"), visit.get_absolute_url(), reverse("account")):
        assert "geolocation=()" in client.get(url)["Permissions-Policy"], url


@pytest.mark.django_db
def test_staff_turn_it_on_and_off_on_their_account_page(client, world):
    client.force_login(world.teacher)
    assert "Share my location at check-ins" in client.get(reverse("account")).content.decode()
    client.post(reverse("share-location"), {"share": "on"})
    world.teacher.profile.refresh_from_db()
    assert world.teacher.profile.share_location
    assert "Stop sharing my location" in client.get(reverse("account")).content.decode()
    client.post(reverse("share-location"), {"share": "off"})
    world.teacher.profile.refresh_from_db()
    assert not world.teacher.profile.share_location
    assert client.get(reverse("share-location")).status_code == 405


PASSWORD = "correct-horse-battery"


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_a_tap_sends_the_phones_location_and_the_police_pack_shows_it(live_server):
    """Real Chromium, 360 px, touch, a fake position granted to the page: the tap sends it once."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    now = timezone.now()
    world = World()
    visit = world.visit(start=now - 20 * MINUTE, back=now + 60 * MINUTE)
    check_in(visit, EventKind.DEPARTED, world.teacher, now=now - 20 * MINUTE)
    opt_in(world.teacher)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True, has_touch=True,
                                      geolocation={"latitude": HERE[0], "longitude": HERE[1], "accuracy": 18},
                                      permissions=["geolocation"])
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/accounts/login/?next=/out/{visit.pk}/")
        page.fill("input[name=username]", world.teacher.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/out/{visit.pk}/")
        with page.expect_navigation():
            page.get_by_role("button", name="Yes, I feel safe").tap()
        folder = django_settings.VAR_DIR / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "location-after-tap-360.png"), full_page=True)
        browser.close()
    arrived = visit.events.get(kind=EventKind.ARRIVED)
    assert arrived.data["location"]["lat"] == pytest.approx(HERE[0], abs=1e-5)
    assert arrived.data["location"]["accuracy_m"] == 18
