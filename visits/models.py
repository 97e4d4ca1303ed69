import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts import permissions, roles, roster
from accounts.models import School, has_role
from accounts.phone import UKPhoneNumberField
from accounts.validators import DateWithin
from homevisits.append_only import AppendOnly
from homevisits.crypto import EncryptedCharField
from homevisits.history import SchoolStampedHistory

from .lifecycle import (
    CHECK_IN_STATES,
    FINISHED_STATES,
    OUT_STATES,
    PLANNING_STATES,
    SUBMITTABLE_STATES,
    UNAPPROVED_STATES,
    UNDECIDED_STATES,
    EventKind,
    VisitState,
)
from .localtime import as_utc
from .validators import normalise_postcode, validate_postcode


class OfferStatus(models.TextChoices):
    NOT_OFFERED = "not_offered", "Not yet offered"
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Family(models.Model):
    """A household the school may visit."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="families")
    display_name = models.CharField(max_length=150, help_text="How the school refers to the household, e.g. 'Khan family'.")
    address_line1 = models.CharField("address line 1", max_length=150)
    address_line2 = models.CharField("address line 2", max_length=150, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, validators=[validate_postcode])
    phone = UKPhoneNumberField("main contact number", region="GB", blank=True)
    phone_alt = UKPhoneNumberField("other contact number", region="GB", blank=True)
    preferred_language = models.CharField(max_length=60, blank=True, default="English")
    interpreter_needed = models.BooleanField(default=False)
    notes = models.TextField(blank=True, max_length=4000)
    # Known risks at the address (R-RISK, R-ANIMALS, R-NOVISIT).
    dangerous_animals = models.BooleanField(default=False)
    animals_details = models.CharField(max_length=300, blank=True)
    previous_incidents = models.TextField(blank=True, max_length=2000)
    people_not_to_be_present = models.TextField(
        blank=True, max_length=1000, help_text="People who must not be present, e.g. under a court order."
    )
    # R-OFFER: parental choice is recorded.
    offer_status = models.CharField(max_length=12, choices=OfferStatus.choices, default=OfferStatus.NOT_OFFERED)
    offer_status_date = models.DateField(null=True, blank=True, validators=[DateWithin(back=20, ahead=2)])
    # The head may let named visiting staff see a family before any visit is planned (R-CONFIDENTIAL).
    shared_with = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="shared_families")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the retention policy anonymised the household (audit.retention); never undone.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(bases=[SchoolStampedHistory])

    class Meta:
        verbose_name_plural = "families"
        ordering = ["display_name", "pk"]
        indexes = [models.Index(fields=["school", "display_name"])]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("visits:family-detail", args=[self.pk])

    def clean(self):
        # Store the postcode in its standard form; a malformed one is reported by the field.
        if self.postcode:
            try:
                self.postcode = normalise_postcode(self.postcode)
            except ValidationError:
                pass

    @property
    def address(self):
        return ", ".join(p for p in [self.address_line1, self.address_line2, self.town, self.postcode] if p)

    @property
    def known_risks(self):
        risks = []
        if self.dangerous_animals:
            risks.append("Dangerous animals" + (f": {self.animals_details}" if self.animals_details else ""))
        if self.previous_incidents:
            risks.append(f"Previous incidents: {self.previous_incidents}")
        if self.people_not_to_be_present:
            risks.append(f"Must not be present: {self.people_not_to_be_present}")
        return risks

    @property
    def initials(self):
        return "".join(word[0] for word in self.display_name.split() if word)[:3].upper()

    @property
    def offer_badge(self):
        """The CSS class of the offer's badge (static/css/app.css), by what the status means."""
        return OFFER_BADGES[self.offer_status]


# Badge colours by meaning, always with the words beside them (classes in static/css/app.css).
OFFER_BADGES = {
    OfferStatus.NOT_OFFERED: "hv-badge-draft",
    OfferStatus.OFFERED: "hv-badge-waiting",
    OfferStatus.ACCEPTED: "hv-badge-go",
    OfferStatus.DECLINED: "hv-badge-off",
}


