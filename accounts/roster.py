"""A school's alert roster and office hours: who an escalation alert reaches, tier by tier.

The roster is an ordered list of tiers (accounts.models.RosterTier), each with a timeout: an alert
nobody has taken charge of within the timeout of the last tier it reached moves on to the next tier,
the earlier ones kept on it (safety.ladder counts the timeouts, safety.alerts sends). A school that
has not set a roster has the default one: office on duty, then the head of school, then the DSL,
five minutes each.

Office hours are per weekday, in local time. Outside them the out-of-hours contacts take the office's
place at the head of the roster: an alert never goes to an empty office. With nobody named out of
hours, the office's tier is left out and the alert starts with the next tier (the head). A school that
has not set its office hours is treated as having its office always on duty, as before it could set
them (the readiness page asks it to set them).
"""

import dataclasses
import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import permissions, roles
from .models import OfficeHours, RosterTier, School, TierKind

DEFAULT_TIMEOUT = datetime.timedelta(minutes=5)

# The role a role tier reaches (plus anyone named on it); the other tiers reach the people named.
TIER_ROLES = {TierKind.OFFICE: roles.OFFICE, TierKind.HEAD: roles.HEAD, TierKind.DSL: roles.DSL}

# Who may be named on a roster: the roles that keep watch over alerts and may take charge of them.
ROSTER_ROLES = permissions.KEEPERS  # who may be on a roster tier: those who keep watch over alerts


@dataclasses.dataclass(frozen=True)
class Tier:
    kind: str
    timeout: datetime.timedelta
    named: frozenset = frozenset()  # user ids

    @property
    def role(self) -> str | None:
        return TIER_ROLES.get(self.kind)

    @property
    def label(self) -> str:
        return TierKind(self.kind).label

    @property
    def reaches_anyone_named(self) -> bool:
        """A tier of named people only reaches someone when someone is named."""
        return self.role is not None or bool(self.named)


DEFAULT_TIERS = (Tier(TierKind.OFFICE, DEFAULT_TIMEOUT), Tier(TierKind.HEAD, DEFAULT_TIMEOUT),
                 Tier(TierKind.DSL, DEFAULT_TIMEOUT))


def tiers(school: School) -> tuple[Tier, ...]:
    """The school's roster in order (the default one when it has set none). Read once per school
    object: the scan asks it of every visit of a school in a batch."""
    cached = getattr(school, "_roster_tiers", None)
    if cached is None:
        rows = RosterTier.objects.filter(school=school).prefetch_related("people").order_by("position")
        cached = tuple(Tier(row.kind, datetime.timedelta(minutes=row.ack_timeout_minutes),
                            frozenset(p.pk for p in row.people.all())) for row in rows) or DEFAULT_TIERS
        school._roster_tiers = cached
    return cached


def candidates(school: School | None):
    """Who may be named on `school`'s roster: its active office staff, head and DSL (every school's,
    for None: a superuser in the Django admin choosing for any school)."""
    users = get_user_model().objects.filter(is_active=True, groups__name__in=ROSTER_ROLES)
    if school is not None:
        users = users.filter(profile__school=school)
    return users.distinct().order_by("last_name", "first_name")


def forget(school: School) -> None:
    """Drop what this school object remembers of its roster and hours (they were just changed)."""
    for name in ("_roster_tiers", "_office_hours"):
        school.__dict__.pop(name, None)


def set_roster(school: School, rows) -> None:
    """Replace the school's roster with `rows` [(kind, people, ack_timeout_minutes)], in order,
    numbered from 1. Replaced rather than edited row by row, so tiers can swap places or kinds
    without passing through a state the one-per-position and one-per-kind rules refuse. The
    caller checked the rows (accounts.settings_forms) and holds the transaction."""
    RosterTier.objects.filter(school=school).delete()
    for position, (kind, people, minutes) in enumerate(rows, start=1):
        tier = RosterTier.objects.create(school=school, position=position, kind=kind, ack_timeout_minutes=minutes)
        tier.people.set(people)
    forget(school)


def set_office_hours(school: School, days: dict) -> None:
    """The office's hours: {weekday: (opens, closes)} for the days it is on duty; every other day closed
    (no days at all: the office counts as always on duty, as before any were set)."""
    OfficeHours.objects.filter(school=school).exclude(weekday__in=list(days)).delete()
    for weekday, (opens, closes) in days.items():
        OfficeHours.objects.update_or_create(school=school, weekday=weekday,
                                             defaults={"opens": opens, "closes": closes})
    forget(school)


