"""Benchmark of the office's live board (issue 6, issue 17): the body htmx polls, served by gunicorn.

Fills a database with one school that has 300 visits out now, 50 of them escalated by the watchdog
(25 at level 1, 25 at level 2) and a few failed notifications, signs the office in (a session
written to the database), starts gunicorn on a free loopback port and polls the board's body 200
times in each of three ways, taken in turn so that they share the machine's load:

  full         as before the poll was conditional: no If-None-Match, no compression asked for
  gzip         a changed board, as a browser fetches it (Accept-Encoding: gzip)
  unchanged    the poll board.js sends: If-None-Match with the version shown, answered 304

and prints, for each, p50/p95 of the response time and the bytes on the wire (status line and
headers included), and the query counts.

Usage:
    .venv/bin/python bench/board.py       # its own SQLite file, var/bench-board/ (made afresh)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/homevisits_bench_board .venv/bin/python bench/board.py
"""

import datetime
import http.client
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
# A PostgreSQL run keeps its own folder: it holds the key its database's code words were written with,
# which an SQLite run (that empties its folder) must not take away.
os.environ.setdefault("HOMEVISITS_VAR_DIR",
                      str(BENCH_DIR.with_name("bench-board-postgres") if "DATABASE_URL" in os.environ else BENCH_DIR))
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

from safety.health import SCAN_HEARTBEAT, record_heartbeat  # noqa: E402


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
            back = now - datetime.timedelta(minutes=16)  # past R-LATE-15: level 1
        else:
            back = now + datetime.timedelta(minutes=i % 120 + 30)
        # No deadline (due back soon, R-LATE-15, R-RETURN-30) falls in the next 14 minutes: the board
        # stays the same while it is measured, unless something happens.
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


def fetch(port, path, headers):
    """One request on a new connection (gunicorn's sync worker closes each); the answer's status,
    headers, body as sent (compressed or not) and its size on the wire with status line and headers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + 2 + sum(
            len(name) + len(value) + 4 for name, value in response.getheaders())
        return response.status, dict(response.getheaders()), body, head + len(body)
    finally:
        conn.close()


def p(times, q):
    return times[max(0, int(len(times) * q) - 1)]


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
    with CaptureQueriesContext(connection) as queries:
        response = client.get(body_url, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=response["ETag"])
    assert response.status_code == 304, response.status_code
    print(f"queries per unchanged poll (answered 304): {len(queries)}")

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
        plain = {"Cookie": cookie, "HX-Request": "true"}
        record_heartbeat(SCAN_HEARTBEAT, timezone.now())  # the banner is not on the version measured
        status, headers, _body, _size = fetch(port, body_url, plain)
        etag = headers["ETag"]
        ways = {
            "full": plain,
            "gzip": {**plain, "Accept-Encoding": "gzip"},
            "unchanged": {**plain, "Accept-Encoding": "gzip", "If-None-Match": etag},
        }
        expected = {"full": 200, "gzip": 200, "unchanged": 304}
        for _ in range(WARM_UP):
            for headers in ways.values():
                fetch(port, body_url, headers)
        times = {way: [] for way in ways}
        sizes = {}
        changed = 0
        for _ in range(REQUESTS):
            record_heartbeat(SCAN_HEARTBEAT, timezone.now())  # as beat would: no monitoring banner
            for way, headers in ways.items():
                t0 = time.perf_counter()
                status, answer, body, size = fetch(port, body_url, headers)
                times[way].append((time.perf_counter() - t0) * 1000)
                if way == "unchanged" and status == 200:  # it changed after all: measure on
                    changed += 1
                    headers["If-None-Match"] = answer["ETag"]
                    continue
                assert status == expected[way], (way, status)
                if way == "gzip":
                    assert answer.get("Content-Encoding") == "gzip", answer
                sizes[way] = size
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"board body through gunicorn, {REQUESTS} requests of each kind in turn ({rows} rows); "
          f"unchanged polls that found a change: {changed}")
    for way, took in times.items():
        took.sort()
        print(f"  {way:9} HTTP {expected[way]}  {sizes[way]:>8,} bytes on the wire ({sizes[way] / 1024:6.1f} KiB)  "
              f"p50 {statistics.median(took):6.1f} ms  p95 {p(took, 0.95):6.1f} ms  min {took[0]:6.1f} ms")


if __name__ == "__main__":
    main()