class Child(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="children")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(
        validators=[DateWithin(back=30, ahead=0, too_late="The date of birth can't be in the future.")])
    class_name = models.CharField("class", max_length=50, blank=True)
    # The school's MIS identifiers: a re-import (misimport) updates the pupil they name. A reception
    # intake pupil may have an admission number before a UPN.
    upn = models.CharField("UPN", max_length=13, blank=True, db_index=True)
    admission_number = models.CharField(max_length=20, blank=True, db_index=True)
    # On roll from (a reception intake before September is visited before this date).
    on_roll_from = models.DateField("on roll from", null=True, blank=True, validators=[DateWithin(back=30, ahead=2)])
    left_school_on = models.DateField(null=True, blank=True, help_text="Starts the retention clock.",
                                      validators=[DateWithin(back=50, ahead=2)])

    history = HistoricalRecords(bases=[SchoolStampedHistory])

    class Meta:
        verbose_name_plural = "children"
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Carer(models.Model):
    """A parent or carer in the household."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="carers")
    name = models.CharField(max_length=150)
    relationship = models.CharField(max_length=60)
    phone = UKPhoneNumberField(region="GB", blank=True)
    phone_alt = UKPhoneNumberField("other phone", region="GB", blank=True)
    parental_responsibility = models.BooleanField(default=True)
    # From the MIS (a court order or the school's own record): staff must not contact this person.
    must_not_contact = models.BooleanField("must not be contacted", default=False)

    history = HistoricalRecords(bases=[SchoolStampedHistory])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.relationship})"


class Purpose(models.TextChoices):
    """R-REASON: the known reasons for a home visit."""

    INDUCTION = "induction", "New starter / induction"
    ATTENDANCE = "attendance", "Attendance concern"
    REFUSING = "refusing", "Refusing school"
    EHE = "ehe", "Educated at home"
    WELFARE = "welfare", "Welfare check of absent child"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    SUPPORT = "support", "Support strategies"
    WORK = "work", "Drop off / collect work"
    MEDICAL = "medical", "Medical absence contact"
    TRANSPORT = "transport", "Transport of child"
    HOLIDAY = "holiday", "Suspected unauthorised holiday"
    FSW = "fsw", "Family support worker support"
    OTHER = "other", "Other"


class Transport(models.TextChoices):
    FOOT = "foot", "On foot"
    CAR = "car", "Car"
    PUBLIC = "public", "Public transport"


# A visit's state badge by what it means to the reader: not started, waiting for someone, good to
# go, refused, out now, safely back, called off (classes in static/css/app.css).
STATE_BADGES = {
    VisitState.DRAFT: "hv-badge-draft",
    VisitState.SUBMITTED: "hv-badge-waiting",
    VisitState.APPROVED: "hv-badge-go",
    VisitState.REFUSED: "hv-badge-stop",
    VisitState.DEPARTED: "hv-badge-out",
    VisitState.ON_SITE: "hv-badge-out",
    VisitState.LEFT: "hv-badge-out",
    VisitState.RETURNED: "hv-badge-done",
    VisitState.CANCELLED: "hv-badge-off",
}


class Gate(models.TextChoices):
    """Plans that need the approver's explicit override with a reason."""

    EVENING = "evening", "Ends after the school's evening cut-off"  # R-EVENING
    COMMUTE = "commute", "Starts or ends at home instead of at school"  # R-COMMUTE
    FSW = "fsw", "A family support worker's visit, planned with the head of school as safeguarding lead"  # R-FSW
    TRAINING = "training", "A visitor has no safe-working training on record"  # R-TRAINING
    LONE = "lone", "Lone visit: only one member of staff goes"  # R-PAIR
    # R-LATE-15, R-RETURN-30: its alerts would come when the office is closed, with nobody named to cover.
    UNWATCHED = "unwatched", "Its alerts would come after office hours, and nobody is named to watch then"


# R-COMMUTE needs "the prior approval of the HoS" and R-FSW is "planned along with the head of school":
# only the head clears these gates, unless the school lets the DSL cover (School.dsl_may_clear_head_gates).
HEAD_GATES = frozenset({Gate.COMMUTE, Gate.FSW})


def gate_deciders(gate, school) -> tuple[str, ...]:
    """The roles that may clear `gate` at `school` (R-AUTH: never anyone but the head or the DSL)."""
    if gate in HEAD_GATES and not school.dsl_may_clear_head_gates:
        return (roles.HEAD,)
    return permissions.LEADS


def may_clear_gate(user, gate, school) -> bool:
    return has_role(user, *gate_deciders(gate, school))


