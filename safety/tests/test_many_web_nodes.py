"""The deployment shape of docs/deploy.md on one machine: two web processes (gunicorn, two loopback
ports), two beats and three workers, one PostgreSQL and one Redis. While visits go overdue, staff
check in through both web processes with one signed-in session. Each due visit is escalated once
(R-LATE-15) and each of its notifications delivered once; each check-in is recorded once
(R-CHECKIN), whichever web process took it, even when the same form is sent to both (a retry that
the proxy hands to the other node)."""

import collections
import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from homevisits.realstack import (
    WebSession,
    file_delivery_env,
    sms_sends,
    start_beat,
    start_web,
    start_worker,
)
from homevisits.testing import need_postgres, need_redis
from notifications.models import Channel, DeliveryStatus, Notification
from safety.models import Escalation
from visits.models import EventKind, Visit, VisitEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.worker]

INTERVAL = 1  # seconds between each beat's ticks
DUE, CHECKING_IN = 6, 4

FORM = re.compile(r"<form\b.*?</form>", re.S)


def _ok_form(html):
    """The idempotency key and CSRF token of the page's "All OK" form, as the page drew them."""
    for form in FORM.findall(html):
        if re.search(r'name="kind" value="ok"', form):
            key = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', form).group(1)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
            return key, token
    raise AssertionError("no 'All OK' form on the check-in page")


def test_two_web_processes_two_beats_three_workers_record_and_escalate_once(out_visit, teacher, tmp_path):
    need_postgres()
    need_redis()
    now = timezone.now()
    due = []
    for n in range(DUE):
        start = now - datetime.timedelta(minutes=106, seconds=n)
        visit = out_visit(start=start, back_after=90)  # 16 minutes overdue: level 1 is due
        Visit.objects.filter(pk=visit.pk).update(planned_start=start, next_check_at=now)
        due.append(visit)
    # Out, due back in over an hour: only the staff's word happens to these.
    checking_in = [out_visit(start=now - datetime.timedelta(minutes=10), back_after=90) for _ in range(CHECKING_IN)]

    client = Client()
    client.force_login(teacher)  # one session row, good on every web process
    phone = WebSession(client.cookies[settings.SESSION_COOKIE_NAME].value)

    env = file_delivery_env(tmp_path, INTERVAL)
    procs = []
    try:
        webs = [start_web(tmp_path, name=f"web{i}", **env) for i in range(2)]
        procs += webs
        procs += [start_worker(tmp_path, name=f"worker{i}", purge=(i == 0), **env) for i in range(3)]
        for i in range(2):
            (tmp_path / f"beat{i}").mkdir()
            procs.append(start_beat(tmp_path / f"beat{i}", name=f"beat{i}", **env))

        # Staff check in while the beats escalate: each visit's page from one web process, its form
        # sent there, and the same form sent again to the other one.
        sent = {}
        for n, visit in enumerate(checking_in):
            first, other = webs[n % 2], webs[(n + 1) % 2]
            path = reverse("safety:checkin", args=[visit.pk])
            status, html, _ = phone.request(first.port, path)
            assert status == 200, html[-2000:]
            key, token = _ok_form(html)
            form = {"csrfmiddlewaretoken": token, "kind": "ok", "idempotency_key": key, "note": ""}
            for web in (first, other):
                status, body, headers = phone.request(web.port, path, form)
                assert status == 302 and headers["Location"] == path, (web.port, status, body[-2000:])
            sent[visit.pk] = key
            # The page it goes back to, drawn by the other web process, says what each answer said.
            status, html, _ = phone.request(other.port, path)
            assert status == 200
            assert "Check-in recorded at" in html.replace("Already recorded: Check-in recorded at", "")
            assert "Already recorded: Check-in recorded at" in html

        def all_delivered():
            notes = Notification.objects.filter(escalation__visit__in=due)
            return (Escalation.objects.filter(visit__in=due).values("visit").distinct().count() == DUE
                    and notes.exists() and not notes.exclude(status=DeliveryStatus.SENT).exists())

        assert procs[0].wait_for(all_delivered, seconds=90), "\n".join(p.log() for p in procs)
        # More ticks of both beats over the same rows: nothing more happens.
        procs[0].wait_for(lambda: False, seconds=4 * INTERVAL)
    finally:
        for proc in reversed(procs):
            proc.stop()

    # Each check-in recorded once, under the key its page gave, whichever web process took it.
    for pk, key in sent.items():
        oks = VisitEvent.objects.filter(visit_id=pk, kind=EventKind.OK)
        assert list(oks.values_list("idempotency_key", flat=True)) == [key]
        assert oks.get().actor == teacher
    assert not Escalation.objects.filter(visit__in=checking_in).exists()
    # Each due visit escalated once: one alert, one "escalated" event.
    assert Escalation.objects.filter(visit__in=due).count() == DUE
    events = collections.Counter(VisitEvent.objects.filter(visit__in=due, kind=EventKind.ESCALATED)
                                 .values_list("visit_id", flat=True))
    assert sorted(events.values()) == [1] * DUE
    # Each notification handed to the SMS provider once.
    texts = Notification.objects.filter(escalation__visit__in=due, channel=Channel.SMS)
    assert texts.count() >= DUE
    per_reference = sms_sends(tmp_path)
    assert {note.message_id for note in texts} <= set(per_reference)
    assert [ref for ref, times in per_reference.items() if times > 1] == []
    # Every process was really up doing its part.
    named = {proc.logfile.stem: proc for proc in procs}
    assert all(named[f"beat{i}"].said("Sending due task watchdog-scan") for i in range(2))
    assert all(named[f"worker{i}"].said(" ready.") for i in range(3))
