from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from homevisits.append_only import AppendOnly
from homevisits.history import SchoolStampedHistory


class Heartbeat(models.Model):
    """The watchdog watches itself: every scan stamps its row, so a dead beat or worker shows."""

    name = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.name} at {self.last_seen:%Y-%m-%d %H:%M:%S}"


class EscalationLevel(models.IntegerChoices):
    LATE = 1, "Office flagged: should have called in"  # R-LATE-15
    CHASE = 2, "Office must contact now; head of school alerted"  # R-RETURN-30
    EMERGENCY = 3, "Emergency: code word, duress or unsafe"  # R-CODEWORD


class EscalationReason(models.TextChoices):
    LATE_RETURN = "late_return", "Not back by the expected return"
    MISSED_CHECKIN = "missed_checkin", "Missed periodic check-in"
    DURESS = "duress", "Code word / duress"
    UNSAFE = "unsafe", "Felt unsafe on arrival"


class AlarmOutcome(models.TextChoices):
    """What a resolved alarm turned out to be, said by whoever resolves it, or afterwards by the
    office, the head or the DSL (R-REVIEW: the governors' figures; the readiness page's false alarms).
    Empty on the row: not yet said."""

    FORGOT = "forgot", "Forgot to check in"
    LATE_SAFE = "late_safe", "Late but safe"
    FALSE_OTHER = "false_other", "False alarm: other"
    INCIDENT = "incident", "An incident"
    POLICE = "police", "Police called"

    @classmethod
    def staff_false_alarms(cls):
        """The outcomes that are a word with the member of staff (the readiness page)."""
        return [cls.FORGOT, cls.LATE_SAFE]


class EscalationQuerySet(models.QuerySet):
    def alarms(self):
        """The resolved alarms: one per visit in trouble, at the level it was resolved at (a level
        raised to the next is part of the higher one's alarm, not one of its own)."""
        return self.filter(resolved_at__isnull=False, raised_to__isnull=True)

    def unsaid(self):
        """Resolved alarms nobody has yet said what they were."""
        return self.alarms().filter(outcome="")

    def open_alerts(self):
        """The alerts open now: at most one per visit, at its highest level (R-RETURN-30).

        Raising a visit to a higher level closes its lower open level as "raised to level N"
        (safety.watchdog), and the database refuses a second open row for a visit, so this is the
        one query every page counts and lists alerts with: the head's home page, the board and its
        tab title, the escalation page and the police pack."""
        return self.filter(resolved_at__isnull=True)


class Escalation(models.Model):
    """One step of a visit's escalation ladder. Unique per (visit, round, level): a scan that runs
    twice, or a redelivered task, escalates once. A visit has at most one open escalation, its
    alert: a higher level closes the lower one (`raised_to` says which one took over)."""

    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="escalations")
    round = models.PositiveIntegerField()
    level = models.PositiveSmallIntegerField(choices=EscalationLevel.choices)
    reason = models.CharField(max_length=20, choices=EscalationReason.choices)
    # The deadline that was missed (expected return or check-in due), for "overdue by".
    anchor = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    alert_count = models.PositiveSmallIntegerField(default=1)
    last_alert_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True, max_length=2000)
    # Closed because the visit's alert was raised to a higher level: the escalation that took over.
    raised_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="raised_from")
    # When the watchdog found that its alerts had reached nobody (every message failed, or there was
    # nobody to send one to): that is an alert of its own, to the next people up (safety.escalations).
    unreached_at = models.DateTimeField(null=True, blank=True)
    # After someone took charge: when the last contact step was recorded on it, and the reminders sent
    # since to the person in charge (R-CONTACT-STEPS; safety.ladder.remind_at).
    last_step_at = models.DateTimeField(null=True, blank=True)
    charge_reminders = models.PositiveSmallIntegerField(default=0)
    charge_reminded_at = models.DateTimeField(null=True, blank=True)
    # When the person in charge and the head were prompted to call the police: still no word
    # police_prompt_minutes after the deadline (R-CONTACT-STEPS step 4; safety.ladder.police_at).
    police_prompted_at = models.DateTimeField(null=True, blank=True)
    # The roster (accounts.roster): how many of its tiers on duty the alert has reached, since when,
    # and when the last tier's timeout passed with nobody taking charge (everyone in the roster told
    # to call the police; R-CONTACT-STEPS step 4). safety.ladder moves it on.
    tiers_reached = models.PositiveSmallIntegerField(default=1)
    tier_at = models.DateTimeField(null=True, blank=True)
    exhausted_at = models.DateTimeField(null=True, blank=True)
    # What the alarm was, once resolved (AlarmOutcome; empty: not yet said), with a note, who said it
    # and when. The head or the DSL may correct it; each saying is a visit event (safety.escalations).
    outcome = models.CharField(max_length=20, choices=AlarmOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True, max_length=2000)
    outcome_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    outcome_at = models.DateTimeField(null=True, blank=True)

    objects = EscalationQuerySet.as_manager()
    history = HistoricalRecords(bases=[SchoolStampedHistory])

    class Meta:
        ordering = ["-level", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "round", "level"], name="one_escalation_per_visit_round_level"),
            models.UniqueConstraint(fields=["visit"], condition=Q(resolved_at__isnull=True),
                                    name="one_open_escalation_per_visit"),
        ]
        indexes = [models.Index(fields=["resolved_at", "level"])]

    def __str__(self):
        return f"Level {self.level} for {self.visit}"

    @property
    def is_open(self):
        return self.resolved_at is None

    @property
    def is_alarm(self):
        """Resolved, and not as part of a higher level's alarm: it has an outcome to say."""
        return self.resolved_at is not None and self.raised_to_id is None

    @property
    def outcome_said(self):
        return bool(self.outcome)

    @property
    def was_raised(self):
        return self.raised_to_id is not None

    @property
    def counts_from_a_deadline(self) -> bool:
        """Raised because a deadline passed (a late return, a missed check-in), not by what someone
        said (a code word, "not safe"): only then does "due 11:30" mean anything."""
        return self.reason in (EscalationReason.LATE_RETURN, EscalationReason.MISSED_CHECKIN)

    @property
    def nobody_took_charge(self) -> bool:
        """Every tier of the roster had the alert and nobody took charge: call the police now."""
        return self.exhausted_at is not None and self.acknowledged_at is None and self.resolved_at is None

    @property
    def reached_nobody(self) -> bool:
        """Its alerts reached nobody and nobody has taken charge yet: the board says so."""
        return self.unreached_at is not None and self.acknowledged_at is None