class GateNeed:
    """One gate of a plan as people read it: what it is and who may clear it."""

    def __init__(self, code, school, reason=""):
        self.code = str(code)
        self.label = Gate(code).label if code in Gate.values else str(code)
        self.deciders = gate_deciders(code, school)
        self.reason = reason

    @property
    def who_decides(self) -> str:
        """In plain words, e.g. "Only the head of school can approve this"."""
        if self.deciders == (roles.HEAD,):
            return "Only the head of school can approve this."
        return "The head of school or the DSL can approve this."

    @property
    def deciders_words(self) -> str:
        return "the head of school only" if self.deciders == (roles.HEAD,) else "the head of school or the DSL"

    def may_be_cleared_by(self, user) -> bool:
        return has_role(user, *self.deciders)

    def __str__(self):
        return f"{self.label}. {self.who_decides}"


class Decision:
    """The approver's standing decision on a visit (R-AUTH): approved or refused, by whom, when, why,
    and the gates overridden with their reasons."""

    def __init__(self, approved, by, at, reason, overrides):
        self.approved, self.by, self.at, self.reason, self.overrides = approved, by, at, reason, overrides

    @property
    def refused(self):
        return not self.approved


class Round(models.Model):
    """A day's round (R-LUNCH): several visits in a row by the same staff, with return points: back at
    school at lunchtime and at the end of the day (policy 000). The visits before lunch share the
    lunch return as their expected return, those after it the end-of-day return (visits.rounds keeps
    them in step), so the watchdog's anchor is the round's next return point. Its state is its visits'."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="rounds")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_rounds")
    date = models.DateField(validators=[DateWithin(back=2, ahead=2)])
    lunch_return = models.DateTimeField("back at school for lunch")
    end_return = models.DateTimeField("back at school at the end of the day")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[SchoolStampedHistory])

    class Meta:
        ordering = ["date", "lunch_return", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_return__gt=models.F("lunch_return")),
                                   name="round_end_after_lunch"),
        ]

    def __str__(self):
        return f"Round on {self.date:%a %d %b}"

    def get_absolute_url(self):
        return reverse("visits:round-detail", args=[self.pk])

    def in_order(self) -> list["Visit"]:
        """Its visits in the order they are made (prefetched `visits` are used as they are)."""
        return sorted(self.visits.all(), key=lambda v: (v.round_order or 0, v.planned_start, v.pk))

    def before_lunch(self, visit) -> bool:
        """R-LUNCH: a visit that ends by the lunch return comes back at lunch; the rest at the day's end."""
        return visit.planned_end <= as_utc(self.lunch_return)

    def return_point_of(self, visit) -> datetime.datetime:
        return self.lunch_return if self.before_lunch(visit) else self.end_return

    def next_return_point(self, now) -> datetime.datetime | None:
        """The return point staff are next due back at, as of `now` (None: the day is over)."""
        for point in (self.lunch_return, self.end_return):
            if as_utc(point) > now:
                return point
        return None

    @property
    def state(self) -> str:
        return round_state(self.visits.all())

    def get_state_display(self) -> str:
        return VisitState(self.state).label

    @property
    def state_badge(self) -> str:
        return STATE_BADGES[self.state]

    @property
    def is_editable(self) -> bool:
        return all(v.state in SUBMITTABLE_STATES for v in self.visits.all())

    @property
    def is_submittable(self) -> bool:
        return self.is_editable and self.visits.exists()

    @property
    def is_waiting_for_approval(self) -> bool:
        """A visit of it is waiting (all of them once submitted; one changed after approval, alone)."""
        return any(v.state == VisitState.SUBMITTED for v in self.visits.all())


# Which of its visits' states a round shows: out (anyone out), else waiting, else planning, then done.
ROUND_STATE_ORDER = (VisitState.DEPARTED, VisitState.ON_SITE, VisitState.LEFT, VisitState.DRAFT,
                     VisitState.REFUSED, VisitState.SUBMITTED, VisitState.APPROVED, VisitState.RETURNED)


def round_state(visits) -> str:
    """A round's state, from its visits (as the reader's page shows them: visits.cover): out while anyone
    is out, else the least advanced of those still going ahead."""
    states = [v.state for v in visits if v.state != VisitState.CANCELLED]
    for state in ROUND_STATE_ORDER:
        if state in states:
            return state
    return VisitState.CANCELLED


