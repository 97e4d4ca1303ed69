"""Start real Celery workers and beat as subprocesses for tests, sharing the test database and broker."""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


class Proc:
    def __init__(self, popen, logfile):
        self.popen = popen
        self.logfile = logfile

    def log(self) -> str:
        with open(self.logfile, errors="replace") as fh:
            return fh.read()[-4000:]

    @staticmethod
    def wait_for(condition, seconds: float = 30, every: float = 0.2) -> bool:
        """Poll a condition, bounded in time (the worker is another process; nothing sleeps for a rule)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            connection.close()  # see the other process's commits on SQLite too
            if condition():
                return True
            time.sleep(every)
        return False

    def stop(self, sig=signal.SIGTERM, timeout: float = 20):
        """Signal the whole process group (a prefork worker's children too), then make sure it is gone."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # no stray pool children left behind


def stack_env(tmp_path, **extra) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "HOMEVISITS_VAR_DIR": str(settings.VAR_DIR),
        "DJANGO_SETTINGS_MODULE": "homevisits.settings",
        "PYTHONUNBUFFERED": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start(args, tmp_path, name, **extra) -> Proc:
    logfile = tmp_path / f"{name}.log"
    fh = open(logfile, "w")
    popen = subprocess.Popen([sys.executable, "-m", "celery", "-A", "homevisits", *args], cwd=settings.BASE_DIR,
                             env=stack_env(tmp_path, **extra), stdout=fh, stderr=subprocess.STDOUT,
                             start_new_session=True)
    return Proc(popen, logfile)


def start_worker(tmp_path, name="worker", purge=True, **extra) -> Proc:
    if purge:
        # Start from an empty queue: messages left by an earlier, interrupted run are not this test's.
        from homevisits.celery import app

        app.control.purge()
    return start(["worker", "--loglevel", "INFO", "--concurrency", "1", "--pool", "prefork",
                  "--hostname", f"{name}-{os.getpid()}@test", "--without-gossip", "--without-mingle",
                  "--without-heartbeat"], tmp_path, name, **extra)


def start_beat(tmp_path, name="beat", **extra) -> Proc:
    return start(["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "beat-schedule")], tmp_path, name,
                 **extra)


@contextlib.contextmanager
def celery_worker(tmp_path, **extra):
    proc = start_worker(tmp_path, **extra)
    try:
        yield proc
    finally:
        proc.stop()