class ContactStep(models.IntegerChoices):
    """R-CONTACT-STEPS, in order."""

    WORKER = 1, "Call the member of staff"
    LOCATION = 2, "Call the location of the visit"
    LEADERSHIP = 3, "Contact school leadership for instructions"
    POLICE = 4, "Call the police (999)"


class ContactOutcome(models.TextChoices):
    REACHED_SAFE = "reached_safe", "Reached: they are safe"
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    MESSAGE_LEFT = "message_left", "Message left"


class ContactAttempt(AppendOnly, models.Model):
    """A contact step taken by the office on an escalated visit; append-only."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="contact_attempts")
    step = models.PositiveSmallIntegerField(choices=ContactStep.choices)
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    note = models.TextField(blank=True, max_length=2000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    append_only_label = "Contact attempts"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_step_display()}: {self.get_outcome_display()}"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open"
    REFERRED = "referred", "Referred"
    CLOSED = "closed", "Closed"


class SafeguardingConcern(models.Model):
    """R-SAFEGUARD: goes to the DSL (and head) at once; visible only to them (R-CONFIDENTIAL)."""

    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="concerns")
    family = models.ForeignKey("visits.Family", on_delete=models.PROTECT, related_name="concerns")
    visit = models.ForeignKey("visits.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="concerns")
    details = models.TextField(max_length=8000)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.OPEN)
    cpoms_reference = models.CharField("CPOMS reference", max_length=50, blank=True)
    dsl_notes = models.TextField("DSL notes", blank=True, max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the retention policy anonymised it (audit.retention); never undone.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(bases=[SchoolStampedHistory])

    class Meta:
        ordering = ["status", "-raised_at"]

    def __str__(self):
        return f"Concern about {self.family} ({self.get_status_display()})"

    @property
    def status_badge(self):
        """The CSS class of the status badge (static/css/app.css): open needs the DSL now."""
        return CONCERN_BADGES[self.status]


CONCERN_BADGES = {
    ConcernStatus.OPEN: "hv-badge-alert",
    ConcernStatus.REFERRED: "hv-badge-waiting",
    ConcernStatus.CLOSED: "hv-badge-off",
}


class TestAlertScope(models.TextChoices):
    ME = "me", "Just me"
    CHAIN = "chain", "Everyone in the alert chain"


class TestAlert(AppendOnly, models.Model):
    """A test of the alert chain sent from the readiness page (safety.readiness): who sent it, to whom
    and when, kept as the record of it. Its messages are ordinary outbox rows, each marked TEST in
    its subject and its first word, and linked here, so the readiness page can show each person's
    last test that went through."""

    append_only_label = "Test alerts"
    __test__ = False  # not a test case, whatever pytest makes of the name

    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE, related_name="test_alerts")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                related_name="test_alerts_sent")
    scope = models.CharField(max_length=10, choices=TestAlertScope.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    # How many people it was addressed to (those with an email or a mobile).
    people_count = models.PositiveSmallIntegerField(default=0)
    notifications = models.ManyToManyField("notifications.Notification", blank=True, related_name="test_alerts")

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["school", "sent_at"])]

    def __str__(self):
        return f"Test alert ({self.get_scope_display()}) at {self.sent_at:%Y-%m-%d %H:%M}"
