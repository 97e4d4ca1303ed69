"""The watchdog watched from outside: each beat scan pings HEARTBEAT_PING_URL (healthchecks-style:
the URL on success, URL/fail when the scan raised), and a ping never fails or stalls the scan."""

import logging
import time
from unittest import mock

import pytest
from django.db import OperationalError
from werkzeug import Response

from safety import pings, tasks
from safety.models import Heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def monitor(httpserver, settings):
    settings.HEARTBEAT_PING_URL = httpserver.url_for("/ping/5b1c2d3e")
    settings.HEARTBEAT_PING_TIMEOUT_SECONDS = 0.5
    return httpserver


def test_a_completed_scan_pings_the_url(monitor):
    monitor.expect_oneshot_request("/ping/5b1c2d3e", method="GET").respond_with_data("OK")
    assert tasks.scan_overdue() == "nothing due"
    monitor.check_assertions()
    assert len(monitor.log) == 1
    assert Heartbeat.objects.exists()  # the scan itself completed and stamped its heartbeat


def test_a_scan_that_cannot_reach_the_database_pings_fail(monitor):
    monitor.expect_oneshot_request("/ping/5b1c2d3e/fail", method="GET").respond_with_data("OK")
    with mock.patch.object(tasks.watchdog, "scan", side_effect=OperationalError("gone")):
        assert tasks.scan_overdue() is None
    monitor.check_assertions()


def test_a_scan_that_raises_pings_fail_and_still_raises(monitor):
    monitor.expect_oneshot_request("/ping/5b1c2d3e/fail", method="GET").respond_with_data("OK")
    with mock.patch.object(tasks.watchdog, "scan", side_effect=RuntimeError("bug")), \
            pytest.raises(RuntimeError):
        tasks.scan_overdue()
    monitor.check_assertions()


def test_a_monitor_that_errors_does_not_fail_the_scan(monitor, caplog):
    monitor.expect_request("/ping/5b1c2d3e").respond_with_data("down", status=503)
    with caplog.at_level(logging.WARNING, logger="safety.pings"):
        assert tasks.scan_overdue() == "nothing due"
    assert "Heartbeat ping to the outside monitor failed (HTTPError)" in caplog.text
    assert "5b1c2d3e" not in caplog.text  # the check's URL is its secret


def test_a_slow_monitor_costs_the_scan_only_the_timeout(monitor, caplog):
    def slow(request):
        time.sleep(2)  # the monitor, not a rule: a server that answers too late
        return Response("late")

    monitor.expect_request("/ping/5b1c2d3e").respond_with_handler(slow)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="safety.pings"):
        assert tasks.scan_overdue() == "nothing due"
    assert time.monotonic() - started < 1.8
    assert "(ReadTimeout)" in caplog.text


def test_an_unreachable_monitor_is_logged(settings, caplog):
    settings.HEARTBEAT_PING_URL = "http://127.0.0.1:9/ping"  # the discard port: nothing listens
    settings.HEARTBEAT_PING_TIMEOUT_SECONDS = 0.5
    with caplog.at_level(logging.WARNING, logger="safety.pings"):
        assert tasks.scan_overdue() == "nothing due"
    assert "(ConnectionError)" in caplog.text


def test_no_url_no_ping(settings, httpserver):
    settings.HEARTBEAT_PING_URL = ""
    assert pings.ping_heartbeat(ok=True) is False
    assert tasks.scan_overdue() == "nothing due"
    assert httpserver.log == []


def test_the_fail_url_is_the_url_and_fail(settings):
    settings.HEARTBEAT_PING_URL = "https://hc-ping.com/0a1b2c/"
    assert pings.ping_url(True) == "https://hc-ping.com/0a1b2c"
    assert pings.ping_url(False) == "https://hc-ping.com/0a1b2c/fail"
