import base64
import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from homevisits.append_only import AppendOnly

from . import roles, trust_rules
from .backup_codes import code_matches
from .phone import UKPhoneNumberField
from .validators import DateWithin, normalise_registration, validate_letter_line, validate_registration


class Trust(models.Model):
    """A multi-academy trust above its schools (one install, many schools). Its trust safeguarding
    leads and trust admins (TrustMembership) read every school's board, approvals and alerts, read-only
    (trusts app); the trust admin sets the trust's rules for its schools' policy settings (the fields
    below, accounts.trust_rules): each is the loosest value a school may choose (a school may tighten
    it, never loosen it), the value a new school of the trust starts with, and, when locked, the only
    value its schools may have. Empty: the trust sets no rule for that setting.

    A trust groups schools; who works for which school stays on the staff profile, so staff who work
    across a trust's schools can later belong to several without changing what a trust is."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    # R-LATE-15: a school's first alert comes at most this many minutes after the expected return.
    late_call_minutes = models.PositiveSmallIntegerField(
        "first alert: at most (minutes after the expected return)", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)])
    late_call_locked = models.BooleanField("schools can't change the first alert", default=False)
    # R-RETURN-30: the office chase comes at most this many minutes after the expected return.
    office_chase_minutes = models.PositiveSmallIntegerField(
        "office must chase: at most (minutes after the expected return)", null=True, blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(480)])
    office_chase_locked = models.BooleanField("schools can't change the office chase", default=False)
    # R-CHECKIN: every visit checks in at least this often (a school may ask for more often, never less).
    checkin_interval_minutes = models.PositiveSmallIntegerField(
        "every visit: check in at least this often (minutes)", null=True, blank=True,
        validators=[MinValueValidator(10), MaxValueValidator(480)])
    checkin_interval_locked = models.BooleanField("schools can't change the check-in time", default=False)
    # R-PAIR: No = no school of the trust may approve lone visits.
    lone_visits_allowed = models.BooleanField("lone visits may be approved", null=True, blank=True)
    lone_visits_locked = models.BooleanField("schools can't change lone visits", default=False)
    # R-CODEWORD: Yes = every school of the trust asks for the PIN to end a visit.
    pin_to_end_visit = models.BooleanField("ask for the PIN to end a visit", null=True, blank=True)
    pin_to_end_visit_locked = models.BooleanField("schools can't change the PIN question", default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class School(models.Model):
    """A school and its home-visit policy settings (the rules and their defaults: docs/rules.md)."""

    name = models.CharField(max_length=200, unique=True)
    office_phone = UKPhoneNumberField(region="GB", help_text="Printed on letters and slips; rung in an emergency.")
    address = models.TextField(blank=True, max_length=500)
    # The school's trust, if it is in one (its policy settings then keep the trust's rules).
    trust = models.ForeignKey(Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools")

    # R-LATE-15: expected return + this many minutes with no word -> the office is flagged.
    late_call_minutes = models.PositiveSmallIntegerField(
        "first alert: minutes after the expected return", default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Staff not back this long after their expected return, with no new time from them: the office "
                  "is alerted to check on them (15 unless the school sets another time).",
    )
    # R-RETURN-30: expected return + this many minutes -> office chases, head of school alerted.
    office_chase_minutes = models.PositiveSmallIntegerField(
        "office must chase: minutes after the expected return", default=30,
        validators=[MinValueValidator(2), MaxValueValidator(480)],
        help_text="Still not back this long after the expected return: the office must contact them now and the "
                  "head of school is alerted (30 unless the school sets another time). Later than the first alert.",
    )
    # R-RETURN-30: an unacknowledged alert (any level) is repeated this often.
    alert_repeat_minutes = models.PositiveSmallIntegerField(
        "repeat an alert nobody has taken charge of every (minutes)", default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="An alert nobody has taken charge of is sent again this often, until someone does.",
    )
    # R-CONTACT-STEPS: after someone takes charge of an alert, no contact step recorded for this long
    # reminds them (and from the second reminder, the head); the watchdog keeps watching until resolved.
    charge_reminder_minutes = models.PositiveSmallIntegerField(
        "remind whoever took charge after (minutes) with no contact step", default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
        help_text="Whoever took charge of an alert and has recorded no contact step (ringing the member of staff, "
                  "the family, leadership) for this long is reminded; from the second reminder, the head too.",
    )
    # R-CONTACT-STEPS step 4: still no word this long after the expected return, the person in charge
    # and the head are prompted to call the police (the top of the ladder in time).
    police_prompt_minutes = models.PositiveSmallIntegerField(
        "prompt to call the police: minutes after the expected return", default=60,
        validators=[MinValueValidator(15), MaxValueValidator(480)],
        help_text="Still no word this long after the expected return: whoever has taken charge, and the head of "
                  "school, are asked to call the police. Later than the office chase.",
    )
    # R-LATE-15, fewer false alarms: each member of staff still out is reminded this many minutes before
    # the expected return, and nudged at it (safety.staff_reminders); empty (or 0) is off, reminder and
    # nudge alike. Never delays level 1.
    staff_reminder_minutes = models.PositiveSmallIntegerField(
        "remind staff this many minutes before they are due back", null=True, blank=True, default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Each member of staff still out gets \"Due back at 11:30 — tap to tell school\" this many "
                  "minutes before their expected return, and again at it, by push or text message. Leave empty "
                  "for no reminders. The office is still flagged at the late-call time whatever happened.",
    )
    # R-CHECKIN: periodic check-in while out, on every visit whatever its risk; empty means off (policy 003
    # uses 120). It is the loosest watch a visit gets: the risk's own minutes below can only make the
    # check-ins more frequent (visits.watch), and it alone applies to a visit with no risk assessment.
    checkin_interval_minutes = models.PositiveSmallIntegerField(
        "every visit: check in this often (minutes)", null=True, blank=True,
        validators=[MinValueValidator(10), MaxValueValidator(480)],
        help_text="Staff on every visit, whatever its risk, check in at least this often while out; a missed "
                  "check-in is escalated like a late return. Leave empty for no check-ins on every visit: the "
                  "risk settings below then decide. Where both are set, the shorter time applies.",
    )
    # R-CHECKIN, R-RISK: the risk assessment's level sets the watch of its visit (visits.watch.watch_of):
    # how often staff check in while out, by risk; empty means no periodic check-in for that risk.
    low_risk_checkin_minutes = models.PositiveSmallIntegerField(
        "low risk: check in this often (minutes)", null=True, blank=True, default=None,
        validators=[MinValueValidator(10), MaxValueValidator(480)],
        help_text="How often staff on a low-risk visit check in while out. Leave empty for no check-ins: "
                  "they only tell school when they are back.",
    )
    medium_risk_checkin_minutes = models.PositiveSmallIntegerField(
        "medium risk: check in this often (minutes)", null=True, blank=True, default=30,
        validators=[MinValueValidator(10), MaxValueValidator(480)],
        help_text="How often staff on a medium-risk visit check in while out (30 unless the school sets "
                  "another time). Leave empty for no check-ins.",
    )
    # R-NOVISIT: a high risk blocks approval, so this is the watch of a high-risk visit that is out all the
    # same (as the school sets; never looser than medium).
    high_risk_checkin_minutes = models.PositiveSmallIntegerField(
        "high risk: check in this often (minutes)", null=True, blank=True, default=15,
        validators=[MinValueValidator(10), MaxValueValidator(480)],
        help_text="How often staff on a high-risk visit check in while out. A high risk normally stops a "
                  "visit being approved; this is the watch if one goes ahead all the same.",
    )
    # R-LATE-15, R-RETURN-30: a visit approved with an override (evening, from home, lone visit...) has
    # the head of school on its first alert, at the late-call time, not only at the office chase.
    override_alerts_head_at_late_call = models.BooleanField(
        "a visit approved with an override alerts the head at the first alert", default=True,
        help_text="On: when a visit the approver agreed to with an override (for example an evening or lone "
                  "visit) is late, the head of school is alerted with the office at the first alert, not "
                  "only when the office must chase.",
    )
    # R-WAIT: wait at most this long for the family at the door.
    max_wait_minutes = models.PositiveSmallIntegerField(
        "wait at the door at most (minutes)", default=20, validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="If nobody answers at the arranged time, staff wait this long at most, then record that no one "
                  "was home and leave a slip.",
    )
    # R-EVENING: a visit ending after this local time needs the head's approval of the gate.
    evening_starts = models.TimeField(
        "evening starts at", default=datetime.time(17, 30),
        help_text="UK time. A visit that ends after this needs the head of school's agreement.",
    )
    # R-PAIR: lone visits are refused unless the school allows them (then they are a gate).
    lone_visits_allowed = models.BooleanField(
        "lone visits may be approved", default=False,
        help_text="Off: every visit needs at least two staff. On: a visit by one person can go ahead with the "
                  "head of school's agreement and a lone-working risk assessment.",
    )
    # R-TRAINING: staff need a training date on record before they visit.
    training_required = models.BooleanField(
        "staff need a safe-working training date before they visit", default=False,
        help_text="On: a visit by someone with no training date on record needs the head of school's agreement.",
    )
    # R-COMMUTE ("prior approval of the HoS") and R-FSW ("planned along with the head of school"):
    # those gates are the head's to clear; a school may let the DSL cover them (visits.models.gate_deciders).
    dsl_may_clear_head_gates = models.BooleanField(
        "the DSL may also approve visits from or to home and family support worker visits", default=False,
        help_text="Off: only the head of school can approve a visit that starts or ends at home, or a family "
                  "support worker's visit. On: the DSL can approve them too.",
    )
    # Retention (UK GDPR; audit.retention, `manage.py apply_retention`): a family's visit records
    # are anonymised this many years after the last of its children left the school...
    visit_retention_years = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Years after the last of a family's children left before its visit records are anonymised.",
    )
    # ...and safeguarding concerns the youngest child's date of birth + this many years.
    concern_retention_years = models.PositiveSmallIntegerField(
        default=25, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Safeguarding concerns are kept until the youngest child's date of birth plus this many years.",
    )
    # Two-factor sign-in is always required for the roles in TWO_FACTOR_REQUIRED_ROLES; a school may
    # require it of its visiting staff too (they see the addresses and code words of their visits).
    two_factor_for_visiting_staff = models.BooleanField(
        "Visiting staff must use two-factor sign-in", default=False,
        help_text="When ticked, visiting staff set up two-factor sign-in at their next sign-in, as the office, "
                  "head, DSL and school admin already do.",
    )
    # R-CODEWORD: ending a visit on the phone ("Left the property", "Back at school") asks for the member
    # of staff's safety PIN; their duress PIN instead looks the same on the phone and raises the top level.
    pin_to_end_visit = models.BooleanField(
        "ask for the PIN to end a visit", default=False,
        help_text="When ticked, staff who have set their safety PIN type it to say they have left the property "
                  "or are back. Typing their duress PIN instead looks exactly the same on their phone, and "
                  "alerts the office, the head and the DSL at once.",
    )
    # R-INFORM: the wording of the letter to the family (visits/letter.html): "Dear Sara Khan," and
    # "Yours sincerely,"; the school's logo, if any, is a SchoolLogo (kept apart from this row).
    letter_greeting = models.CharField(
        "letter greeting", max_length=40, default="Dear", validators=[validate_letter_line],
        help_text="The word(s) before the parents' or carers' names, for example \"Dear\" or \"Hello\".",
    )
    letter_sign_off = models.CharField(
        "letter sign-off", max_length=60, default="Yours sincerely", validators=[validate_letter_line],
        help_text="The line above the name of the member of staff who signs, for example \"Yours sincerely\" or "
                  "\"With best wishes\".",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if (self.office_chase_minutes is not None and self.late_call_minutes is not None
                and self.office_chase_minutes <= self.late_call_minutes):
            errors["office_chase_minutes"] = "The office chase must come after the first alert."
        elif (self.police_prompt_minutes is not None and self.office_chase_minutes is not None
                and self.police_prompt_minutes <= self.office_chase_minutes):
            # R-CONTACT-STEPS: the police are the fourth step, after the office has chased.
            errors["police_prompt_minutes"] = "The prompt to call the police must come after the office chase."
        errors.update(self._risk_checkin_errors())
        # The trust's rules (accounts.trust_rules): tighten, never loosen; a locked one stays as set.
        for field, message in trust_rules.problems(self).items():
            errors.setdefault(field, message)
        if errors:
            raise ValidationError(errors)

    def _risk_checkin_errors(self) -> dict[str, str]:
        """R-CHECKIN, R-RISK: a higher risk is never watched less closely than a lower one (an empty
        time, no check-ins, is the loosest watch of all)."""
        errors = {}
        rungs = (("low", self.low_risk_checkin_minutes), ("medium", self.medium_risk_checkin_minutes),
                 ("high", self.high_risk_checkin_minutes))
        for (lower, lower_minutes), (higher, higher_minutes) in zip(rungs, rungs[1:], strict=False):
            if lower_minutes is None:
                continue
            field = f"{higher}_risk_checkin_minutes"
            if higher_minutes is None:
                errors[field] = (f"A {higher}-risk visit needs check-ins too: {lower}-risk visits check in "
                                 f"every {lower_minutes} minutes.")
            elif higher_minutes > lower_minutes:
                errors[field] = (f"A {higher}-risk visit can't check in less often than a {lower}-risk one "
                                 f"(every {lower_minutes} minutes): give {lower_minutes} minutes or fewer.")
        return errors


class SchoolLogo(models.Model):
    """The school's logo on its letters and slips (R-INFORM, R-NOTHOME): a PNG made on the server from
    the uploaded image (accounts.logo), never the uploaded file itself. Its own row, so the scans and
    pages that read the school with every visit never carry the picture."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="logo")
    png = models.BinaryField()
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the PNG, for the audit page.")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Logo of {self.school_id}: {self.width} x {self.height} px"

    @property
    def data_uri(self) -> str:
        """The logo inside the page itself (the CSP allows data: images): nothing to fetch, nothing
        another school's user could ask for by address."""
        return "data:image/png;base64," + base64.b64encode(bytes(self.png)).decode("ascii")

    @property
    def description(self) -> str:
        return f"PNG {self.width} x {self.height} px ({self.digest[:12]})"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OfficeHours(models.Model):
    """When the school office is on duty on one weekday, in local time (accounts.roster). A school
    with no rows has not set its hours: its office is treated as always on duty (the readiness page
    says so). A school with rows is closed on the weekdays it has none for."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="office_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField(default=datetime.time(8, 0))
    closes = models.TimeField(default=datetime.time(16, 0))

    class Meta:
        ordering = ["school", "weekday"]
        verbose_name_plural = "office hours"
        constraints = [
            models.UniqueConstraint(fields=["school", "weekday"], name="one_office_hours_per_weekday"),
            models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")), name="office_closes_after_it_opens"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self):
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise ValidationError({"closes": "The office must close after it opens."})


class TierKind(models.TextChoices):
    """The kinds of tier on a school's alert roster (accounts.roster)."""

    OFFICE = "office", "Office on duty"
    HEAD = "head", "Head of school"
    DSL = "dsl", "Deputy / DSL"
    OUT_OF_HOURS = "out_of_hours", "Out-of-hours contacts"
    NAMED = "named", "Named contacts (for example a trust lead)"


