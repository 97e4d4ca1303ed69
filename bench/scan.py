"""Benchmark of one watchdog scan tick on PostgreSQL (issue: the safety watchdog).

Fills a PostgreSQL database with 1,000,000 visits over a year (10,000 out now, 1,000 of them due),
then reports:
  - the tick that finds nothing due: median time and its query count, with EXPLAIN of the due query;
  - the tick that escalates the 1,000 due visits: time and query count.

Usage (needs a PostgreSQL server; the database is created and filled on first run, ~1-2 minutes):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/homevisits_bench .venv/bin/python bench/scan.py
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homevisits.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("EMAIL_URL", "dummymail://")
os.environ.setdefault("SMS_BACKEND", "notifications.sms.LocmemSmsBackend")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

TOTAL, OUT, DUE = 1_000_000, 10_000, 1_000


def fill(now):
    from accounts import roles
    from homevisits.factories import FamilyFactory, SchoolFactory, make_staff
    from visits.models import Visit

    if Visit.objects.count() >= TOTAL:
        return False
    print("Filling the database (once)...", flush=True)
    school = SchoolFactory(name="Bench school")
    staff = [make_staff(school, roles.VISITING_STAFF) for _ in range(20)]
    for role in (roles.OFFICE, roles.HEAD, roles.DSL):
        make_staff(school, role)
    family = FamilyFactory(school=school)
    lead = staff[0].pk
    start_of_year = now - datetime.timedelta(days=365)
    with connection.cursor() as cur:
        # Past visits over a year, all returned: the bulk of the table.
        cur.execute(
            """
            INSERT INTO visits_visit (school_id, family_id, purpose, purpose_other, announced, unannounced_reason,
                planned_start, duration_minutes, expected_return, ends_at_home, address, contact_phone, lead_id,
                transport, code_word, info_gathered, notes, state, gates_required, gate_overrides,
                decision_reason, cancel_reason, cancelled_for_safety, watch_round, escalation_level,
                created_by_id, created_at, updated_at, returned_at)
            SELECT %s, %s, 'induction', '', true, '', %s + (g * interval '31 seconds'), 45,
                   %s + (g * interval '31 seconds') + interval '75 minutes', false, 'addr', '', %s,
                   'foot', '', true, '', 'returned', '[]', '{}', '', '', false, 1, 0, %s, now(), now(),
                   %s + (g * interval '31 seconds') + interval '70 minutes'
            FROM generate_series(1, %s) AS g
            """,
            [school.pk, family.pk, start_of_year, start_of_year, lead, lead, start_of_year, TOTAL - OUT],
        )
        # Out now: 10,000, of which 1,000 are past their late-call deadline.
        cur.execute(
            """
            INSERT INTO visits_visit (school_id, family_id, purpose, purpose_other, announced, unannounced_reason,
                planned_start, duration_minutes, expected_return, ends_at_home, address, contact_phone, lead_id,
                transport, code_word, info_gathered, notes, state, gates_required, gate_overrides,
                decision_reason, cancel_reason, cancelled_for_safety, watch_round, escalation_level,
                created_by_id, created_at, updated_at, departed_at, last_contact_at, next_check_at)
            SELECT %s, %s, 'induction', '', true, '', %s - interval '60 minutes', 45, er, false, 'addr', '', %s,
                   'foot', '', true, '', 'departed', '[]', '{}', '', '', false, 1, 0, %s, now(), now(),
                   %s - interval '60 minutes', %s - interval '60 minutes', er + interval '15 minutes'
            FROM (SELECT g, CASE WHEN g <= %s THEN %s - interval '20 minutes'
                                 ELSE %s + (g * interval '1 second') END AS er
                  FROM generate_series(1, %s) AS g) AS s
            """,
            [school.pk, family.pk, now, lead, lead, now, now, DUE, now, now, OUT],
        )
        cur.execute(
            """
            INSERT INTO visits_visit_staff (visit_id, user_id)
            SELECT v.id, u.id FROM visits_visit v, (VALUES (%s), (%s)) AS u(id) WHERE v.state = 'departed'
            """,
            [staff[0].pk, staff[1].pk],
        )
        cur.execute("ANALYZE")
    return True


def create_database():
    import psycopg

    settings = connection.settings_dict
    dsn = dict(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, user=settings["USER"],
               password=settings["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**dsn) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{settings["NAME"]}"')


def reset_due(now):
    """Put the 10,000 visits out back around `now` (1,000 of them due, none escalated), so the
    benchmark measures the same thing however long after the fill it runs."""
    from notifications.models import Notification
    from safety.models import Escalation
    from visits.models import VisitEvent

    with transaction.atomic():
        Notification.objects.all().delete()
        Escalation.objects.all().delete()
        VisitEvent.objects.filter(kind="escalated")._raw_delete(connection.alias)
        with connection.cursor() as cur:
            cur.execute(
                """
                UPDATE visits_visit AS v SET
                    expected_return = CASE WHEN o.n <= %s THEN %s - interval '20 minutes'
                                           ELSE %s + (o.n * interval '1 second') END,
                    next_check_at = CASE WHEN o.n <= %s THEN %s - interval '5 minutes'
                                         ELSE %s + (o.n * interval '1 second') + interval '15 minutes' END,
                    escalation_level = 0, watch_round = 1
                FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM visits_visit
                      WHERE state = 'departed') AS o
                WHERE v.id = o.id
                """,
                [DUE, now, now, DUE, now, now],
            )


def main():
    from safety.watchdog import scan

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is created and filled on first run).")
    create_database()
    call_command("migrate", verbosity=0)
    now = timezone.now()
    fill(now)
    from visits.models import Visit

    print(f"visits: {Visit.objects.count():,}; out: {Visit.objects.out().count():,}")

    reset_due(now)
    # A tick that finds nothing due (the clock well before any deadline).
    quiet = now - datetime.timedelta(hours=2)
    times, counts = [], []
    for _ in range(30):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            scan(quiet)
            times.append((time.perf_counter() - t0) * 1000)
        counts.append(len(ctx.captured_queries))
    print(f"\nIdle tick (nothing due): median {statistics.median(times):.2f} ms, "
          f"p95 {sorted(times)[int(len(times) * 0.95) - 1]:.2f} ms, queries {sorted(set(counts))}")
    with connection.cursor() as cur:
        qs = (Visit.objects.filter(state__in=["departed", "on_site", "left"], next_check_at__lte=quiet)
              .order_by("next_check_at")[:500])
        sql, params = qs.query.sql_with_params()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("EXPLAIN of the due query:")
        for (line,) in cur.fetchall():
            print("   ", line)

    # The tick escalating 1,000 visits.
    reset_due(now)
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = scan(now)
        elapsed = time.perf_counter() - t0
    print(f"\nEscalating tick: {len(result.escalated)} visits escalated in {elapsed:.2f} s, "
          f"{len(ctx.captured_queries)} queries")


if __name__ == "__main__":
    main()
