"""Load on the whole stack (issue 17): locust users against gunicorn, with a real Celery worker and
beat running the watchdog, on the million-visit database of bench/scan.py.

What it does, all on loopback and bounded in time (--minutes, 3 by default):
  - fills the database once with bench/scan.py's fill() (1,000,000 visits, 10,000 out in one school);
  - adds, each run, SCHOOLS new schools, each with an office user and a head, 20 visiting staff on
    visits that are out now, visits waiting for the head's approval, and a few visits whose late-call
    deadline (R-LATE-15) falls during the run, so the watchdog escalates while the load is on;
  - signs everyone in (session rows in the database, as bench/board.py does), starts gunicorn as the
    Procfile does (2 workers, 4 threads, production settings) on a free loopback port, one Celery
    worker (concurrency 2) and one beat;
  - runs the users as a library (locust.env.Environment and its local runner):
      20 office and head users poll the live board every BOARD_POLL_SECONDS, as static/js/board.js
      does (If-None-Match with the version shown), and now and then open a visit or the timetable;
      the heads approve a waiting visit about twice a minute each;
      200 visiting staff check in once a minute each (200 a minute): they open their check-in page,
      take its "All OK" form with its idempotency key and send it; one in ten sends it twice, as a
      double tap would;
  - some 20 s in, puts the big school's 1,000 due visits back to due (bench/scan.py's reset_due), so
    one tick of the running beat escalates 1,000 visits while the load is on;
  - samples the watchdog heartbeat's age (safety.health.scan_age) every second;
and prints p50/p95/p99 per endpoint, the errors, the heartbeat age's maximum, what was recorded
(each check-in once, each approval once, each due visit escalated once) and the load average.

Usage (PostgreSQL and Redis; the first fill takes 1-2 minutes):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/homevisits_bench_load \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/load.py [--minutes 3]
"""

import argparse
import collections
import datetime
import http.cookiejar
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

# Production settings for this process, gunicorn, the worker and beat alike (as bench/board.py):
# DEBUG off, no HTTPS on loopback, no second factor for the benchmark's users, nothing sent anywhere.
os.environ.setdefault("HOMEVISITS_VAR_DIR", str(BASE / "var" / "bench-load-postgres"))
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "homevisits.settings",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"),
    "HTTPS": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "TWO_FACTOR_REQUIRED_ROLES": "",
    "EMAIL_URL": "dummymail://",
    "SMS_PROVIDER": "locmem",
    "VOICE_PROVIDER": "locmem",
    "EMAIL_PROVIDER": "locmem",
    "PUSH_PROVIDER": "locmem",
    "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "LOG_LEVEL": "WARNING",
})
os.environ.pop("DEBUG", None)
if not os.environ.get("DATABASE_URL", "").startswith("postgres") or \
        not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
    sys.exit("Set DATABASE_URL to a PostgreSQL database and CELERY_BROKER_URL to a Redis database.")

# locust patches the standard library for gevent when imported; done here first, before Django and
# psycopg are imported.
from gevent import monkey  # noqa: E402

monkey.patch_all()

import gevent  # noqa: E402
import psutil  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from locust import FastHttpUser, constant_pacing, task  # noqa: E402
from locust.env import Environment  # noqa: E402

from bench.scan import create_database, fill, reset_due  # noqa: E402  (it sets Django up)

SCHOOLS, STAFF, OUT, DUE_IN_RUN = 10, 20, 10, 3
BOARD_USERS = 2 * SCHOOLS  # an office user and a head per school
STAFF_USERS = SCHOOLS * STAFF  # 200: one check-in a minute each
RESET_DUE_AFTER = 20  # seconds into the load: the big school's 1,000 visits fall due

