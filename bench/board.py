"""Benchmark of the office's live board (issue 6): the body htmx polls, served by gunicorn.

Fills a database with one school that has 300 visits out now, 50 of them escalated by the watchdog
(25 at level 1, 25 at level 2) and a few failed notifications, signs the office in (a session
written to the database), starts gunicorn on a free loopback port, requests the board's body
200 times one after another, and prints p50/p95 of the response time and the query count.

Usage:
    .venv/bin/python bench/board.py       # its own SQLite file, var/bench-board/ (made afresh)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/homevisits_bench_board .venv/bin/python bench/board.py
"""

import datetime
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
BENCH_DIR = BASE / "var" / "bench-board"
OUT, LEVEL_1, LEVEL_2, FAILED, REQUESTS, WARM_UP = 300, 25, 25, 5, 200, 10

# The same environment for this process and for gunicorn: production settings (DEBUG off), no HTTPS
# on loopback, no second factor for the benchmark's office user, nothing sent anywhere.
os.environ.setdefault("HOMEVISITS_VAR_DIR", str(BENCH_DIR))
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "homevisits.settings",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"),
    "HTTPS": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "TWO_FACTOR_REQUIRED_ROLES": "",
    "EMAIL_URL": "dummymail://",
    "SMS_BACKEND": "notifications.sms.LocmemSmsBackend",
    "CELERY_BROKER_URL": "memory://",
    "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "LOG_LEVEL": "WARNING",
})
os.environ.pop("DEBUG", None)
if "DATABASE_URL" not in os.environ:
    # A fresh SQLite file every run, so the figures don't depend on earlier runs.
    shutil.rmtree(os.environ["HOMEVISITS_VAR_DIR"], ignore_errors=True)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402


def create_database():
    """PostgreSQL: create the named database on first run (nothing to do for SQLite)."""
    if connection.vendor != "postgresql":
        return
    import psycopg

    settings = connection.settings_dict
    dsn = dict(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, user=settings["USER"],
               password=settings["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**dsn) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{settings["NAME"]}"')


def fill(now):
    """One new school (a PostgreSQL database may hold earlier runs' schools: the board shows only its own)."""
    from accounts import roles
    from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff
    from notifications.models import Channel, DeliveryStatus, Notification
    from safety.health import SCAN_HEARTBEAT, record_heartbeat
    from safety.models import Escalation
    from safety.watchdog import check_in, scan
    from visits.models import VisitState

    stamp = now.strftime("%Y%m%d%H%M%S")
    school = SchoolFactory(name=f"Bench board school {stamp}")
    office = make_staff(school, roles.OFFICE, username=f"bench-office-{stamp}")
    head = make_staff(school, roles.HEAD, username=f"bench-head-{stamp}")
    staff = [make_staff(school, roles.VISITING_STAFF, mobile=f"07700 900{i:03d}", username=f"bench-{stamp}-{i}")
             for i in range(20)]
    start = now - datetime.timedelta(minutes=90)
    for i in range(OUT):
        if i < LEVEL_2:
            back = now - datetime.timedelta(minutes=40)  # past R-RETURN-30: two scans, level 2
        elif i < LEVEL_2 + LEVEL_1:
            back = now - datetime.timedelta(minutes=20)  # past R-LATE-15: level 1
        else:
            back = now + datetime.timedelta(minutes=i % 120 + 1)
        lead, mate = staff[i % 20], staff[(i + 1) % 20]
        visit = VisitFactory(family=FamilyFactory(school=school), school=school, lead=lead, created_by=lead,
                             staff=[lead, mate], planned_start=start, expected_return=back,
                             state=VisitState.APPROVED)
        check_in(visit, "departed", lead, now=start)
    scan(now)
    scan(now)
    record_heartbeat(SCAN_HEARTBEAT, now)
    for i in range(FAILED):
        Notification.objects.create(dedupe_key=f"bench:{stamp}:{i}", recipient=head, channel=Channel.SMS,
                                    subject="Overdue", body="-", status=DeliveryStatus.FAILED, attempts=3,
                                    created_at=now - datetime.timedelta(minutes=i))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by now on a live database
    escalated = Escalation.objects.filter(visit__school=school, resolved_at__isnull=True)
    print(f"school {school.name!r}: {OUT} visits out, {escalated.values('visit').distinct().count()} escalated "
          f"({escalated.count()} open escalations), {FAILED} failed notifications")
    return office


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url, cookie):
    request = urllib.request.Request(url, headers={"Cookie": cookie, "HX-Request": "true"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def main():
    now = timezone.now()
    if timezone.localtime(now).hour < 2:
        sys.exit("Run after 02:00 school time: the visits are signed out 90 minutes ago, on the same day.")
    create_database()
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    office = fill(now)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(office)  # the session is a row in the database: gunicorn reads the same one
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    body_url = reverse("safety:board-body")
    client.get(body_url, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(body_url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.status_code
    print(f"queries per poll (middleware, session and board): {len(queries)}")

    port = free_port()
    server = subprocess.Popen(
        [str(BASE / ".venv" / "bin" / "gunicorn"), "homevisits.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--log-level", "warning"], cwd=BASE, env=os.environ.copy())
    try:
        url = f"http://127.0.0.1:{port}{body_url}"
        for _ in range(150):  # up to 15 s for gunicorn to start
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answered (503 while the broker is a test double is fine)
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not start")
        status, html = get(url, cookie)
        rows = html.count('data-testid="board-row"')
        if status != 200 or rows != OUT:
            sys.exit(f"unexpected answer from the board: HTTP {status}, {rows} rows")
        for _ in range(WARM_UP):
            get(url, cookie)
        times = []
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            status, _html = get(url, cookie)
            times.append((time.perf_counter() - t0) * 1000)
            assert status == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"board body through gunicorn, {REQUESTS} requests ({rows} rows, {len(html) // 1024} KiB): "
          f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, min {times[0]:.1f} ms, max {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()