class VisitQuerySet(models.QuerySet):
    def out(self):
        return self.filter(state__in=OUT_STATES)

    def active_on(self, day: datetime.date):
        return self.filter(planned_start__date=day).exclude(state=VisitState.CANCELLED)


class Visit(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="visits")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="visits")
    children = models.ManyToManyField(Child, blank=True, related_name="visits")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    purpose_other = models.CharField("other purpose", max_length=200, blank=True)
    # R-INFORM: announced by letter, or unannounced with a reason.
    announced = models.BooleanField(default=True)
    unannounced_reason = models.CharField(max_length=300, blank=True)
    letter_sent_on = models.DateField(null=True, blank=True, validators=[DateWithin(back=2, ahead=0)])

    planned_start = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=45)
    # The time staff are due back at school (or, ending at home, due to call in): the watchdog's anchor.
    expected_return = models.DateTimeField()
    # R-COMMUTE: a visit on the way to or from work (starting or ending at home) needs the head's approval.
    starts_at_home = models.BooleanField(
        "starting from home", default=False, db_default=False,
        help_text="Going straight from home to the visit instead of leaving from school.",
    )
    ends_at_home = models.BooleanField(
        "ending at home", default=False, help_text="Going home afterwards instead of back to school."
    )
    address = models.CharField(max_length=300)
    contact_phone = UKPhoneNumberField("contact number at the visit", region="GB", blank=True)

    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_visits")
    # Everyone who goes, the lead included (R-PAIR); where each of them is while out: VisitStaff.
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, through="VisitStaff", related_name="visits")
    transport = models.CharField(max_length=10, choices=Transport.choices, default=Transport.CAR)
    vehicle_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Whose car (its details come from their profile).",  # R-VEHICLE
    )
    office_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The named member of the office tracking this visit.",  # R-RECORD
    )
    # R-SAFEWORD. Stored encrypted with a key kept outside the database (homevisits/crypto.py).
    code_word = EncryptedCharField(max_length=50, blank=True, help_text="Said on the phone in distress.")
    info_gathered = models.BooleanField(  # R-INFO
        "existing information gathered", default=False,
        help_text="Family file and other professionals checked; safeguarding team aware.",
    )
    notes = models.TextField(blank=True, max_length=4000)

    state = models.CharField(max_length=12, choices=VisitState.choices, default=VisitState.DRAFT)
    gates_required = models.JSONField(default=list, blank=True)
    gate_overrides = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=2000)
    cancel_reason = models.TextField(blank=True, max_length=2000)
    cancelled_for_safety = models.BooleanField(default=False)

    # While out: the watchdog state (see safety.watchdog).
    departed_at = models.DateTimeField(null=True, blank=True)
    # The last word from anyone on the visit (shown to the office).
    last_contact_at = models.DateTimeField(null=True, blank=True)
    # The periodic check-in clock (R-CHECKIN) runs from here: the oldest last word among the staff
    # still out, since each person's word counts for them only (VisitStaff.last_word_at).
    heard_from_all_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    watch_round = models.PositiveIntegerField(default=0)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)
    # The expected return the staff were last reminded of before it, and nudged at (safety.staff_reminders):
    # each goes once per expected return, so a new time ("running late") means a new reminder.
    staff_reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    staff_nudged_for = models.DateTimeField(null=True, blank=True, editable=False)

    # R-LUNCH: one of a day's round of visits, made in `round_order`; `handed_on_at`: when its staff
    # went on from it to the round's next visit, which is watched from then on instead (safety.ladder:
    # one alert for one overdue round, never one per visit). It stays out until they are back.
    day_round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits")
    round_order = models.PositiveSmallIntegerField(null=True, blank=True)
    handed_on_at = models.DateTimeField(null=True, blank=True, editable=False)

    planned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="planned_again"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisitQuerySet.as_manager()
    # The code word never goes into the history tables (R-SAFEWORD).
    history = HistoricalRecords(bases=[SchoolStampedHistory], excluded_fields=["code_word"])

    class Meta:
        ordering = ["planned_start", "pk"]
        indexes = [
            # The watchdog's one query: due rows among visits that are out (partial index).
            models.Index(
                fields=["next_check_at"], name="visit_due_out_idx",
                condition=Q(state__in=list(OUT_STATES)) & Q(next_check_at__isnull=False),
            ),
            models.Index(fields=["school", "planned_start"]),
            models.Index(fields=["school", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_return__gt=models.F("planned_start")), name="visit_returns_after_start"
            ),
        ]

    def __str__(self):
        local = timezone.localtime(self.planned_start)
        return f"{self.family} · {local:%a %d %b %H:%M}"

    def get_absolute_url(self):
        return reverse("visits:visit-detail", args=[self.pk])

    @property
    def planned_end(self):
        # On the UTC instant: a time just read from a form carries the local zone, where adding
        # minutes would be wall-clock arithmetic across a clock change.
        return as_utc(self.planned_start) + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def state_badge(self):
        """The CSS class of this visit's state badge: templates ask this, never compare states."""
        return STATE_BADGES[self.state]

    @property
    def purpose_label(self):
        if self.purpose == Purpose.OTHER and self.purpose_other:
            return f"Other: {self.purpose_other}"
        return self.get_purpose_display()

    @property
    def purpose_for_family(self):
        """The purpose as the family reads it (letter, parent copy): an "other" purpose is its own text."""
        if self.purpose == Purpose.OTHER and self.purpose_other.strip():
            return self.purpose_other.strip()
        return self.get_purpose_display()

    @property
    def address_lines(self) -> list[str]:
        """The visit's address as lines for a letter: the family's own lines when it is their address."""
        family = self.family
        if self.address == family.address:
            return [p for p in [family.address_line1, family.address_line2, family.town, family.postcode] if p]
        return [part.strip() for part in self.address.replace("\n", ",").split(",") if part.strip()]

    @property
    def is_commute(self) -> bool:
        """R-COMMUTE: on the way to or from work, not starting or not ending at school."""
        return self.starts_at_home or self.ends_at_home

    @property
    def departure_label(self) -> str:
        """The button that starts the visit on the phone page: staff leaving home start the visit, not
        leave school; never "Sign out", which means leaving the app (R-DEPART, R-COMMUTE)."""
        return "Start the visit" if self.starts_at_home else "Leaving now"

    @property
    def journey_label(self) -> str:
        """Where staff set off from and end up, in words (visit page, decision page)."""
        start = "from home" if self.starts_at_home else "from school"
        end = "home afterwards" if self.ends_at_home else "back to school afterwards"
        return f"Leaving {start}, going {end}"

    # What templates and pages ask of a visit's state (they never compare state strings).
    @property
    def by_car(self) -> bool:
        return self.transport == Transport.CAR

    @property
    def is_out(self):
        return self.state in OUT_STATES

    @property
    def is_draft(self) -> bool:
        return self.state == VisitState.DRAFT

    @property
    def has_left(self) -> bool:
        """Staff have left the property and are on their way back (or home)."""
        return self.state == VisitState.LEFT

    @property
    def is_returned(self) -> bool:
        """Everyone is back: the visit is over (R-RETURN)."""
        return self.state == VisitState.RETURNED

    @property
    def is_finished(self) -> bool:
        """Everyone is back, or it was called off: nothing is watched any more."""
        return self.state in FINISHED_STATES

    @property
    def can_check_in(self) -> bool:
        """The check-in pages have something to record: its start (approved) or word while out."""
        return self.state in CHECK_IN_STATES

    def staff_links_with_people(self) -> list["VisitStaff"]:
        """Each member of staff on the visit with where they are, in name order (prefetched
        `staff_links` with their users are used as they are)."""
        if "staff_links" in getattr(self, "_prefetched_objects_cache", {}):
            links = list(self.staff_links.all())
        else:
            links = list(self.staff_links.select_related("user__profile"))
        return sorted(links, key=lambda link: (link.user.last_name, link.user.first_name, link.user_id))

    def staff_out(self) -> list:
        """Who is still out on this visit (R-RETURN): everyone on it until each of them is back."""
        return [link.user for link in self.staff_links_with_people() if link.is_out]

    def staff_back(self) -> list["VisitStaff"]:
        """The links of those already back while the visit is out (or when it is over)."""
        return [link for link in self.staff_links_with_people() if not link.is_out]

    @property
    def is_editable(self):
        return self.state in PLANNING_STATES

    @property
    def is_cancellable(self):
        return self.state not in FINISHED_STATES

    @property
    def open_gates(self):
        return [g for g in self.gates_required if g not in self.gate_overrides]

    def gate_labels(self):
        return [Gate(g).label for g in self.gates_required if g in Gate.values]

    @property
    def is_approved(self) -> bool:
        return self.state == VisitState.APPROVED

    @property
    def is_submittable(self) -> bool:
        return self.state in SUBMITTABLE_STATES

    @property
    def awaiting_decision(self) -> bool:
        """Still before (or back before) the approver's decision: the plan's gates are still to decide."""
        return self.state in UNDECIDED_STATES

    @property
    def is_waiting_for_approval(self) -> bool:
        return self.state == VisitState.SUBMITTED

    @property
    def is_cancelled(self) -> bool:
        return self.state == VisitState.CANCELLED

    @property
    def decision(self) -> "Decision | None":
        """The standing decision (approved or refused), in every state after it; None before one is
        made, or once a change sent the visit back for approval (that clears `decided_at`)."""
        if self.decided_at is None:
            return None
        if self.state == VisitState.REFUSED:
            approved = False
        elif self.state == VisitState.CANCELLED:
            # Cancelled after an approval or after a refusal: the last decision event says which.
            last = (self.events.filter(kind__in=[EventKind.APPROVED, EventKind.REFUSED])
                    .order_by("-at", "-pk").values_list("kind", flat=True).first())
            approved = last != EventKind.REFUSED
        else:
            approved = True
        overrides = [GateNeed(g, self.school, reason) for g, reason in (self.gate_overrides or {}).items()]
        return Decision(approved, self.decided_by, self.decided_at, self.decision_reason,
                        overrides if approved else [])

    @property
    def first_alert_at(self) -> datetime.datetime:
        """When its first alert would come if nobody hears from its staff: the expected return plus the
        school's late-call minutes (R-LATE-15)."""
        return as_utc(self.expected_return) + datetime.timedelta(minutes=self.school.late_call_minutes)

    @property
    def first_watch(self) -> roster.Watch:
        """Who would have its first alert (accounts.roster): shown when deciding a visit whose alerts
        could come out of office hours."""
        return roster.first_watch(self.school, self.first_alert_at)

    def gate_needs(self, gates=None) -> list[GateNeed]:
        """The gates (this plan's, or `gates`) with who may clear each."""
        return [GateNeed(g, self.school) for g in (self.gates_required if gates is None else gates)]

    def letter_warnings(self) -> list[str]:
        """Why the letter or slip must not go to the family yet (shown on screen, never printed)."""
        warnings = []
        if self.state == VisitState.CANCELLED:
            warnings.append("This visit is cancelled: don't send or leave anything for it.")
        elif self.state == VisitState.REFUSED:
            warnings.append("This visit was refused: revise the plan and have it approved before the family "
                            "is told.")
        elif self.state in UNAPPROVED_STATES:
            warnings.append("This visit is not yet approved: don't send it until the head of school or the DSL "
                            "has approved the visit.")
        ra = getattr(self, "risk_assessment", None)
        if ra is not None and self.state in PLANNING_STATES and ra.high_risk_reasons():
            warnings.append("The risk assessment makes this a high-risk visit, which can't be approved as planned.")
        return warnings