class RosterTier(models.Model):
    """One tier of a school's alert roster, in order: who an escalation alert goes to next when nobody
    has taken charge of it within the tier's timeout (accounts.roster, safety.ladder). A role tier
    (office, head, DSL) reaches everyone holding that role plus anyone named on it (a deputy on the
    DSL tier); the out-of-hours and named tiers reach the people named. Outside office hours the
    out-of-hours contacts take the office's place."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="roster_tiers")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)])
    kind = models.CharField(max_length=20, choices=TierKind.choices)
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                    help_text="Named people on this tier: office staff, head or DSL of this school.")
    ack_timeout_minutes = models.PositiveSmallIntegerField(
        "minutes to take charge", default=5, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Nobody taking charge of an alert in this time moves it on to the next tier.",
    )

    class Meta:
        ordering = ["school", "position"]
        constraints = [
            models.UniqueConstraint(fields=["school", "position"], name="one_roster_tier_per_position"),
            models.UniqueConstraint(fields=["school", "kind"], condition=~models.Q(kind="named"),
                                    name="one_roster_tier_per_kind"),
        ]

    def __str__(self):
        return f"{self.position}. {self.get_kind_display()}"


def _calendar_token():
    return secrets.token_urlsafe(24)


class StaffProfile(models.Model):
    """A member of staff: which school, what job, and how to reach them while out (R-PHONE, R-VEHICLE)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="staff")
    job_title = models.CharField(max_length=100, blank=True)
    # R-PHONE: every visiting member of staff needs a mobile number on record.
    mobile = UKPhoneNumberField(region="GB", blank=True)
    vehicle_make = models.CharField(max_length=50, blank=True)
    vehicle_model = models.CharField(max_length=50, blank=True)
    vehicle_registration = models.CharField(max_length=10, blank=True, validators=[validate_registration])
    vehicle_colour = models.CharField(max_length=30, blank=True)
    # R-TRAINING
    training_date = models.DateField(null=True, blank=True, validators=[DateWithin(back=50, ahead=1)])
    # Opt-in, theirs alone to turn on or off (accounts.views.share_location): the phone's location is
    # taken only with a check-in, an SOS or a duress PIN, never in between (safety.location).
    share_location = models.BooleanField(
        "share my phone's location when I check in", default=False,
        help_text="Only when you tap a check-in button, hold SOS or type your PIN: never in between.",
    )
    # Secret part of the personal iCalendar feed URL; replacing it revokes the old link.
    calendar_token = models.CharField(max_length=64, unique=True, default=_calendar_token, editable=False)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.user.get_full_name() or self.user.get_username()

    @property
    def has_vehicle(self):
        return bool(self.vehicle_registration)

    @property
    def vehicle_description(self):
        if not self.has_vehicle:
            return ""
        parts = [self.vehicle_colour, self.vehicle_make, self.vehicle_model]
        return f"{' '.join(p for p in parts if p)} ({self.vehicle_registration})".strip()

    def clean(self):
        # Store the registration in its standard form; a malformed one is reported by the field.
        if self.vehicle_registration:
            try:
                self.vehicle_registration = normalise_registration(self.vehicle_registration)
            except ValidationError:
                pass

    def revoke_calendar_token(self):
        self.calendar_token = _calendar_token()
        self.save(update_fields=["calendar_token"])


