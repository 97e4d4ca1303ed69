"""The watchdog watches itself: office and head see a red banner when scans have stopped."""

import datetime

import pytest
from django.utils import timezone

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff
from safety.health import SCAN_HEARTBEAT, record_heartbeat

pytestmark = pytest.mark.django_db

BANNER = "Overdue monitoring is not running"


@pytest.fixture
def office_client(client, office):
    client.force_login(office)
    return client


def test_office_sees_the_banner_when_scans_are_older_than_three_intervals(office_client, settings):
    settings.WATCHDOG_INTERVAL_SECONDS = 10
    record_heartbeat(SCAN_HEARTBEAT, timezone.now() - datetime.timedelta(seconds=31))
    assert BANNER in office_client.get("/", follow=True).content.decode()


def test_office_sees_the_banner_when_no_scan_ever_ran(office_client):
    assert BANNER in office_client.get("/", follow=True).content.decode()


def test_no_banner_while_the_watchdog_is_scanning(office_client):
    record_heartbeat(SCAN_HEARTBEAT, timezone.now() - datetime.timedelta(seconds=5))
    assert BANNER not in office_client.get("/", follow=True).content.decode()


def test_the_head_sees_it_too(client):
    client.force_login(make_staff(SchoolFactory(), roles.HEAD))
    assert BANNER in client.get("/").content.decode()
