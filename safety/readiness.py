"""Readiness: "if an alert were raised now, who would hear it?" For each rung of a visit's ladder
(R-LATE-15, R-RETURN-30, R-CODEWORD) the people safety.alerts would alert, on which channels, and
what would stop an alert reaching them (the gaps), with each person's last test that went through.
The readiness page, `manage.py preflight` and the board's warning all read it from here.

Test alerts ("Send a test alert") are ordinary outbox messages marked TEST in their subject and
first word, recorded as a TestAlert (who sent it, when, to whom) and throttled per school.

Who is on the chain follows the school's roster and office hours (accounts.roster): this is the
chain as it stands now, with the roster's tiers and who covers out of hours beside it.
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts import permissions, roles, roster
from accounts.models import School, Weekday, has_role, school_of
from notifications import devices
from notifications.models import Channel, DeliveryStatus, Notification, PushSubscription
from notifications.outbox import channel_order, every_channel, live_channels, queue, reachable
from notifications.providers.readiness import configuration_gaps, in_production
from visits.models import VisitStaff

from . import ladder
from .alerts import tier_people
from .models import AlarmOutcome, Escalation, EscalationLevel, TestAlert, TestAlertScope

logger = logging.getLogger(__name__)

# One test alert a school per this long, so the button cannot flood the chain's phones.
TEST_ALERT_INTERVAL = datetime.timedelta(seconds=60)
# And at most this many an hour per school: one a minute would still be 60 texts an hour to every
# phone in the chain from one account (a mistake, or a stolen session), each one paid for.
TEST_ALERTS_PER_HOUR = 5
# A message that went through: delivered by the provider's receipt, or sent on a channel that sends
# no receipts (email by SMTP, the laptop's log). A failure is any status that reached nobody.
WENT_THROUGH = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)

RUNG_TITLES = {
    EscalationLevel.LATE: "Level 1: a visitor is late and has not called in",
    EscalationLevel.CHASE: "Level 2: the visit is overdue",
    EscalationLevel.EMERGENCY: "Level 3: a code word, duress or unsafe",
}


def may_check_readiness(user) -> bool:
    """The head of school and the school admin see their school's readiness and send test alerts."""
    return school_of(user) is not None and has_role(user, *permissions.AUDITORS)


def settings_gaps() -> list[str]:
    """The delivery settings' gaps (notifications.providers.readiness), one sentence each."""
    return [gap.text for gap in configuration_gaps()]


@dataclasses.dataclass
class Route:
    """One way of reaching one person: their devices (push), their mobile (text, call), their email."""

    channel: str
    label: str
    address: str = ""
    problem: str = ""
    last_test_at: datetime.datetime | None = None
    # The problem is the settings' (a log-only provider), already one line of Readiness.settings_gaps.
    from_settings: bool = False
    # Shown on the person but not counted as a gap (no device with push: the person's text messages
    # and calls still reach them, and a warning nobody can clear would teach the office to ignore it).
    counted: bool = True

    @property
    def ok(self) -> bool:
        return bool(self.address) and not self.problem


@dataclasses.dataclass
class PersonReadiness:
    user: object
    name: str
    role: str
    routes: list[Route]

    @property
    def gaps(self) -> list[str]:
        problems = [route.problem for route in self.routes
                    if route.problem and route.counted and not route.from_settings]
        return [f"{self.name}: {problem}" for problem in dict.fromkeys(problems)]  # a shared mobile: once

    @property
    def reachable(self) -> bool:
        return any(route.ok for route in self.routes)


@dataclasses.dataclass
class Rung:
    level: int
    title: str
    people: list[PersonReadiness]
    # The channels each person is tried on at this level, first to last ("Push, then SMS, ...").
    order: str = ""
    note: str = ""  # who else some visits' alerts at this level reach

    @property
    def gaps(self) -> list[str]:
        if not any(person.reachable for person in self.people):
            who = "nobody" if not self.people else "nobody who can be reached"
            return [f"{self.title}: {who} would be alerted."]
        return []


@dataclasses.dataclass
class Readiness:
    school: School
    now: datetime.datetime
    rungs: list[Rung]
    people: list[PersonReadiness]
    settings_gaps: list[str]
    production: bool
    roster: "RosterView | None" = None

    @property
    def people_gaps(self) -> list[str]:
        lines = [gap for rung in self.rungs for gap in rung.gaps] + (self.roster.gaps if self.roster else [])
        return lines + [gap for person in self.people for gap in person.gaps]

    @property
    def gaps(self) -> list[str]:
        """Everything that would stop an alert reaching someone: the settings count only in
        production (on a laptop the log is where messages are meant to go)."""
        return self.people_gaps + (self.settings_gaps if self.production else [])

    @property
    def has_gaps(self) -> bool:
        return bool(self.gaps)


