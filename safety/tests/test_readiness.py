"""Readiness: who would hear an alert now (R-LATE-15, R-RETURN-30, R-CODEWORD rungs), the gaps, and
test alerts marked TEST, recorded, throttled and shown once they have gone through."""

import datetime
import io
import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.models import TierKind
from homevisits.factories import office_hours, roster_of
from notifications import sms
from notifications.models import DeliveryStatus, Notification
from notifications.tasks import message_for
from safety.models import TestAlert
from safety.readiness import AlertTestRefused, readiness, send_test_alert

from .pages import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_clean_outbox")]

URL = reverse("safety:readiness")


@pytest.fixture
def _clean_outbox(settings):
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("who", ["head", "admin"])
def test_the_head_and_the_school_admin_see_their_chain(client, world, who):
    client.force_login(getattr(world, who))
    page = text(client.get(URL))
    rungs = re.findall(r'data-testid="rung" data-level="(\d)"', page)
    assert rungs == ["1", "2", "3"]
    assert world.office.get_full_name() in page and world.head.get_full_name() in page
    assert "07700 900001" in page  # the head's mobile
    assert "no office hours on record" in page


@pytest.mark.parametrize("who", ["office", "dsl", "teacher"])
def test_others_get_404(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"scope": "me"}).status_code == 404
    assert not TestAlert.objects.exists()


def test_another_schools_people_are_not_in_the_chain(client, world, other_head, other_dsl):
    client.force_login(world.head)
    page = text(client.get(URL))
    assert other_head.email and other_head.email not in page and other_dsl.email not in page
    ready = readiness(world.school)
    everyone = {p.user.pk for rung in ready.rungs for p in rung.people}
    assert other_head.pk not in everyone and other_dsl.pk not in everyone


def test_rungs_follow_the_escalation_audience(world):
    ready = readiness(world.school)
    names = [{p.user.pk for p in rung.people} for rung in ready.rungs]
    assert names[0] == {world.office.pk}  # R-LATE-15: the office
    assert names[1] == {world.office.pk, world.head.pk}  # R-RETURN-30: office and head
    assert names[2] == {world.office.pk, world.head.pk, world.dsl.pk}  # R-CODEWORD: and the DSL


def test_a_missing_mobile_and_an_empty_rung_are_gaps(client, world):
    world.office.profile.mobile = ""
    world.office.profile.save()
    client.force_login(world.head)
    page = text(client.get(URL))
    assert "no mobile number on record" in page.lower()
    world.office.is_active = False
    world.office.save()
    ready = readiness(world.school)
    assert any("Level 1" in gap and "nobody would be alerted" in gap for gap in ready.gaps)


def test_a_failed_last_email_is_a_gap_until_one_goes_through(world):
    Notification.objects.create(dedupe_key="x:1", recipient=world.head, channel="email", subject="s", body="b",
                                status=DeliveryStatus.FAILED, created_at=at(9))
    gaps = readiness(world.school).gaps
    assert any(world.head.get_full_name() in g and "last email failed" in g for g in gaps)
    Notification.objects.create(dedupe_key="x:2", recipient=world.head, channel="email", subject="s", body="b",
                                status=DeliveryStatus.SENT, created_at=at(10))
    assert not any("last email failed" in g for g in readiness(world.school).gaps)


def test_a_log_only_sms_provider_is_a_gap_in_production_only(settings, world):
    settings.SMS_PROVIDER, settings.SMS_BACKEND = "console", ""
    settings.SITE_URL = "http://127.0.0.1:8000"
    laptop = readiness(world.school)
    assert not any("log" in g for g in laptop.gaps)
    assert any("only written to the server's log" in g for g in laptop.settings_gaps)
    settings.SITE_URL = "https://visits.example.org"
    production = readiness(world.school)
    assert any("Text messages are only written to the server's log" in g for g in production.gaps)
    head = next(p for p in production.rungs[1].people if p.user == world.head)
    assert head.routes[1].problem == "text messages are only written to the server's log."
    # One line for the setting, not one more per person.
    assert len([g for g in production.gaps if "ext messages are only written to the server's log" in g]) == 1


def test_a_test_alert_to_me_is_marked_test_recorded_and_shown(client, world, run_tasks):
    client.force_login(world.head)
    with run_tasks():
        response = client.post(URL, {"scope": "me"})
    assert response.status_code == 302
    alert = TestAlert.objects.get()
    assert alert.sent_by == world.head and alert.people_count == 1
    [email] = mail.outbox
    assert email.to == [world.head.email]
    assert email.subject.startswith("TEST") and "no action" in email.body.lower()
    [(number, body)] = sms.outbox
    assert number == str(world.head.profile.mobile) and body.split()[0] == "TEST"
    assert "No action is needed" in body
    # Every route at once: no device takes push here, so email, text and a call (its first words TEST).
    assert set(alert.notifications.values_list("channel", "status")) == {
        ("email", "sent"), ("sms", "sent"), ("voice", "sent")}
    call = alert.notifications.get(channel="voice")
    assert message_for(call, "+447700900001").body.startswith("TEST alert from Home Visits")
    page = text(client.get(URL))
    assert page.count('data-testid="last-test"') == 3 * 2  # email, SMS and call, on the head's two rungs
    assert "Test alert sent to 1 person" in page