# gunicorn's own time for each request (from its worker thread taking it to the answer, in
# microseconds): the server's part of what the users wait, without the time spent queued before it.
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
ENDPOINTS = [  # (method, path pattern, the name the users give it)
    ("GET", re.compile(r"^/out/live/$"), "board poll"),
    ("GET", re.compile(r"^/out/$"), "board page"),
    ("GET", re.compile(r"^/out/\d+/$"), "check-in page"),
    ("POST", re.compile(r"^/out/\d+/$"), "check-in (both sends)"),
    ("GET", re.compile(r"^/approvals/$"), "approvals page"),
    ("GET", re.compile(r"^/visits/\d+/approve/$"), "approve page"),
    ("POST", re.compile(r"^/visits/\d+/approve/$"), "approve"),
    ("GET", re.compile(r"^/visits/\d+/$"), "visit page"),
    ("GET", re.compile(r"^/timetable/$"), "timetable"),
]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
KIND_FIELD = re.compile(r'name="kind" value="([a-z_]+)"')
KEY_FIELD = re.compile(r'name="idempotency_key" value="([0-9a-f-]+)"')
SCAN_TOOK = re.compile(r"scan_overdue\[[^\]]+\] succeeded in ([0-9.]+)s")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def make_schools(now, run, waiting_per_school):
    """The schools the users belong to; returns who signs in and what they act on."""
    from accounts import roles
    from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff
    from safety.checkins import check_in
    from visits import services
    from visits.assessments import ensure_risk_assessment, mark_reviewed
    from visits.models import EventKind, SafetyChecklist, Visit, VisitState

    # Nobody signs in with a password here (sessions are made directly): a quick hash for the 240 accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    board_people, staff_people, due_visits = [], [], []
    start = now - datetime.timedelta(minutes=30)
    for s in range(SCHOOLS):
        school = SchoolFactory(name=f"Load school {run} {s}")
        office = make_staff(school, roles.OFFICE, username=f"load-{run}-{s}-office", mobile="07700 900001")
        head = make_staff(school, roles.HEAD, username=f"load-{run}-{s}-head", mobile="07700 900002")
        staff = [make_staff(school, roles.VISITING_STAFF, mobile=f"07700 9{s:02d}{i:03d}",
                            username=f"load-{run}-{s}-{i}") for i in range(STAFF + 2)]
        out = []
        for i in range(OUT):  # pairs of staff, each on one visit out, back in 1 to 2 hours
            lead, mate = staff[2 * i], staff[2 * i + 1]
            visit = VisitFactory(family=FamilyFactory(school=school), school=school, lead=lead, created_by=lead,
                                 staff=[lead, mate], planned_start=start,
                                 expected_return=now + datetime.timedelta(minutes=60 + 6 * i),
                                 state=VisitState.APPROVED)
            check_in(visit, EventKind.DEPARTED, lead, now=start)
            check_in(visit, EventKind.ARRIVED, lead, now=start + datetime.timedelta(minutes=10))
            out.append(visit)
            staff_people += [(lead, visit), (mate, visit)]
        # Two more staff on visits whose late call falls during the run (set when the load starts).
        spare = staff[STAFF:]
        for _ in range(DUE_IN_RUN):
            visit = VisitFactory(family=FamilyFactory(school=school), school=school, lead=spare[0],
                                 created_by=spare[0], staff=spare, planned_start=start,
                                 expected_return=now + datetime.timedelta(hours=3), state=VisitState.APPROVED)
            check_in(visit, EventKind.DEPARTED, spare[0], now=start)
            due_visits.append(visit)
        waiting = []
        for i in range(waiting_per_school):  # ready for the head: reviewed, checklist answered, submitted
            lead, mate = staff[2 * (i % OUT)], staff[2 * (i % OUT) + 1]
            begins = (now + datetime.timedelta(days=1 + i // 4)).replace(hour=9 + 2 * (i % 4), minute=0)
            visit = VisitFactory(family=FamilyFactory(school=school), school=school, lead=lead, created_by=lead,
                                 staff=[lead, mate], planned_start=begins,
                                 expected_return=begins + datetime.timedelta(minutes=75))
            mark_reviewed(ensure_risk_assessment(visit), lead)
            SafetyChecklist.objects.update_or_create(
                visit=visit, defaults={"completed_by": lead, "completed_at": now,
                                       **{name: True for name, _ in SafetyChecklist.QUESTIONS}})
            services.submit(Visit.objects.get(pk=visit.pk), lead)
            waiting.append(visit.pk)
        board_people.append((office, school, [v.pk for v in out], []))
        board_people.append((head, school, [v.pk for v in out], waiting))
    return board_people, staff_people, due_visits


def session_cookie(user) -> str:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)  # the session is a row in the database: gunicorn reads the same one
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def sign_in(client, user):
    """The user's session cookie in a locust client's jar (for 127.0.0.1, any port)."""
    client.cookiejar.set_cookie(http.cookiejar.Cookie(
        0, settings.SESSION_COOKIE_NAME, session_cookie_of[user.pk], None, False, "127.0.0.1", False, False, "/",
        True, False, None, False, None, None, {}))


def cpu_seconds(pids):
    """CPU time (user + system) used so far by each process tree, by name; and by the machine."""
    used = {}
    for name, pid in pids.items():
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        total = 0.0
        for proc in tree:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        used[name] = total
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] == "postgres":  # per server process: connections come and go
            try:
                times = proc.cpu_times()
                used[("postgres", proc.pid)] = times.user + times.system
            except psutil.NoSuchProcess:
                pass
    machine = psutil.cpu_times()
    used["machine busy"] = machine.user + machine.nice + machine.system + machine.irq + machine.softirq
    used["machine total"] = sum(machine)
    return used


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(len(ordered) * q + 0.5)) - 1))]


