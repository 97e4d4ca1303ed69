"""Locks are taken in one order everywhere: the visit row, then its escalation rows.

Acknowledging took the escalation row and then the visit row while the scan took the visit and
then the escalation: at the same moment, each waited for the other and PostgreSQL broke the
deadlock by failing one of them. Real row locks only exist on PostgreSQL.
"""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from homevisits.testing import need_postgres
from safety.models import ContactOutcome, Escalation, EscalationLevel
from safety.watchdog import acknowledge, check_in, record_contact, scan
from visits.models import EventKind

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

MINUTE = datetime.timedelta(minutes=1)


def at_level_2(out_visit):
    """Expected back 10:30, level 2 at 11:00, due to repeat at 11:10 (R-RETURN-30)."""
    visit = out_visit()
    scan(visit.expected_return + 15 * MINUTE)
    scan(visit.expected_return + 30 * MINUTE)
    chase = Escalation.objects.get(visit=visit, level=EscalationLevel.CHASE)
    return visit, chase


class PauseAfterFirstLock:
    """Hold a thread right after its first locking statement until the other thread has taken its
    own first lock too (or a few seconds have passed: one may be waiting for the other's lock)."""

    def __init__(self, barrier):
        self.barrier = barrier
        self.paused = False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not self.paused and "FOR UPDATE" in sql:
            self.paused = True
            try:
                self.barrier.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass
        return result


def run_together(*jobs):
    start, locked = threading.Barrier(len(jobs)), threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            with connection.execute_wrapper(PauseAfterFirstLock(locked)):
                start.wait(timeout=10)
                job()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.parametrize("attempt", range(3))
def test_acknowledging_while_a_repeating_scan_runs_does_not_deadlock(out_visit, people, attempt):
    need_postgres()
    visit, chase = at_level_2(out_visit)
    repeat_at = visit.expected_return + 40 * MINUTE
    errors = run_together(lambda: acknowledge(chase, people["office"], now=repeat_at),
                          lambda: scan(repeat_at))
    assert errors == []
    chase.refresh_from_db()
    assert chase.acknowledged_by == people["office"]
    assert chase.alert_count in (1, 2)  # repeated just before the acknowledgement, or not at all
    visit.refresh_from_db()
    # Acknowledged: nothing more to repeat; the next look is the reminder to the person in charge.
    assert visit.next_check_at == repeat_at + visit.school.charge_reminder_minutes * MINUTE


def locking_order(run):
    """The tables of the locking statements a function runs, in order (SELECT ... FOR UPDATE, UPDATE)."""
    with CaptureQueriesContext(connection) as ctx:
        run()
    order = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        if "FOR UPDATE" in sql:
            order.append(re.search(r'FROM "(\w+)"', sql).group(1))
        elif sql.startswith("UPDATE"):
            order.append(re.search(r'UPDATE "(\w+)"', sql).group(1))
    return [table for table in order if table in ("visits_visit", "safety_escalation")]


def visit_first(order):
    return bool(order) and order[0] == "visits_visit"


def test_each_writer_locks_the_visit_before_its_escalations(out_visit, people):
    need_postgres()
    visit, chase = at_level_2(out_visit)
    later = visit.expected_return + 41 * MINUTE
    assert visit_first(locking_order(lambda: scan(visit.expected_return + 40 * MINUTE)))
    assert visit_first(locking_order(lambda: record_contact(chase, 1, ContactOutcome.NO_ANSWER, people["office"],
                                                            now=later)))
    assert visit_first(locking_order(lambda: acknowledge(chase, people["office"], now=later)))
    assert visit_first(locking_order(lambda: check_in(visit, EventKind.DURESS, people["teacher"], now=later)))
    assert visit_first(locking_order(lambda: check_in(visit, EventKind.RETURNED, people["teacher"], now=later)))