class VisitStaff(models.Model):
    """One member of staff on one visit, and where they are while it is out (R-RETURN).

    Each person signs themselves back in (or the office records it after a call), so the visit
    stays out, and watched, until every one of them is back; each person's word counts for them
    only (R-CHECKIN). The table is the one the plain many-to-many field always had."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="staff_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_links")
    # Their last check-in of any kind (or the office reaching them), while out.
    last_word_at = models.DateTimeField(null=True, blank=True)
    # Back at school, home safe, or accounted for by the office after a call.
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "visits_visit_staff"
        unique_together = [("visit", "user")]

    def __str__(self):
        return f"{self.user} on {self.visit_id}"

    @property
    def is_out(self) -> bool:
        return self.returned_at is None

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class RecordedHow(models.TextChoices):
    SELF = "self", "By the member of staff"
    PHONE = "phone", "By the office, after a phone call"
    TEXT = "text", "By the member of staff, by text message"
    SYSTEM = "system", "By the system"


class VisitEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Visit events are append-only.")

    def delete(self):
        raise TypeError("Visit events are append-only.")


class VisitEvent(AppendOnly, models.Model):
    """The history of a visit, one row per thing that happened; append-only."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    how = models.CharField(max_length=10, choices=RecordedHow.choices, default=RecordedHow.SELF)
    note = models.TextField(blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)
    # A double-tapped or retried form carries the same key and is recorded once.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # When the member of staff tapped it on their phone, where the phone kept it without signal and
    # sent it later (safety.checkins.said_at_of); `at` is when the server received it.
    said_at = models.DateTimeField(null=True, blank=True)

    objects = VisitEventQuerySet.as_manager()
    append_only_label = "Visit events"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} at {timezone.localtime(self.at):%H:%M}"

    @property
    def told_late(self) -> bool:
        """Tapped on the phone at least a minute before it reached the server (kept without signal)."""
        return self.said_at is not None and self.at - self.said_at >= datetime.timedelta(minutes=1)

    @property
    def tapped_before_alert(self) -> bool:
        """Tapped before an alert that was open when it arrived: it did not close the alert (safety.checkins)."""
        return bool(self.data.get("tapped_before_alert"))

    @property
    def by_phone(self) -> bool:
        """Recorded by the office after a phone call, not by the member of staff."""
        return self.how == RecordedHow.PHONE

    @property
    def felt_unsafe(self) -> bool:
        return self.kind == EventKind.UNSAFE

    @property
    def was_duress(self) -> bool:
        return self.kind == EventKind.DURESS

    @property
    def found_no_one_home(self) -> bool:
        return self.kind == EventKind.NO_ONE_HOME