class Plan:
    """What the users act on, handed out as they start (filled in by main)."""

    board: list = []
    staff: list = []
    posted_keys: set = set()
    approved: list = []


class BoardUser(FastHttpUser):
    """An office user or a head with the live board open: a poll every BOARD_POLL_SECONDS."""

    fixed_count = BOARD_USERS
    wait_time = constant_pacing(settings.BOARD_POLL_SECONDS)

    def on_start(self):
        self.user, self.school, self.out, self.waiting = Plan.board.pop()
        sign_in(self.client, self.user)
        self.etag = None
        self.polls = 0
        gevent.sleep(random.uniform(0, settings.BOARD_POLL_SECONDS))
        with self.client.get(reverse("safety:board"), name="board page", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @task
    def poll(self):
        self.polls += 1
        headers = {"HX-Request": "true", "Accept-Encoding": "gzip"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        with self.client.get(reverse("safety:board-body"), headers=headers, name="board poll",
                             catch_response=True) as response:
            if response.status_code == 200:
                self.etag = response.headers.get("ETag")
                counts["board changed"] += 1
            elif response.status_code == 304:
                counts["board unchanged (304)"] += 1
            else:
                response.failure(f"HTTP {response.status_code}")
        if self.polls % 6 == 3:  # about once a minute: a visit's page, or the week
            path = (reverse("visits:visit-detail", args=[random.choice(self.out)]) if self.polls % 12 == 3
                    else reverse("visits:timetable"))
            name = "visit page" if "visits/" in path else "timetable"
            with self.client.get(path, name=name, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
        if self.waiting and self.polls % 3 == 2:  # a head: an approval about twice a minute
            self.approve(self.waiting.pop())

    def approve(self, pk):
        with self.client.get(reverse("visits:approvals"), name="approvals page", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
        url = reverse("visits:visit-approve", args=[pk])
        with self.client.get(url, name="approve page", catch_response=True) as response:
            token = CSRF_FIELD.search(response.text or "")
            if response.status_code != 200 or token is None:
                response.failure(f"HTTP {response.status_code}, CSRF token {'found' if token else 'missing'}")
                return
        with self.client.post(url, data=urlencode({"csrfmiddlewaretoken": token.group(1)}), headers=FORM,
                              name="approve", allow_redirects=False, catch_response=True) as response:
            if response.status_code == 302 and response.headers.get("Location", "").endswith(
                    reverse("visits:approvals")):
                Plan.approved.append(pk)
            else:
                response.failure(f"HTTP {response.status_code}")


class StaffUser(FastHttpUser):
    """A member of staff out on a visit: "All OK" once a minute from the check-in page."""

    fixed_count = STAFF_USERS
    wait_time = constant_pacing(60)

    def on_start(self):
        self.user, self.visit = Plan.staff.pop()
        sign_in(self.client, self.user)
        gevent.sleep(random.uniform(0, 60))  # 200 a minute, spread over the minute

    @task
    def check_in(self):
        url = reverse("safety:checkin", args=[self.visit.pk])
        with self.client.get(url, name="check-in page", catch_response=True) as response:
            form = ok_form(response.text or "")
            if response.status_code != 200 or form is None:
                response.failure(f"HTTP {response.status_code}, 'All OK' form {'found' if form else 'missing'}")
                return
        key, token = form
        data = {"csrfmiddlewaretoken": token, "kind": "ok", "idempotency_key": key, "note": ""}
        sends = 2 if random.random() < 0.1 else 1  # a double tap: the same key twice, recorded once
        for n in range(sends):
            name = "check-in" if n == 0 else "check-in (same key again)"
            with self.client.post(url, data=urlencode(data), headers=FORM, name=name, allow_redirects=False,
                                  catch_response=True) as response:
                if response.status_code == 302:
                    Plan.posted_keys.add(key)
                else:
                    response.failure(f"HTTP {response.status_code}")


def ok_form(html):
    """The "All OK" form's idempotency key and CSRF token, from the page as drawn."""
    for part in html.split("<form")[1:]:
        kind = KIND_FIELD.search(part)
        if kind and kind.group(1) == "ok":
            key, token = KEY_FIELD.search(part), CSRF_FIELD.search(part)
            return (key.group(1), token.group(1)) if key and token else None
    return None


counts = collections.Counter()
session_cookie_of = {}
times = collections.defaultdict(list)
failures = collections.Counter()


def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    times[name].append(response_time)
    if exception is not None:
        failures[(name, str(exception)[:80])] += 1


def start_process(args, folder, name):
    log = open(folder / f"{name}.log", "w")
    return subprocess.Popen(args, cwd=BASE, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def main():
    from homevisits.celery import app
    from homevisits.realstack import free_port
    from safety.health import SCAN_HEARTBEAT, scan_age
    from safety.models import Escalation, Heartbeat
    from visits.models import EventKind, Visit, VisitEvent, VisitState

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3, help="how long the load runs (default 3)")
    parser.add_argument("--share", type=float, default=1,
                        help="run this share of the users (e.g. 0.25: 5 boards and 50 staff), to see the "
                             "same stack below saturation (default 1: all of them)")
    arguments = parser.parse_args()
    minutes = arguments.minutes
    if not 0 < arguments.share <= 1:
        sys.exit("--share: more than 0, at most 1")
    BoardUser.fixed_count = max(1, round(BOARD_USERS * arguments.share))
    StaffUser.fixed_count = max(1, round(STAFF_USERS * arguments.share))
    if not 0 < minutes <= 30:
        sys.exit("--minutes: more than 0, at most 30")

    create_database()
    call_command("migrate", verbosity=0)
    now = timezone.now()
    fill(now)
    print(f"database: {connection.settings_dict['NAME']}, {Visit.objects.count():,} visits, "
          f"{Visit.objects.out().count():,} out", flush=True)
    reset_due(now + datetime.timedelta(hours=2))  # nothing due in the big school until the load is on
    run = now.strftime("%Y%m%d%H%M%S")
    board, staff, due_visits = make_schools(now, run, waiting_per_school=int(minutes * 2) + 2)
    for user, *_ in board:
        session_cookie_of[user.pk] = session_cookie(user)
    for user, _visit in staff:
        session_cookie_of[user.pk] = session_cookie(user)
    Plan.board, Plan.staff = list(board), list(staff)
    print(f"{SCHOOLS} schools: {len(board)} office and head users, {len(staff)} staff on "
          f"{len(staff) // 2} visits out, {sum(len(b[3]) for b in board)} visits waiting for approval, "
          f"{len(due_visits)} falling due during the run", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()

    folder = Path(settings.VAR_DIR) / "bench-load-run"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    port = free_port()
    app.control.purge()
    python = sys.executable
    procs = {
        "web": start_process([str(BASE / ".venv" / "bin" / "gunicorn"), "homevisits.wsgi", "--bind",
                              f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--log-level", "warning",
                              "--access-logfile", str(folder / "access.log"), "--access-logformat", ACCESS_FORMAT],
                             folder, "web"),
        "worker": start_process([python, "-m", "celery", "-A", "homevisits", "worker", "--loglevel", "INFO",
                                 "--concurrency", "2", "--hostname", f"load-{os.getpid()}@bench"], folder, "worker"),
        "beat": start_process([python, "-m", "celery", "-A", "homevisits", "beat", "--loglevel", "WARNING",
                               "--schedule", str(folder / "beat-schedule")], folder, "beat"),
    }
    try:
        deadline = time.monotonic() + 60
        up_since = timezone.now()
        while time.monotonic() < deadline:  # gunicorn answers, and a scan ran since the stack started
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
                break
            except urllib.error.HTTPError:
                age = scan_age()
                if age is not None and age < (timezone.now() - up_since).total_seconds():
                    break
            except OSError:
                pass
            gevent.sleep(0.5)
        else:
            sys.exit("the stack did not start: see " + str(folder))
        print(f"gunicorn on 127.0.0.1:{port}, worker and beat up (logs in {folder})", flush=True)

        env = Environment(user_classes=[BoardUser, StaffUser], host=f"http://127.0.0.1:{port}")
        env.events.request.add_listener(_record)
        runner = env.create_local_runner()
        ages, beats = [], set()

        def watch_heartbeat():
            while True:
                ages.append(scan_age())
                beats.add(Heartbeat.objects.filter(name=SCAN_HEARTBEAT).values_list("last_seen", flat=True).first())
                connection.close()
                gevent.sleep(1)

        watcher = gevent.spawn(watch_heartbeat)
        started = timezone.now()
        pids = {"gunicorn": procs["web"].pid, "Celery worker": procs["worker"].pid,
                "beat": procs["beat"].pid, "locust (this process)": os.getpid()}
        cpu_before = cpu_seconds(pids)
        runner.start(BoardUser.fixed_count + StaffUser.fixed_count, spawn_rate=100)
        load_before = os.getloadavg()
        gevent.sleep(RESET_DUE_AFTER)
        due_at = timezone.now()
        reset_due(due_at)  # the big school's 1,000 visits: due now, escalated by the next tick
        falls_due = {}
        for n, visit in enumerate(due_visits):  # and, across the run, the load schools' few
            falls_due[visit.pk] = due_at + datetime.timedelta(
                seconds=10 + n * (minutes * 60 - RESET_DUE_AFTER - 30) / len(due_visits))
            Visit.objects.filter(pk=visit.pk).update(
                expected_return=falls_due[visit.pk] - datetime.timedelta(minutes=15),
                next_check_at=falls_due[visit.pk])
        connection.close()
        gevent.sleep(max(0, minutes * 60 - RESET_DUE_AFTER))
        runner.quit()
        watcher.kill()
        cpu_after = cpu_seconds(pids)
        load_after = os.getloadavg()
        ended = timezone.now()
        # A visit that fell due in the run's last seconds is given the next tick (bounded).
        expected = [pk for pk, when in falls_due.items() if when <= ended]
        deadline = time.monotonic() + 2 * settings.WATCHDOG_INTERVAL_SECONDS
        while time.monotonic() < deadline and Escalation.objects.filter(
                visit__in=expected).values("visit").distinct().count() < len(expected):
            gevent.sleep(1)
            connection.close()
    finally:
        for proc in procs.values():
            stop(proc)

    seconds = (ended - started).total_seconds()
    print(f"\nload: {seconds:.0f} s, {BoardUser.fixed_count} board users, {StaffUser.fixed_count} staff; load average "
          f"{load_before[0]:.1f} ({load_before[1]:.1f} over 5 min) at the start, {load_after[0]:.1f} "
          f"({load_after[1]:.1f}) at the end, on {os.cpu_count()} CPUs")
    cpu = {name: cpu_after[name] - cpu_before.get(name, 0) for name in cpu_after if not isinstance(name, tuple)}
    cpu["PostgreSQL (all its databases)"] = sum(seconds - cpu_before.get(name, 0) for name, seconds in cpu_after.items()
                                                if isinstance(name, tuple))
    busy = cpu.pop("machine busy")
    total = cpu.pop("machine total")
    print(f"CPU over the run: the machine's {os.cpu_count()} cores {100 * busy / total:.0f}% busy; of that, "
          + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in cpu.items())
          + f"; everything else (other work on the machine) {busy - sum(cpu.values()):.0f} s, of "
          f"{total:.0f} core-seconds")
    print(f"{'as the users saw it':28} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8}")
    stats = env.stats
    for name in sorted(times):
        took = times[name]
        errors = sum(n for (what, _), n in failures.items() if what == name)
        print(f"{name:28} {len(took):8} {errors:6} {statistics.median(took):8.1f} {percentile(took, 0.95):8.1f} "
              f"{percentile(took, 0.99):8.1f} {max(took):8.1f}")
    served = server_times(folder / "access.log")
    print(f"{'in gunicorn (not queued)':28} {'requests':>8} {'':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8}")
    for name in sorted(served):
        took = served[name]
        print(f"{name:28} {len(took):8} {'':6} {statistics.median(took):8.1f} {percentile(took, 0.95):8.1f} "
              f"{percentile(took, 0.99):8.1f} {max(took):8.1f}")
    print(f"errors: {stats.total.num_failures}" + "".join(f"\n  {n} x {name}: {why}" for (name, why), n in
                                                          failures.most_common(10)))
    print(f"board polls: {counts['board changed']} changed (200), {counts['board unchanged (304)']} unchanged "
          f"(304)")
    known = [a for a in ages if a is not None]
    interval = settings.WATCHDOG_INTERVAL_SECONDS
    print(f"watchdog heartbeat age, sampled every second: max {max(known):.1f} s, median "
          f"{statistics.median(known):.1f} s (interval {interval} s: goal at most {2 * interval} s)")
    ticks = sorted(b for b in beats if b is not None)
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(ticks, ticks[1:], strict=False)]
    scans = [float(x) for x in SCAN_TOOK.findall((folder / "worker.log").read_text(errors="replace"))]
    if gaps and scans:
        print(f"  scans seen: {len(ticks)}, largest gap between two scans' start {max(gaps):.1f} s; scan task "
              f"took median {statistics.median(scans):.2f} s, max {max(scans):.2f} s over {len(scans)} scans")
    # What was recorded: each check-in once, each approval once, each due visit escalated once.
    schools = [school for _user, school, *_ in board]
    recorded = VisitEvent.objects.filter(visit__school__in=schools, kind=EventKind.OK, at__gte=started)
    keys = set(recorded.values_list("idempotency_key", flat=True))
    answered = recorded.filter(idempotency_key__in=Plan.posted_keys)
    print(f"check-ins: {len(Plan.posted_keys)} answered (302), {answered.count()} of them recorded, each once: "
          f"{answered.count() == len(Plan.posted_keys) and len(keys) == recorded.count()}; "
          f"{recorded.count() - answered.count()} more recorded whose answer the stop cut off")
    approved = Visit.objects.filter(pk__in=Plan.approved, state=VisitState.APPROVED).count()
    print(f"approvals: {len(Plan.approved)} answered, {approved} visits approved, "
          f"{VisitEvent.objects.filter(visit__in=Plan.approved, kind=EventKind.APPROVED).count()} approval events")
    big = Escalation.objects.exclude(visit__school__in=schools).filter(created_at__gte=due_at)
    print(f"escalations: big school {big.count()} (of 1,000 due at {RESET_DUE_AFTER} s), load schools "
          f"{Escalation.objects.filter(visit__in=due_visits).count()} of {len(expected)} fallen due; visits "
          f"escalated twice: {escalated_twice(due_visits, due_at)}")


def server_times(log):
    """Milliseconds gunicorn took per request, by endpoint, from its access log (the load's requests only)."""
    took = collections.defaultdict(list)
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        method, path, _status, micros = parts
        for want, pattern, name in ENDPOINTS:
            if method == want and pattern.match(path):
                took[name].append(int(micros) / 1000)
                break
    return took


def escalated_twice(due_visits, since):
    from visits.models import EventKind, VisitEvent

    per_visit = collections.Counter(VisitEvent.objects.filter(kind=EventKind.ESCALATED, at__gte=since)
                                    .values_list("visit_id", flat=True))
    return sum(1 for n in per_visit.values() if n > 1)


if __name__ == "__main__":
    main()
