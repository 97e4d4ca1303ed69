import datetime
from unittest import mock

import pytest
from django.utils import timezone

from safety.health import SCAN_HEARTBEAT, record_heartbeat

pytestmark = pytest.mark.django_db


def test_health_is_200_when_database_broker_and_beat_are_fine(client):
    record_heartbeat(SCAN_HEARTBEAT, timezone.now())
    response = client.get("/health/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"] and body["beat"]["ok"]
    assert body["beat"]["last_tick_age_seconds"] < 5


def test_health_is_503_when_beat_never_ticked(client):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["beat"]["ok"] is False


def test_health_is_503_when_the_last_tick_is_older_than_three_intervals(client, settings):
    settings.WATCHDOG_INTERVAL_SECONDS = 10
    record_heartbeat(SCAN_HEARTBEAT, timezone.now() - datetime.timedelta(seconds=31))
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["beat"]["last_tick_age_seconds"] >= 31


def test_health_is_503_when_the_broker_is_down(client):
    record_heartbeat(SCAN_HEARTBEAT, timezone.now())
    with mock.patch("safety.health.check_broker", return_value=(False, "OperationalError")):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["broker"] == {"ok": False, "detail": "OperationalError"}


def test_health_is_503_when_the_database_is_down(client):
    with mock.patch("safety.health.check_database", return_value=(False, "OperationalError")):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


def test_health_carries_no_personal_data(client):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    text = client.get("/health/").content.decode()
    for word in ("Khan", "bluebell", "Elm Road", "Tom", "07700"):
        assert word not in text
