"""Benchmark of one watchdog scan tick on PostgreSQL (issues: the safety watchdog; 17, fast at a million visits).

Fills a PostgreSQL database with 1,000,000 visits over a year (10,000 out now, 1,000 of them due),
then, in the same run on the same data, times three ways of doing a tick:
  - project: safety.watchdog.scan, the tick that finds nothing due (median, p95, queries, with EXPLAIN of
    the due query) and the tick that escalates the 1,000 due visits (committed, notifications recorded in
    the outbox and handed to the broker after the commit; the hand-over is also shown on its own);
  - limit: the database's own set-based limit, one UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)
    claiming the due rows and one INSERT ... ON CONFLICT DO NOTHING of their escalations, committed;
  - loop: a healthchecks-style loop, one due row at a time claimed with a conditional UPDATE (the row's
    level and deadline in the filter, so two workers can't both win), its escalation inserted, committed,
    until none is left;
and prints the project's figures as ratios to both. The data is put back (1,000 due, none escalated,
tables vacuumed and analysed) before each measurement, so each times the same 1,000 due visits.

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


IDLE_TICKS, DUE_RUNS = 30, 3


def reset(now):
    """reset_due, then VACUUM ANALYZE of the tables a tick writes: each measurement starts from the same
    table state (no dead rows of the last one, statistics that know the rows are there)."""
    reset_due(now)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE visits_visit, safety_escalation, safety_notification, visits_visitevent")


def _ms(seconds):
    return seconds * 1000


def _due_ids_sql():
    return ("SELECT id FROM visits_visit WHERE state IN ('departed', 'on_site', 'left') AND next_check_at <= %s "
            "ORDER BY next_check_at, id")


def limit_tick(now):
    """The set-based limit: claim every due row and move it on in one UPDATE, insert their level 1
    escalations in one INSERT ... ON CONFLICT DO NOTHING; one transaction, committed. Returns (rows, queries)."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""UPDATE visits_visit AS v SET escalation_level = 1, next_check_at = %s + interval '15 minutes'
                FROM ({_due_ids_sql()} LIMIT %s FOR UPDATE SKIP LOCKED) AS d
                WHERE v.id = d.id RETURNING v.id, v.watch_round, v.expected_return""",
            [now, now, 100_000],
        )
        claimed = cur.fetchall()
        if claimed:
            cur.execute(
                """INSERT INTO safety_escalation (visit_id, round, level, reason, anchor, created_at, alert_count,
                       last_alert_at, resolution_note, charge_reminders, tiers_reached, tier_at, outcome, outcome_note)
                   SELECT d.id, d.round, 1, 'late_return', d.anchor, %s, 1, %s, '', 0, 1, %s, '', ''
                   FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[]) AS d(id, round, anchor)
                   ON CONFLICT DO NOTHING""",
                [now, now, now, [r[0] for r in claimed], [r[1] for r in claimed], [r[2] for r in claimed]],
            )
    return len(claimed), 2 if claimed else 1


def loop_tick(now):
    """A healthchecks-style loop: take one due row, claim it with a conditional UPDATE (its level and
    deadline unchanged), insert its escalation, commit; until no due row is left. Returns (rows, queries)."""
    done = queries = 0
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(_due_ids_sql() + " LIMIT 1", [now])
            queries += 1
            row = cur.fetchone()
            if row is None:
                return done, queries
            cur.execute(
                """UPDATE visits_visit SET escalation_level = 1, next_check_at = %s + interval '15 minutes'
                   WHERE id = %s AND escalation_level = 0 AND next_check_at <= %s
                   RETURNING watch_round, expected_return""",
                [now, row[0], now],
            )
            queries += 1
            won = cur.fetchone()
            if won is None:
                continue  # another worker claimed it first
            cur.execute(
                """INSERT INTO safety_escalation (visit_id, round, level, reason, anchor, created_at, alert_count,
                       last_alert_at, resolution_note, charge_reminders, tiers_reached, tier_at, outcome, outcome_note)
                   VALUES (%s, %s, 1, 'late_return', %s, %s, 1, %s, '', 0, 1, %s, '', '')
                   ON CONFLICT DO NOTHING""",
                [row[0], won[0], won[1], now, now, now],
            )
            queries += 1
            done += 1


def timed(fn, *args):
    connection.queries_log.clear()  # the log keeps 9,000 queries: a full one would count none
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        out = fn(*args)
        elapsed = time.perf_counter() - t0
    return elapsed, len(ctx.captured_queries), out


def _stats(times):
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main():
    from django.urls import reverse

    from homevisits.celery import AfterCommitTask
    from safety.watchdog import scan
    from visits.models import Visit

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is created and filled on first run).")
    create_database()
    call_command("migrate", verbosity=0)
    now = timezone.now()
    fill(now)
    print(f"visits: {Visit.objects.count():,}; out: {Visit.objects.out().count():,}; "
          f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    # A long-running worker has its URLs loaded (the first reverse() imports every view: seconds).
    reverse("safety:checkin", args=[1])

    # Hand-overs to the broker after each commit (one task per notification), timed on their own.
    handing = [0.0]
    apply_now = AfterCommitTask.apply_now

    def timed_apply_now(self, calls, *, done=None):
        t0 = time.perf_counter()
        try:
            return apply_now(self, calls, done=done)
        finally:
            handing[0] += time.perf_counter() - t0

    AfterCommitTask.apply_now = timed_apply_now

    # --- Ticks that find nothing due: the same 10,000 out, every deadline two hours on; real-time
    # ticks, so the project's stamps its heartbeat as beat's does ---
    reset(now + datetime.timedelta(hours=2))
    quiet = now - datetime.timedelta(hours=2)  # for the EXPLAIN below
    scan(timezone.now())  # warm
    idle = {"project": [], "limit": [], "loop": []}
    idle_queries = {"project": set(), "limit": set(), "loop": set()}
    for _ in range(IDLE_TICKS):  # in turn, so the three share the machine's load
        for name, fn in (("project", scan), ("limit", limit_tick), ("loop", loop_tick)):
            elapsed, queries, _ = timed(fn, timezone.now())
            idle[name].append(elapsed)
            idle_queries[name].add(queries)
    with connection.cursor() as cur:
        qs = (Visit.objects.filter(state__in=["departed", "on_site", "left"], next_check_at__lte=quiet)
              .order_by("next_check_at")[:500])
        sql, params = qs.query.sql_with_params()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("EXPLAIN of the due query:")
        for (line,) in cur.fetchall():
            print("   ", line)

    # --- Ticks escalating the 1,000 due visits, each from the same data ---
    due = {"project": [], "limit": [], "loop": []}
    due_queries = {"project": set(), "limit": set(), "loop": set()}
    handover, rows = [], {}
    for _ in range(DUE_RUNS):
        for name, fn in (("project", scan), ("limit", limit_tick), ("loop", loop_tick)):
            reset(now)
            handing[0] = 0.0
            elapsed, queries, out = timed(fn, now)
            due[name].append(elapsed)
            due_queries[name].add(queries)
            if name == "project":
                handover.append(handing[0])
                rows[name] = len(out.escalated)
            else:
                rows[name] = out[0]
    reset(now)

    print(f"\nload average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"rows escalated by each: {rows}")
    (pi, pi95), (li, li95), (oi, oi95) = (_stats(idle[n]) for n in ("project", "limit", "loop"))
    print(f"\nIdle tick (nothing due), median (p95) over {IDLE_TICKS}, queries:")
    for name, (med, p95) in (("project", (pi, pi95)), ("limit", (li, li95)), ("loop", (oi, oi95))):
        print(f"  {name:8} {_ms(med):8.2f} ms ({_ms(p95):.2f})  queries {sorted(idle_queries[name])}")
    print(f"  project / limit {pi / li:.1f}x; project / loop {pi / oi:.1f}x")
    print(f"\nTick escalating {DUE:,} due visits, committed, median (range) over {DUE_RUNS} runs, queries:")
    for name in ("project", "limit", "loop"):
        med = statistics.median(due[name])
        print(f"  {name:8} {_ms(med):8.1f} ms ({_ms(min(due[name])):.1f} to {_ms(max(due[name])):.1f})"
              f"  queries {sorted(due_queries[name])}")
    pd, ld, od = (statistics.median(due[n]) for n in ("project", "limit", "loop"))
    hand = statistics.median(handover)
    before = statistics.median([d - h for d, h in zip(due["project"], handover, strict=True)])
    print(f"  of the project's tick, handing the notifications to the broker after the commit: {_ms(hand):.1f} ms "
          f"(median); before it: {_ms(before):.1f} ms")
    print(f"  project / limit {pd / ld:.1f}x; project / loop {pd / od:.2f}x")


if __name__ == "__main__":
    main()