class TrustMembership(models.Model):
    """Which trust a holder of a trust role (roles.TRUST_ROLES) works for: one trust each. Apart from
    the staff profile, which says which school someone works for: a trust lead needs no school, and
    one who also holds a school role has both (and the school pages of that school only)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust_membership")
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="members")

    def __str__(self):
        return f"{self.user} at {self.trust}"


class SchoolMembership(models.Model):
    """Another school a member of staff works for, beside their home school (the staff profile's):
    a family support worker or a trust attendance officer who works across the schools of one trust.
    Only schools of the home school's trust (validated here, beside the field). Given and taken away
    by a superuser in the Django admin (accounts.admin), each change on the account change log of
    every school it concerns. The person chooses which school they are working for (`school_of`);
    their roles are their own, the same at every school they work for."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_memberships")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="members_from_other_schools",
                               help_text="Another school of the same trust as their home school.")

    class Meta:
        ordering = ["school__name"]
        verbose_name = "other school they work for"
        verbose_name_plural = "other schools they work for"
        constraints = [models.UniqueConstraint(fields=["user", "school"], name="one_membership_per_school")]

    def __str__(self):
        return f"{self.user} also at {self.school}"

    def clean(self):
        if self.user_id is None:
            raise ValidationError({"school": "Save the account with its home school first, then add other schools."})
        if self.school_id is None:
            return
        home = StaffProfile.objects.filter(user_id=self.user_id).select_related("school").first()
        if home is None:
            raise ValidationError({"school": "Give them a home school (their staff profile) and save first."})
        if home.school_id == self.school_id:
            raise ValidationError({"school": "This is already their home school."})
        if home.school.trust_id is None or self.school.trust_id != home.school.trust_id:
            raise ValidationError({"school": f"Only a school of the same trust as their home school, "
                                             f"{home.school.name}, can be added."})