def _role_label(user, role_names) -> str:
    held = [name for name in roles.SENIORITY if name in role_names and name in permissions.KEEPERS]
    return ", ".join(held)


def _history(school, user_ids):
    """Per (person, channel): whether the last message that finished failed, and the last test
    that went through."""
    rows = (Notification.objects.filter(recipient_id__in=user_ids).values("recipient_id", "channel")
            .annotate(last_failed=Max("created_at", filter=Q(status__in=DeliveryStatus.undelivered())),
                      last_sent=Max("created_at", filter=Q(status__in=WENT_THROUGH))))
    failed = {(r["recipient_id"], r["channel"]): r["last_failed"] for r in rows
              if r["last_failed"] and (r["last_sent"] is None or r["last_failed"] > r["last_sent"])}
    # The school's test alerts, and the tests people sent to their own devices (Alerts on this device).
    tests = (Notification.objects.filter(recipient_id__in=user_ids, status__in=WENT_THROUGH)
             .filter(Q(test_alerts__school=school) | Q(dedupe_key__startswith=devices.TEST_KEY_START))
             .values("recipient_id", "channel").annotate(last=Max("sent_at")))
    return failed, {(r["recipient_id"], r["channel"]): r["last"] for r in tests}


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %H:%M")


CHANNEL_LABELS = {Channel.PUSH: "Alerts on a device", Channel.SMS: "Text message", Channel.VOICE: "Phone call",
                  Channel.EMAIL: "Email"}
LOG_ONLY = {Channel.PUSH: "alerts on a device are only written to the server's log.",
            Channel.SMS: "text messages are only written to the server's log.",
            Channel.VOICE: "calls are only written to the server's log.",
            Channel.EMAIL: "emails are only written to the server's log."}


def person_readiness(user, role_names, failed, tests, devices: int, live) -> PersonReadiness:
    """Each way of reaching `user`, with what stops it: no address, the last message there failed,
    or (in production) a channel whose provider only writes to the log (one line of the settings'
    gaps, not repeated per person)."""
    mobile = getattr(getattr(user, "profile", None), "mobile", None)
    addresses = {
        Channel.PUSH: f"{devices} device{'s' if devices != 1 else ''}" if devices else "",
        Channel.SMS: mobile.as_national if mobile else "",
        Channel.VOICE: mobile.as_national if mobile else "",
        Channel.EMAIL: user.email or "",
    }
    missing = {
        Channel.PUSH: "no phone or computer has alerts turned on (Alerts on this device).",
        Channel.SMS: "no mobile number on record, so no text message or call.",
        Channel.VOICE: "no mobile number on record, so no text message or call.",
        Channel.EMAIL: "no email address on record.",
    }
    after_failure = {
        Channel.PUSH: "the last alert on a device failed ({when}): turn alerts on again on that device.",
        Channel.SMS: "the last text message failed ({when}): check the number.",
        Channel.VOICE: "the last call was not answered or failed ({when}): check the number.",
        Channel.EMAIL: "the last email failed ({when}): check the address.",
    }
    routes = []
    for channel in (Channel.PUSH, Channel.SMS, Channel.VOICE, Channel.EMAIL):
        route = Route(channel, CHANNEL_LABELS[channel], address=addresses[channel],
                      last_test_at=tests.get((user.pk, channel)))
        if not route.address:
            route.problem, route.counted = missing[channel], channel != Channel.PUSH
        elif (user.pk, channel) in failed:
            route.problem = after_failure[channel].format(when=_when(failed[user.pk, channel]))
        elif channel not in live:
            route.problem, route.from_settings = LOG_ONLY[channel], True
        routes.append(route)
    name = user.get_full_name() or user.get_username()
    return PersonReadiness(user=user, name=name, role=_role_label(user, role_names), routes=routes)


# visits.watch: a visit approved with an override has the head of school on its first alert too.
OVERRIDE_NOTE = "A visit approved with an override also alerts the head of school at this level."


def chain_people(school) -> list:
    """Everyone on the school's roster, in every tier (whoever some alert could reach)."""
    return tier_people(school, roster.tiers(school))


def _in_tiers(user_pk, user_roles, tiers) -> bool:
    return any((tier.role in user_roles) or (user_pk in tier.named and user_roles & set(roster.ROSTER_ROLES))
               for tier in tiers)


@dataclasses.dataclass
class TierRow:
    """One tier of the roster as the readiness page shows it."""

    label: str
    minutes: int
    names: list[str]
    out_of_hours_cover: bool = False


@dataclasses.dataclass
class RosterView:
    tiers: list[TierRow]
    hours: list[str]  # "Monday 08:00 to 16:00", or empty: not set
    office_open_now: bool
    gaps: list[str]
    notes: list[str]


