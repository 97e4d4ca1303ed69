"""Start real Celery workers and beat as subprocesses for tests, sharing the test database and broker."""

import collections
import contextlib
import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.db import connection

from homevisits.celery import app


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

    def said(self, text: str) -> bool:
        """Whether the process ever wrote `text` (its whole log: a busy worker's start-up lines are long
        gone from the tail that log() shows)."""
        with open(self.logfile, errors="replace") as fh:
            return text in fh.read()

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


def _spawn(command, tmp_path, name, **extra) -> Proc:
    logfile = tmp_path / f"{name}.log"
    fh = open(logfile, "w")
    popen = subprocess.Popen(command, cwd=settings.BASE_DIR, env=stack_env(tmp_path, **extra), stdout=fh,
                             stderr=subprocess.STDOUT, start_new_session=True)
    return Proc(popen, logfile)


def start(args, tmp_path, name, **extra) -> Proc:
    return _spawn([sys.executable, "-m", "celery", "-A", "homevisits", *args], tmp_path, name, **extra)


def start_worker(tmp_path, name="worker", purge=True, **extra) -> Proc:
    if purge:
        # Start from an empty queue: messages left by an earlier, interrupted run are not this test's.
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web(tmp_path, name="web", port=None, seconds: float = 30, **extra) -> Proc:
    """gunicorn serving the app on a free loopback port (`proc.port`), as the Procfile starts it (one
    worker here), against the test database; returns once it answers /health/ (any status: a 503
    only says beat has not ticked yet)."""
    port = port or free_port()
    proc = _spawn([sys.executable, "-m", "gunicorn", "homevisits.wsgi", "--bind", f"127.0.0.1:{port}",
                   "--workers", "1", "--threads", "4", "--log-level", "warning"], tmp_path, name, **extra)
    proc.port = port
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
            return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            if proc.popen.poll() is not None:
                break
            time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"gunicorn {name} did not start:\n{proc.log()}")


class WebSession:
    """A browser signed in as one user, talking to any of the web processes: the session is a row in
    the shared database (made with the test client's force_login), and the CSRF cookie one web
    process sets is taken by the others (they share SECRET_KEY)."""

    def __init__(self, session_key: str):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.cookie(settings.SESSION_COOKIE_NAME, session_key)

    def cookie(self, name, value):
        self.jar.set_cookie(http.cookiejar.Cookie(
            0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {}))

    def request(self, port: int, path: str, data: dict | None = None):
        """(status, body, headers) of a GET, or of a POST of `data` as a form."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), error.headers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer asked about, not followed


def file_delivery_env(tmp_path, interval: float, **extra) -> dict:
    """The settings a drill's worker and beat share: a fast scan, and email and SMS written to files
    under `tmp_path` (a line per SMS sent, read by sms_sends)."""
    return {
        "WATCHDOG_INTERVAL_SECONDS": interval,
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": tmp_path / "mail",
        "SMS_BACKEND": "notifications.sms.FileSmsBackend",
        "SMS_FILE_PATH": tmp_path / "sms.log",
        "NOTIFICATION_SEND_LEASE_SECONDS": 5,
        **extra,
    }


def sms_sends(tmp_path) -> collections.Counter:
    """How many times each notification reference was handed to the SMS backend of file_delivery_env."""
    path = tmp_path / "sms.log"
    lines = path.read_text().splitlines() if path.exists() else []
    return collections.Counter(line.rsplit("\t", 1)[1] for line in lines)


class TcpOutage:
    """A loopback TCP forwarder in front of a real server, which a drill can cut and restore.

    The machine's shared PostgreSQL or Redis is never stopped: the processes under test talk to
    the server through this forwarder's port, and `down()` drops every connection and refuses new
    ones until `up()`.
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._listener = None
        self._conns: list = []
        self._thread = None

    def up(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()
        return self

    def _accept(self, listener):
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()

    def down(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
        return self