def role_names(user) -> frozenset:
    """The role (group) names of a user, read once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_homevisits_roles", None)
    if cached is None:
        # A list of users with prefetch_related("groups") costs no query per user.
        prefetched = getattr(user, "_prefetched_objects_cache", {}).get("groups")
        if prefetched is not None:
            cached = frozenset(group.name for group in prefetched)
        else:
            cached = frozenset(user.groups.values_list("name", flat=True))
        user._homevisits_roles = cached
    return cached


def has_role(user, *names) -> bool:
    return bool(role_names(user) & set(names))


# The school a member of staff of several schools is working for (its id), in their session.
WORKING_FOR_SESSION_KEY = "hv_working_for"


def school_of(user):
    """The school the user is working for: their home school (the staff profile's), or the other
    school they chose this session (accounts.working_for.choose, set on the user by
    homevisits.middleware.WorkingForMiddleware from the session), or None (a superuser without a
    profile). Every school scoping path asks this, so scoping stays exact: working for one school,
    another school's record is "not found", their home school's included."""
    if not getattr(user, "is_authenticated", False):
        return None
    chosen = getattr(user, "_homevisits_working_for", None)
    if chosen is not None:
        return chosen
    profile = getattr(user, "profile", None)
    return profile.school if profile else None


def home_school_of(user):
    """The school of the user's staff profile, whichever they are working for now (or None)."""
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    return profile.school if profile else None


def trust_of(user):
    """The trust whose schools the user watches as a trust safeguarding lead or trust admin, or None
    (no trust role, or no trust named for them). Nothing here gives a school page: school_of does."""
    if not has_role(user, *roles.TRUST_ROLES):
        return None
    membership = getattr(user, "trust_membership", None)
    return membership.trust if membership else None


def primary_role(user) -> str:
    """The role shown in the header: the most senior one the user holds."""
    names = role_names(user)
    for name in roles.SENIORITY:
        if name in names:
            return name
    return "Administrator" if getattr(user, "is_superuser", False) else ""


# --- Security records: account changes, rate limits, enrolment links, backup codes --------------


class AccountChangeKind(models.TextChoices):
    CREATED = "created", "Account created"
    ROLES = "roles", "Roles"
    SCHOOL = "school", "School"
    SUPERUSER = "superuser", "Superuser (every school)"
    STAFF = "staff", "Django admin access"
    ACTIVE = "active", "Account active"
    EMAIL = "email", "Email address"
    MOBILE = "mobile", "Mobile number"
    PERMISSIONS = "permissions", "Individual permissions"
    USERNAME = "username", "Username"
    PASSWORD_SET = "password_set", "Password changed"
    PASSWORD_RESET_SENT = "password_reset_sent", "Password reset email sent"
    SIGN_IN_UNLOCKED = "sign_in_unlocked", "Sign-in unlocked"
    ENROLMENT_LINK_SENT = "enrolment_link_sent", "Two-factor set-up link emailed"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Authenticator app added"
    BACKUP_CODES = "backup_codes", "New backup codes made"
    TWO_FACTOR_RESET = "two_factor_reset", "Two-factor sign-in reset"
    SAFETY_PINS = "safety_pins", "Safety and duress PINs set"
    OTHER_SCHOOLS = "other_schools", "Other schools they work for"
    WORKING_FOR = "working_for", "Working for (school)"


class AccountChange(AppendOnly, models.Model):
    """One change to someone's account (roles, school, admin status, email, two-factor, password):
    who did it, when, old -> new. Append-only, written only by accounts.account_audit.record; the
    audit page shows a school's rows to its head and school admin."""

    at = models.DateTimeField(default=timezone.now)
    # Null: done by the system or from the command line.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_changes")
    # The account's school when it changed (a move between schools is written for both schools).
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=AccountChangeKind.choices)
    old = models.CharField(max_length=300, blank=True)
    new = models.CharField(max_length=300, blank=True)

    append_only_label = "Account changes"

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.account_id} at {self.at:%Y-%m-%d %H:%M}"