def roster_view(school, now, everyone, roles_of) -> RosterView:
    """The roster's tiers with their people, the office hours, and what is missing from them."""
    rows, gaps, notes = [], [], []
    for tier in roster.tiers(school):
        names = [u.get_full_name() or u.get_username() for u in everyone if _in_tiers(u.pk, roles_of[u.pk], [tier])]
        rows.append(TierRow(label=tier.label, minutes=int(tier.timeout.total_seconds() // 60), names=names,
                            out_of_hours_cover=tier.kind == roster.TierKind.OUT_OF_HOURS))
    hours = {row.weekday: row for row in school.office_hours.all()}
    lines = [f"{Weekday(day).label} {row.opens:%H:%M} to {row.closes:%H:%M}" for day, row in sorted(hours.items())]
    if not hours:
        notes.append("Office hours are not set, so alerts go to the office at any hour. Set them, and name "
                      "out-of-hours contacts, so that an alert never goes to an empty office.")
    elif not roster.out_of_hours_contacts(school):
        gaps.append("Nobody is named to cover the office out of hours: alerts then start with the next tier, "
                    "and approving a visit whose alerts could come then needs an override.")
    return RosterView(tiers=rows, hours=lines, office_open_now=roster.office_open(school, now), gaps=gaps,
                      notes=notes)


def readiness(school, now=None) -> Readiness:
    """The chain of `school` as it stands at `now` (the same at any hour: no office hours on record)."""
    now = now or timezone.now()
    everyone = chain_people(school)
    roles_of = {u.pk: set() for u in everyone}
    memberships = get_user_model().groups.through.objects.filter(user_id__in=roles_of)
    for user_id, name in memberships.values_list("user_id", "group__name"):
        roles_of[user_id].add(name)
    failed, tests = _history(school, [u.pk for u in everyone])
    production = in_production()
    gaps = settings_gaps()
    live = live_channels()
    devices = dict(PushSubscription.objects.filter(user__in=everyone).values("user_id")
                   .annotate(n=Count("pk")).values_list("user_id", "n"))
    people = {u.pk: person_readiness(u, roles_of[u.pk], failed, tests, devices.get(u.pk, 0), live)
              for u in everyone}
    rungs = []
    on_duty = roster.on_duty(school, now)
    for level in EscalationLevel:
        first = on_duty[:ladder.start_tiers(level, on_duty)]
        rungs.append(Rung(level=level, title=RUNG_TITLES[level],
                          people=[people[u.pk] for u in everyone if _in_tiers(u.pk, roles_of[u.pk], first)],
                          order=", then ".join(CHANNEL_LABELS[c].lower() for c in channel_order(level)),
                          note=OVERRIDE_NOTE if level == EscalationLevel.LATE and school.override_alerts_head_at_late_call
                          else ""))
    return Readiness(school=school, now=now, rungs=rungs, people=list(people.values()), settings_gaps=gaps,
                     production=production, roster=roster_view(school, now, everyone, roles_of))


def preflight_lines() -> list[tuple[bool, str]]:
    """For `manage.py preflight`: (serious, line) per gap. The settings' gaps are serious only in
    production (on a laptop the log is where messages are meant to go); each school's people gaps
    always. Before the first migration (a fresh laptop) there are no schools to read yet."""
    production = in_production()
    where = "" if production else " (fine on this computer, a gap in production)"
    lines = [(production, f"Alerts: {text}{where}") for text in settings_gaps()]
    needed = {School._meta.db_table, Notification._meta.db_table, TestAlert._meta.db_table}
    try:
        if not needed <= set(connection.introspection.table_names()):
            return lines
        for school in School.objects.order_by("name"):
            lines += [(True, f"Alerts at {school}: {gap}") for gap in readiness(school).people_gaps]
    except DatabaseError as exc:  # a database mid-upgrade: the settings' lines still stand
        lines.append((False, f"Alerts: the schools' alert chains were not checked ({type(exc).__name__})."))
    return lines


# --- False alarms per member of staff ----------------------------------------------------------

# How far back the readiness page counts each member of staff's false alarms.
FALSE_ALARM_DAYS = 90


@dataclasses.dataclass
class FalseAlarms:
    """One member of staff's false alarms (forgot to check in, late but safe) in the last
    FALSE_ALARM_DAYS days: who needs a word (R-REVIEW, R-CONTACT-STEPS: every one was chased)."""

    name: str
    forgot: int = 0
    late_safe: int = 0

    @property
    def total(self) -> int:
        return self.forgot + self.late_safe


def false_alarms(school, now=None) -> list[FalseAlarms]:
    """Each member of staff of `school` with a false alarm resolved in the last FALSE_ALARM_DAYS days,
    most first. An alarm counts for everyone on its visit still out when they were due (its anchor):
    not for a partner already back at school. Three queries whatever the number of alarms."""
    now = now or timezone.now()
    alarms = {pk: (visit_id, outcome, due) for pk, visit_id, outcome, due in (
        Escalation.objects.alarms()
        .filter(visit__school=school, outcome__in=AlarmOutcome.staff_false_alarms(),
                resolved_at__gte=now - datetime.timedelta(days=FALSE_ALARM_DAYS))
        .annotate(due=Coalesce("anchor", "created_at")).values_list("pk", "visit_id", "outcome", "due"))}
    on_visit: dict[int, list[tuple[int, datetime.datetime | None]]] = {}
    for visit_id, user_id, returned_at in VisitStaff.objects.filter(
            visit_id__in={visit_id for visit_id, _, _ in alarms.values()}).values_list(
            "visit_id", "user_id", "returned_at"):
        on_visit.setdefault(visit_id, []).append((user_id, returned_at))
    counts: dict[int, FalseAlarms] = {}
    for visit_id, outcome, due in alarms.values():
        for user_id, returned_at in on_visit.get(visit_id, []):
            if returned_at is not None and returned_at <= due:
                continue  # back before the deadline: not theirs
            row = counts.setdefault(user_id, FalseAlarms(name=""))
            if outcome == AlarmOutcome.FORGOT:
                row.forgot += 1
            else:
                row.late_safe += 1
    for user in get_user_model().objects.filter(pk__in=counts):
        counts[user.pk].name = user.get_full_name() or user.get_username()
    return sorted(counts.values(), key=lambda row: (-row.total, row.name))


# --- Test alerts ------------------------------------------------------------------------------

class AlertTestRefused(Exception):
    """A test alert that was not sent, with the reason to show the person."""


def messages_for_test(alert, people, sender_name) -> list[dict]:
    at = timezone.localtime(alert.sent_at).strftime("%H:%M")
    subject = "TEST alert from Home Visits: no action needed"
    body = (f"TEST alert from Home Visits, sent by {sender_name} at {at} to check that alerts reach you. "
            f"No action is needed. {settings.SITE_URL.rstrip('/')}{reverse('safety:readiness')}")
    # Every route of each person at once, so each one's test shows on the readiness page.
    return every_channel(f"test:{alert.pk}", people, subject, body)


def send_test_alert(user, scope, now=None) -> TestAlert:
    """Send a TEST alert to `user` alone or to everyone in the chain, at most once a
    TEST_ALERT_INTERVAL and TEST_ALERTS_PER_HOUR times an hour per school (the school row is locked,
    so two clicks send one)."""
    now = now or timezone.now()
    school = school_of(user)
    scope = TestAlertScope(scope)
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        last = TestAlert.objects.filter(school=school).order_by("-sent_at").first()
        if last is not None and now - last.sent_at < TEST_ALERT_INTERVAL:
            wait = int((TEST_ALERT_INTERVAL - (now - last.sent_at)).total_seconds()) + 1
            raise AlertTestRefused(f"A test alert was sent less than a minute ago. Try again in {wait} seconds.")
        hour = list(TestAlert.objects.filter(school=school, sent_at__gt=now - datetime.timedelta(hours=1))
                    .order_by("-sent_at").values_list("sent_at", flat=True)[:TEST_ALERTS_PER_HOUR])
        if len(hour) >= TEST_ALERTS_PER_HOUR:
            again = timezone.localtime(hour[-1] + datetime.timedelta(hours=1)).strftime("%H:%M")
            raise AlertTestRefused(f"{TEST_ALERTS_PER_HOUR} test alerts were sent in the last hour. "
                                   f"Try again after {again}.")
        people = [user] if scope == TestAlertScope.ME else chain_people(school)
        live = live_channels()
        people = [p for p in people if any(reachable(p, channel, live) for channel in Channel)]
        if not people:
            raise AlertTestRefused("You have no device with alerts turned on, mobile number or email address "
                                   "on record, so a test cannot reach you." if scope == TestAlertScope.ME else
                                   "Nobody in the alert chain has a device, a mobile number or an email address.")
        alert = TestAlert.objects.create(school=school, sent_by=user, scope=scope, sent_at=now,
                                         people_count=len(people))
        sender = user.get_full_name() or user.get_username()
        queue(messages_for_test(alert, people, sender), now)
        alert.notifications.set(Notification.objects.filter(dedupe_key__startswith=f"test:{alert.pk}:"))
    logger.info("Test alert %s sent by user %s to %s person(s) of school %s (%s)", alert.pk, user.pk,
                len(people), school.pk, scope)
    return alert


def recent_tests(school, limit=5):
    return list(TestAlert.objects.filter(school=school).select_related("sent_by")
                .prefetch_related("notifications__recipient")[:limit])
