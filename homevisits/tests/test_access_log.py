"""Personal data stays out of the logs: the family search by name or postcode (a query string) and a
calendar feed's secret token (its path) never reach the web server's access log, a Referer that
carries them neither, nor Django's own lines about a path ("Not Found: /calendar/...").

Tested with the real formatting: gunicorn started exactly as the Procfile starts it, serving real
requests; gunicorn's logger class fed the atoms of a request; and the app's configured log handler."""

import datetime
import io
import logging
import re
import shlex
import subprocess
import types
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff
from homevisits.logredact import ScrubPathsFilter, scrub
from homevisits.realstack import Proc, free_port, stack_env

SURNAME, POSTCODE = "Quillfeather", "NN4 9XY"
SEARCH = "/families/?q=Quillfeather&postcode=NN4+9XY"


def procfile_command(name: str) -> str:
    for line in (Path(settings.BASE_DIR) / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} in the Procfile")


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:
        return None  # not listening yet


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True)
def test_the_web_server_started_as_the_procfile_says_logs_no_search_or_token(tmp_path):
    token = make_staff(SchoolFactory(), roles.VISITING_STAFF).profile.calendar_token
    port = free_port()
    logfile = tmp_path / "web.log"
    with open(logfile, "w") as out:
        popen = subprocess.Popen(["bash", "-c", f"exec {procfile_command('web')}"], cwd=settings.BASE_DIR,
                                 env=stack_env(tmp_path, WEB_PORT=port), stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    web = Proc(popen, logfile)
    base = f"http://127.0.0.1:{port}"
    try:
        assert Proc.wait_for(lambda: get(f"{base}/health/") in (200, 503), seconds=60), web.log()
        assert get(base + SEARCH) == 302  # signed out: sent to sign in, with the search in ?next=
        assert get(f"{base}/calendar/{token}.ics", Referer=f"{base}{SEARCH}") == 200
        assert get(f"{base}/calendar/not-{token}.ics") == 404  # Django logs "Not Found: <path>" too
        assert Proc.wait_for(lambda: web.log().count("/calendar/") >= 3, seconds=20), web.log()
    finally:
        web.stop()
    log = logfile.read_text(errors="replace")
    lines = [line for line in log.splitlines() if "/families/" in line or "/calendar/" in line]
    assert lines, log
    for secret in (SURNAME, POSTCODE, "NN4+9XY", "q=", token):
        assert secret not in log, f"{secret!r} in the log:\n{log}"
    assert re.search(r'"GET /families/ HTTP/1\.[01]" 302', log), log
    assert re.search(r'"GET /calendar/\[token\]\.ics HTTP/1\.[01]" 200', log), log
    assert "Not Found: /calendar/[token].ics" in log, log


def atoms_request(path, query="", referer="-"):
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"{path}?{query}" if query else path, "PATH_INFO": path,
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.10",
               "HTTP_REFERER": referer, "HTTP_USER_AGENT": "Firefox", "HTTP_COOKIE": "sessionid=s3cr3t"}
    req = types.SimpleNamespace(headers=[("REFERER", referer), ("COOKIE", "sessionid=s3cr3t")])
    resp = types.SimpleNamespace(status="302 Found", sent=0,
                                 headers=[("Location", f"/accounts/login/?next={path}%3F{query}")])
    return resp, req, environ


@pytest.mark.parametrize("log_format", [
    None,  # gunicorn's default (combined) format, as the Procfile uses it
    '%(h)s %(r)s %(U)s %(q)s %(f)s %({cookie}i)s %({location}o)s %({query_string}e)s %({raw_uri}e)s',
])
def test_the_logger_class_drops_query_strings_and_tokens_whatever_the_format(tmp_path, log_format):
    from gunicorn.config import Config

    cfg = Config()
    cfg.set("logger_class", "homevisits.gunicorn_logging.RedactingLogger")
    cfg.set("accesslog", str(tmp_path / "access.log"))
    if log_format:
        cfg.set("access_log_format", log_format)
    logger = cfg.logger_class(cfg)
    for path, query, referer in (("/families/", "q=Quillfeather&postcode=NN4+9XY", "-"),
                                 ("/calendar/Tok3n-abc.ics", "", "https://visits.example/families/?q=Quillfeather")):
        logger.access(*atoms_request(path, query, referer), datetime.timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    log = (tmp_path / "access.log").read_text()
    assert log.count("\n") == 2, log
    for secret in ("Quillfeather", "NN4", "q=", "Tok3n", "s3cr3t"):
        assert secret not in log, f"{secret!r} in {log}"
    assert "GET /families/ HTTP/1.1" in log and "/calendar/[token].ics" in log


@pytest.mark.django_db
def test_the_apps_log_handler_scrubs_djangos_lines_about_a_path(client):
    # The handler settings.LOGGING gives every process (web, worker, beat), writing to a buffer here.
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, ScrubPathsFilter) for f in h.filters))
    buffer, stream = io.StringIO(), handler.stream
    handler.setStream(buffer)
    try:
        assert client.get("/calendar/Tok3n-abc.ics").status_code == 404
        assert client.get("/families/nothing-here/?q=Quillfeather").status_code in (302, 404)
    finally:
        handler.setStream(stream)
    written = buffer.getvalue()
    assert "WARNING django.request Not Found: /calendar/[token].ics" in written, written
    assert "Tok3n" not in written and "Quillfeather" not in written


def test_scrub_keeps_ordinary_text():
    assert scrub("Do you feel safe? no") == "Do you feel safe? no"
    assert scrub('"GET /visits/?week=2026-11-23 HTTP/1.1" 200') == '"GET /visits/ HTTP/1.1" 200'
    assert shlex.split(procfile_command("web"))[0].endswith("gunicorn")