class Outcome(models.TextChoices):
    COMPLETED = "completed", "Completed"
    NO_ONE_HOME = "no_one_home", "No one home"
    ABANDONED = "abandoned", "Abandoned"
    DOORSTEP = "doorstep", "Cancelled on the doorstep"


class VisitReport(models.Model):
    """R-REPORT: the Home Visit Form, filed after every visit. The parent/carer copy (R-PARENTCOPY)
    prints everything here except `internal_notes`."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="report")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    who_was_seen = models.CharField(max_length=300, blank=True)
    summary = models.TextField("what we talked about", blank=True, max_length=4000,
                               help_text="Goes on the parent/carer copy.")
    internal_notes = models.TextField(blank=True, max_length=4000, help_text="For school only: not on the parent copy.")
    # Reception / induction visits (policy 000).
    child_interests = models.TextField(blank=True, max_length=1000)
    favourite_story = models.CharField(max_length=200, blank=True)
    favourite_toy = models.CharField(max_length=200, blank=True)
    known_children = models.CharField("children they know", max_length=300, blank=True)
    anxieties_and_strategies = models.TextField("anxieties, and strategies that help", blank=True, max_length=2000)
    parent_questions = models.TextField("parent's questions", blank=True, max_length=2000)
    # R-FOLLOWUP
    next_visit_date = models.DateField(null=True, blank=True, validators=[DateWithin(back=2, ahead=2)])
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(bases=[SchoolStampedHistory])

    def __str__(self):
        return f"Report on {self.visit}"


class FollowUpAction(models.Model):
    """R-FOLLOWUP: what happens next, who does it, by when."""

    report = models.ForeignKey(VisitReport, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups")
    due_on = models.DateField(validators=[DateWithin(back=2, ahead=2)])
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self):
        return self.action


class Incident(models.Model):
    """R-INCIDENT: recorded with full details as soon as possible afterwards."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="incidents")
    occurred_at = models.DateTimeField()
    what_happened = models.TextField(max_length=4000)
    people_involved = models.TextField(max_length=1000)
    injuries = models.TextField(blank=True, max_length=1000)
    police_involved = models.BooleanField(default=False)
    police_reference = models.CharField(max_length=50, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(bases=[SchoolStampedHistory])

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self):
        return f"Incident on {self.visit}"