def test_a_test_to_the_chain_reaches_everyone_in_it(client, world, run_tasks):
    client.force_login(world.admin)
    with run_tasks():
        client.post(URL, {"scope": "chain"})
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in (world.office, world.head, world.dsl))
    assert len(sms.outbox) == 3
    assert all(m.subject.startswith("TEST") for m in mail.outbox)


def test_a_test_that_failed_is_not_shown_as_gone_through(settings, client, world, run_tasks):
    settings.SMS_BACKEND = "notifications.sms.FailingSmsBackend"
    with run_tasks():
        send_test_alert(world.head, "me", now=at(9))
    Notification.objects.filter(channel="sms").update(status=DeliveryStatus.FAILED)
    person = next(p for p in readiness(world.school).rungs[1].people if p.user == world.head)
    email, text_message = (next(r for r in person.routes if r.channel == c) for c in ("email", "sms"))
    assert email.last_test_at is not None and text_message.last_test_at is None
    assert "last text message failed" in text_message.problem


def test_test_alerts_are_throttled_per_school(world, run_tasks):
    with run_tasks():
        send_test_alert(world.head, "me", now=at(9))
        with pytest.raises(AlertTestRefused, match="less than a minute ago"):
            send_test_alert(world.admin, "chain", now=at(9) + datetime.timedelta(seconds=30))
        send_test_alert(world.admin, "chain", now=at(9) + datetime.timedelta(seconds=61))
    assert TestAlert.objects.count() == 2


def test_test_alerts_to_the_chain_cannot_flood_it_at_one_a_minute(world, run_tasks):
    minute = datetime.timedelta(seconds=61)
    with run_tasks():
        for n in range(5):
            send_test_alert(world.admin, "chain", now=at(9) + n * minute)
        with pytest.raises(AlertTestRefused, match="5 test alerts were sent in the last hour"):
            send_test_alert(world.admin, "chain", now=at(9) + 5 * minute)
        with pytest.raises(AlertTestRefused, match="in the last hour"):
            send_test_alert(world.head, "me", now=at(9) + 30 * minute)  # the school's, whoever asks
        send_test_alert(world.admin, "chain", now=at(10) + datetime.timedelta(seconds=1))
    assert TestAlert.objects.count() == 6


def test_the_throttle_is_a_message_on_the_page(client, world):
    client.force_login(world.head)
    client.post(URL, {"scope": "me"})
    page = text(client.post(URL, {"scope": "chain"}, follow=True))
    assert "less than a minute ago" in page
    assert TestAlert.objects.count() == 1


def test_a_test_to_me_without_email_or_mobile_is_refused(client, world):
    client.force_login(world.admin)
    world.admin.email = ""
    world.admin.save()
    world.admin.profile.mobile = ""
    world.admin.profile.save()
    page = text(client.post(URL, {"scope": "me"}, follow=True))
    assert "no device with alerts turned on, mobile number or email address" in page
    assert not TestAlert.objects.exists()


def test_a_bad_scope_sends_nothing(client, world):
    client.force_login(world.head)
    page = text(client.post(URL, {"scope": "everyone-in-town"}, follow=True))
    assert "Choose who the test alert goes to" in page
    assert not TestAlert.objects.exists() and not Notification.objects.exists()


def test_test_alerts_are_append_only(world):
    alert = send_test_alert(world.head, "me")
    with pytest.raises(TypeError):
        alert.save()
    with pytest.raises(TypeError):
        alert.delete()


def preflight(*args):
    out = io.StringIO()
    call_command("preflight", *args, stdout=out)
    return out.getvalue().splitlines()


def test_make_run_checks_the_connections_before_migrating_and_the_alert_chains_after(settings, world):
    """`make run`: before migrating only the connections (the tables may not be there yet); after the
    demo data, who would not hear an alert."""
    settings.SITE_URL = "https://visits.example.org"
    settings.SMS_PROVIDER = "console"
    before = preflight("--connections-only")
    assert before == ["Database and broker are reachable; the code-word key opens the code words."]
    after = preflight("--alert-chains-only")
    assert after and not any(line.startswith("Database and broker") for line in after)
    assert any(line.startswith("Alerts: Text messages are only written") for line in after)
    makefile = (django_settings.BASE_DIR / "Makefile").read_text()
    assert makefile.index("preflight --connections-only") < makefile.index("migrate --no-input") \
        < makefile.index("seed_demo") < makefile.index("preflight --alert-chains-only")