class RateLimitHit(models.Model):
    """One counted try (a password reset request, an emailed set-up link, a password confirmation in
    the admin), by a keyed hash of who or where it came from: accounts.throttle. In the database,
    so every web process counts the same tries and a restart forgets nothing."""

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "at"]), models.Index(fields=["scope", "at"])]

    def __str__(self):
        return f"{self.scope} at {self.at:%Y-%m-%d %H:%M}"


class SafetyPins(models.Model):
    """A member of staff's safety PIN and duress PIN (R-CODEWORD), kept only as salted hashes made by
    Django's password hashers (accounts.pins): never in clear, and with no history table, so no copy of
    a hash is kept when they change. The account change log says only that they were set."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_pins")
    safety_pin = models.CharField(max_length=128)
    duress_pin = models.CharField(max_length=128)
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "safety PINs"

    def __str__(self):
        return f"PINs of {self.user_id}"


class EnrolmentLinkUse(models.Model):
    """A two-factor set-up link that has been opened: each works once (accounts.tokens)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Set-up link used at {self.used_at:%Y-%m-%d %H:%M}"


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """The user's one-time backup codes as a django-otp device. Unlike django-otp's static device it
    keeps only a salted, slow hash of each code (accounts.backup_codes), never the code itself."""

    def get_throttle_factor(self):
        return 1

    def verify_token(self, token):
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        match = next((c for c in self.codes.all() if code_matches(token, c.code_hash)), None)
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    class Meta(Device.Meta):
        verbose_name = "backup code set"


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=200)

    def __str__(self):
        return "Backup code (hashed)"


class SchoolSettingChange(AppendOnly, models.Model):
    """One save of a school's policy settings (in the app's settings pages or the Django admin): who,
    when, which page, and each setting that changed, old -> new, as a person reads it. Append-only,
    written only by accounts.school_settings; the audit page shows a school's rows to its head and
    school admin."""

    at = models.DateTimeField(default=timezone.now)
    # Null: done by the system or from the command line.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    section = models.CharField(max_length=60)
    # [{"setting": "...", "old": "...", "new": "..."}], in the order of the settings pages.
    changes = models.JSONField(default=list)

    append_only_label = "School setting changes"

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"])]

    def __str__(self):
        return f"{self.section}: school {self.school_id} at {self.at:%Y-%m-%d %H:%M}"