# --- The risk assessment and the personal safety checklist of a visit (R-RISK, R-CHECKLIST) -------

class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


def risk_level(severity: int, likelihood: int) -> str:
    """The lone-working matrix (policy 001, appendix 1): severity x likelihood, each 1-3."""
    score = severity * likelihood
    if score >= 6:
        return RiskLevel.HIGH
    if score >= 3:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


class RiskAssessment(models.Model):
    """R-RISK: one per visit, copied forward from the family's last one and reviewed."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="risk_assessment")
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    vulnerable_persons = models.TextField(blank=True, max_length=2000)
    safeguarding_team_aware = models.BooleanField(default=False)
    # R-NOVISIT: "when not to visit" (policy 000). Any yes makes the assessment high risk.
    risk_of_harm_high = models.BooleanField(
        "the assessed risk of aggression, violence or harm is high", default=False
    )
    perpetrator_may_be_present = models.BooleanField(
        "violence has recently occurred and the perpetrator is or may be at the address", default=False
    )
    aggression_or_intoxication = models.BooleanField(
        "people expected to be present have shown aggression or intoxication", default=False
    )
    # R-ANIMALS: where the family has dangerous animals, can a separate room be assured?
    animals_separate_room = models.BooleanField(
        "the family has agreed to keep animals in a separate room", null=True, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Tables and history tables keep the names they had in the safety app (visits 0007): no data moved.
    history = HistoricalRecords(bases=[SchoolStampedHistory], table_name="safety_historicalriskassessment")

    class Meta:
        db_table = "safety_riskassessment"

    def __str__(self):
        return f"Risk assessment for {self.visit}"

    @property
    def is_reviewed(self):
        return self.reviewed_at is not None

    def high_risk_reasons(self) -> list[str]:
        """Why this assessment blocks approval (R-NOVISIT); empty when it does not."""
        reasons = []
        for field in ("risk_of_harm_high", "perpetrator_may_be_present", "aggression_or_intoxication"):
            if getattr(self, field):
                reasons.append(str(self._meta.get_field(field).verbose_name).capitalize())
        for hazard in self.hazards.all():
            if hazard.level == RiskLevel.HIGH:
                reasons.append(f"High-risk hazard: {hazard.name}")
        return reasons

    @property
    def level(self) -> str:
        if self.high_risk_reasons():
            return RiskLevel.HIGH
        levels = {h.level for h in self.hazards.all()}
        return RiskLevel.MEDIUM if RiskLevel.MEDIUM in levels else RiskLevel.LOW

    def get_level_display(self):
        return RiskLevel(self.level).label


class HazardKind(models.TextChoices):
    """The lone-working matrix of policy 001 appendix 1, plus the school's own."""

    AGGRESSION = "aggression", "Aggressive or violent person"
    DRIVING = "driving", "Driving"
    PUBLIC_AREAS = "public_areas", "Public areas"
    ILLNESS = "illness", "Illness or injury"
    ANIMALS = "animals", "Animals"
    OTHER = "other", "Other"