def test_preflight_on_a_laptop_names_the_log_only_providers_as_fine_here(settings, world):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.SMS_PROVIDER = "console"
    lines = preflight()
    sms_line = [line for line in lines if "Text messages are only written to the server's log" in line]
    assert len(sms_line) == 1 and "fine on this computer" in sms_line[0]
    assert not any(world.school.name in line for line in lines)  # the demo chain has no gaps


def test_preflight_in_production_reports_each_gap_on_one_line(settings, world):
    settings.SITE_URL = "https://visits.example.org"
    settings.SMS_PROVIDER = "console"
    world.head.profile.mobile = ""
    world.head.profile.save()
    lines = preflight()
    assert lines[0].startswith("Database and broker are reachable")
    assert any(line.startswith("Alerts: Text messages are only written") and "fine on" not in line
               for line in lines)
    head = [line for line in lines if world.head.get_full_name() in line]
    assert any(f"Alerts at {world.school.name}: {world.head.get_full_name()}: no mobile number" in line
               for line in head)
    assert all("\n" not in line for line in lines)


BOARD = reverse("safety:board")


def test_the_board_warns_while_there_are_gaps_and_links_for_the_head(client, world):
    client.force_login(world.office)
    assert 'data-testid="readiness-warning"' not in text(client.get(BOARD))
    world.office.profile.mobile = ""
    world.office.profile.save()
    page = text(client.get(BOARD))
    assert 'data-testid="readiness-warning"' in page and "1 gap in the alert chain" in page
    assert URL not in page  # the office may not open the readiness page: no dead link
    client.force_login(world.head)
    page = text(client.get(BOARD))
    assert f'href="{URL}" id="readiness-link"' in page


def test_a_delivered_test_to_ones_own_device_shows_on_the_push_route(world):
    from notifications.devices import test_key_prefix

    Notification.objects.create(dedupe_key=f"{test_key_prefix(world.head)}1", recipient=world.head, channel="push",
                                subject="TEST", body="b", status=DeliveryStatus.DELIVERED, created_at=at(9),
                                sent_at=at(9))
    Notification.objects.create(dedupe_key=f"{test_key_prefix(world.office)}1", recipient=world.office,
                                channel="push", subject="TEST", body="b", status=DeliveryStatus.PERMANENT_FAILURE,
                                created_at=at(9))
    ready = readiness(world.school)
    head = next(p for p in ready.people if p.user == world.head)
    office = next(p for p in ready.people if p.user == world.office)
    assert next(r for r in head.routes if r.channel == "push").last_test_at == at(9)
    assert next(r for r in office.routes if r.channel == "push").last_test_at is None


def test_the_roster_shows_its_tiers_hours_and_out_of_hours_cover(client, world):
    """The readiness page lays out the roster (R-CONTACT-STEPS): each tier with its people and minutes,
    the office hours, and, with the office closed, that the out-of-hours contacts take its place."""
    roster_of(world.school, (TierKind.OFFICE, (), 5), (TierKind.OUT_OF_HOURS, [world.head], 7), TierKind.HEAD)
    office_hours(world.school)  # Monday to Friday 08:00 to 16:00
    client.force_login(world.head)
    with time_machine.travel(datetime.datetime(2026, 6, 16, 19, tzinfo=datetime.UTC), tick=False):
        page = text(client.get(URL))  # a Tuesday, 20:00 in London
    tiers = re.findall(r'data-testid="roster-tier"><strong>([^<]+)</strong>', page)
    assert len(tiers) == 3
    assert "when the office is closed" in page and "7 minutes to take charge" in page
    assert "Tuesday 08:00 to 16:00" in page and "Saturday" not in page.split('data-testid="office-hours"')[1][:400]
    assert "closed now, so the out-of-hours contacts take its place" in page
    assert "no office hours on record" not in page
    with time_machine.travel(datetime.datetime(2026, 6, 16, 9, tzinfo=datetime.UTC), tick=False):
        assert "The office is open now" in text(client.get(URL))  # 10:00 in London


def test_an_out_of_hours_tier_with_nobody_named_is_shown_as_empty(client, world):
    roster_of(world.school, TierKind.OFFICE, TierKind.OUT_OF_HOURS, TierKind.HEAD)
    office_hours(world.school)
    client.force_login(world.head)
    page = text(client.get(URL))
    assert "Nobody in this tier" in page
    assert "Nobody is named to cover the office out of hours" in page


def test_the_first_rung_says_an_override_visit_alerts_the_head_too(client, world):
    """visits.watch: approved with an override, the head of school is on the first alert (R-LATE-15)."""
    client.force_login(world.head)
    page = text(client.get(URL))
    assert page.count('data-testid="rung-note"') == 1 and "also alerts the head of school" in page
    world.school.override_alerts_head_at_late_call = False
    world.school.save()
    assert 'data-testid="rung-note"' not in text(client.get(URL))
