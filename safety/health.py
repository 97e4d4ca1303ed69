"""The state of the moving parts, for /health/ and the "monitoring is not running" banner.

Nothing here may carry personal data: /health/ is public.
"""

import datetime

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from homevisits.celery import app

from .models import Heartbeat

SCAN_HEARTBEAT = "watchdog-scan"


def record_heartbeat(name: str, now: datetime.datetime, detail: str = "") -> None:
    """Stamp the heartbeat `name`: one UPDATE once the row exists (every tick of the scan stamps it,
    so an idle tick costs its due check and this), the row made the first time."""
    stamp = {"last_seen": now, "detail": detail[:200]}
    if not _stamp(name, stamp):
        Heartbeat.objects.update_or_create(name=name, defaults=stamp)


def _stamp(name: str, stamp: dict) -> int:
    """One UPDATE of the heartbeat row; how many rows it changed. On PostgreSQL, as a statement of
    its own (autocommit, no transaction around it), its commit does not wait for the disk
    (synchronous_commit off for that one transaction): waiting for the flush was most of an idle
    tick, and a stamp lost in a crash of the server only makes the last scan look a moment older.
    Inside a caller's transaction it is a plain UPDATE: that transaction's commit is not ours to relax."""
    db = connections[Heartbeat.objects.db]
    if db.vendor != "postgresql" or not db.get_autocommit() or db.in_atomic_block:
        return Heartbeat.objects.filter(name=name).update(**stamp)
    with db.cursor() as cursor:
        cursor.execute(
            "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)) "
            f"UPDATE {Heartbeat._meta.db_table} SET last_seen = %s, detail = %s FROM relaxed WHERE name = %s",
            [stamp["last_seen"], stamp["detail"], name],
        )
        return cursor.rowcount


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WATCHDOG_INTERVAL_SECONDS * settings.WATCHDOG_STALE_INTERVALS)


def scan_age(now: datetime.datetime | None = None) -> float | None:
    """Seconds since the last watchdog scan, or None if there never was one."""
    now = now or timezone.now()
    last = Heartbeat.objects.filter(name=SCAN_HEARTBEAT).values_list("last_seen", flat=True).first()
    return None if last is None else max(0.0, (now - last).total_seconds())


def monitoring_is_down(now: datetime.datetime | None = None) -> bool:
    age = scan_age(now)
    return age is None or age > stale_after().total_seconds()


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:  # any driver error means "down"; the type tells the operator why
        return False, type(exc).__name__


def check_broker(timeout: float = 2.0) -> tuple[bool, str]:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            conn.default_channel  # noqa: B018 - opening a channel proves the broker answers
        return True, "ok"
    except Exception as exc:  # kombu raises many types; any of them means "down"
        return False, type(exc).__name__


def health_report(now: datetime.datetime | None = None) -> tuple[bool, dict]:
    now = now or timezone.now()
    db_ok, db_detail = check_database()
    broker_ok, broker_detail = check_broker()
    age = scan_age(now) if db_ok else None
    scan_ok = db_ok and age is not None and age <= stale_after().total_seconds()
    report = {
        "status": "ok" if (db_ok and broker_ok and scan_ok) else "fail",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
        "beat": {
            "ok": scan_ok,
            "last_tick_age_seconds": None if age is None else round(age, 1),
            "stale_after_seconds": stale_after().total_seconds(),
        },
    }
    return report["status"] == "ok", report