class Hazard(models.Model):
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="hazards")
    kind = models.CharField(max_length=20, choices=HazardKind.choices)
    description = models.CharField(max_length=200, blank=True)
    who_may_be_harmed = models.CharField(max_length=200, default="Visiting staff")
    severity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3)])
    likelihood = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3)])
    controls = models.TextField(blank=True, max_length=2000)

    history = HistoricalRecords(bases=[SchoolStampedHistory], table_name="safety_historicalhazard")

    class Meta:
        db_table = "safety_hazard"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=3), name="hazard_severity_1_3"),
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=3), name="hazard_likelihood_1_3"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        if self.kind == HazardKind.OTHER and self.description:
            return self.description
        return self.get_kind_display() + (f": {self.description}" if self.description else "")

    @property
    def level(self):
        return risk_level(self.severity, self.likelihood)

    def get_level_display(self):
        return RiskLevel(self.level).label


class SafetyChecklist(models.Model):
    """R-CHECKLIST: the personal safety checklist of policy 000, answered by the lead before submission."""

    QUESTIONS = (
        ("info_gathered", "Have I gathered all the information I can about the family?"),
        ("family_knows", "Does the family know I am coming (or is this unannounced for a recorded reason)?"),
        ("recorded_whereabouts", "Have I recorded where I am going, how to contact me and when I will be back?"),
        ("journey_safe", "Have I planned a safe journey there and back?"),
        ("necessary_belongings_only", "Am I taking only the belongings I need?"),
        ("exit_strategy", "Do I have an exit strategy if I feel unsafe?"),
    )

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="checklist")
    info_gathered = models.BooleanField(default=False)
    family_knows = models.BooleanField(default=False)
    recorded_whereabouts = models.BooleanField(default=False)
    journey_safe = models.BooleanField(default=False)
    necessary_belongings_only = models.BooleanField(default=False)
    exit_strategy = models.BooleanField(default=False)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "safety_safetychecklist"

    def __str__(self):
        return f"Safety checklist for {self.visit}"

    def unanswered(self) -> list[str]:
        return [text for field, text in self.QUESTIONS if not getattr(self, field)]

    @property
    def is_complete(self):
        return self.completed_at is not None and not self.unanswered()