def _hours(school: School) -> dict[int, OfficeHours]:
    cached = getattr(school, "_office_hours", None)
    if cached is None:
        cached = {row.weekday: row for row in OfficeHours.objects.filter(school=school)}
        school._office_hours = cached
    return cached


def office_open(school: School, at: datetime.datetime) -> bool:
    """Whether the office is on duty at the instant `at` (its local weekday and time)."""
    hours = _hours(school)
    if not hours:
        return True
    local = timezone.localtime(at)
    day = hours.get(local.weekday())
    return day is not None and day.opens <= local.time() < day.closes


def on_duty(school: School, at: datetime.datetime) -> tuple[Tier, ...]:
    """The roster as it stands at `at`: in office hours as set; outside them the out-of-hours contacts
    in the office's place (or, with nobody named, the office left out). Tiers that would reach nobody
    (an out-of-hours or named tier with no names) are left out."""
    roster = tiers(school)
    if not office_open(school, at):
        cover = next((t for t in roster if t.kind == TierKind.OUT_OF_HOURS), None)
        moved = []
        for tier in roster:
            if tier.kind == TierKind.OFFICE:
                if cover is not None:
                    moved.append(cover)
            elif tier.kind != TierKind.OUT_OF_HOURS or not any(t.kind == TierKind.OFFICE for t in roster):
                moved.append(tier)
        roster = tuple(moved)
    return tuple(t for t in roster if t.reaches_anyone_named)


def reach_through(on_duty_tiers: tuple[Tier, ...], *kinds: str) -> int:
    """How many tiers, from the first, it takes to reach every tier of `kinds` on duty (at least one):
    an alert that must reach the head starts with every tier up to the head's."""
    positions = [i + 1 for i, tier in enumerate(on_duty_tiers) if tier.kind in kinds]
    return max(positions, default=1) if on_duty_tiers else 0


def roles_and_names(on_duty_tiers) -> tuple[tuple[str, ...], frozenset]:
    """The roles and the named people the given tiers reach, for one query of people."""
    role_names = tuple(sorted({t.role for t in on_duty_tiers if t.role}))
    named = frozenset().union(*(t.named for t in on_duty_tiers)) if on_duty_tiers else frozenset()
    return role_names, named


def out_of_hours_contacts(school: School) -> list:
    """The people named as the school's out-of-hours contacts who still work there and may keep watch."""
    cover = next((t for t in tiers(school) if t.kind == TierKind.OUT_OF_HOURS), None)
    if cover is None or not cover.named:
        return []
    return list(get_user_model().objects.filter(pk__in=cover.named, is_active=True, profile__school=school,
                                                groups__name__in=ROSTER_ROLES)
                .distinct().order_by("last_name", "first_name"))


def alerts_out_of_hours(school: School, at: datetime.datetime) -> bool:
    """An alert at `at` would come outside office hours (never so where the hours are not set)."""
    return not office_open(school, at)


def unwatched(school: School, at: datetime.datetime) -> bool:
    """An alert at `at` would come outside office hours with nobody named to cover the office: the
    approval of a visit whose alerts could come then is a gate (visits.services.gates_for)."""
    return alerts_out_of_hours(school, at) and not out_of_hours_contacts(school)


@dataclasses.dataclass(frozen=True)
class Watch:
    """Who would have a visit's first alert at an instant: the first tier on duty then, and its people."""

    at: datetime.datetime
    out_of_hours: bool
    tier: Tier | None
    names: tuple[str, ...]

    @property
    def covered(self) -> bool:
        """Out of hours, someone named covers the office (not the next tier by default)."""
        return not self.out_of_hours or (self.tier is not None and self.tier.kind == TierKind.OUT_OF_HOURS
                                         and bool(self.names))

    @property
    def who(self) -> str:
        if self.tier is None or not self.names:
            return "nobody"
        return f"{', '.join(self.names)} ({self.tier.label.lower()})"


def first_watch(school: School, at: datetime.datetime) -> Watch:
    """Who an alert at `at` would reach first (the approval page shows it for a visit whose alerts
    could come out of office hours)."""
    duty = on_duty(school, at)
    tier = duty[0] if duty else None
    names: tuple[str, ...] = ()
    if tier is not None:
        User = get_user_model()
        who = User.objects.filter(is_active=True, profile__school=school)
        role_holders = who.filter(groups__name=tier.role) if tier.role else who.none()
        named = who.filter(pk__in=tier.named, groups__name__in=ROSTER_ROLES)
        names = tuple(u.get_full_name() or u.get_username()
                      for u in (role_holders | named).distinct().order_by("last_name", "first_name"))
    return Watch(at=at, out_of_hours=alerts_out_of_hours(school, at), tier=tier, names=names)
