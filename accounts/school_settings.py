"""Changing a school's policy settings: one save of one settings page (or of the school in the Django
admin) is one transaction that writes the page's settings and the record of what changed, old -> new
(SchoolSettingChange, shown on the audit page), then tells the apps above that the school's ladder may
have moved (`settings_changed`: safety has the school's visits that are out looked at again by the
next scan, which counts their deadlines with the new settings).

The record is taken from the database before and after the save, never from the form, so it says what
was stored, whichever page or admin form did it. Nothing secret is among these settings; the logo is
recorded by its size and digest, never its bytes."""

import datetime

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from . import roster, trust_rules
from .models import OfficeHours, RosterTier, School, SchoolLogo, SchoolSettingChange, Trust, Weekday

# Sent inside the saving transaction, after the settings are written. Arguments: school, now.
settings_changed = Signal()

# The School fields recorded, in the order of the settings pages.
RECORDED_FIELDS = (
    "late_call_minutes", "office_chase_minutes", "police_prompt_minutes", "alert_repeat_minutes",
    "charge_reminder_minutes", "staff_reminder_minutes",
    "low_risk_checkin_minutes", "medium_risk_checkin_minutes", "high_risk_checkin_minutes",
    "checkin_interval_minutes", "override_alerts_head_at_late_call", "pin_to_end_visit",
    "max_wait_minutes", "evening_starts", "lone_visits_allowed", "training_required", "dsl_may_clear_head_gates",
    "letter_greeting", "letter_sign_off", "name", "office_phone", "address",
    "visit_retention_years", "concern_retention_years", "two_factor_for_visiting_staff",
)
# An empty minutes field means the thing is off.
OFF_WHEN_EMPTY = {"staff_reminder_minutes", "low_risk_checkin_minutes", "medium_risk_checkin_minutes",
                  "high_risk_checkin_minutes", "checkin_interval_minutes"}


def _shown(school, name) -> str:
    value = getattr(school, name)
    if value is None or value == "":
        return "off" if name in OFF_WHEN_EMPTY else "(none)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if name == "office_phone":
        return value.as_national
    return str(value)


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def snapshot(school_id) -> dict[str, tuple[str, str]]:
    """{key: (what it is called, its value as a person reads it)} of everything the settings pages
    change, read from the database."""
    school = School.objects.get(pk=school_id)
    shown = {name: (str(School._meta.get_field(name).verbose_name), _shown(school, name))
             for name in RECORDED_FIELDS}
    hours = {row.weekday: row for row in OfficeHours.objects.filter(school_id=school_id)}
    for day in Weekday:
        row = hours.get(day.value)
        shown[f"hours-{day.value}"] = (f"office hours, {day.label}",
                                       f"{row.opens:%H:%M} to {row.closes:%H:%M}" if row else "closed")
    tiers = RosterTier.objects.filter(school_id=school_id).prefetch_related("people").order_by("position")
    for position, tier in enumerate(tiers, start=1):
        names = ", ".join(sorted(_person(p) for p in tier.people.all()))
        shown[f"tier-{position}"] = (f"roster tier {position}",
                                     f"{tier.get_kind_display()}, {tier.ack_timeout_minutes} min to take charge"
                                     + (f"; named: {names}" if names else ""))
    logo = SchoolLogo.objects.filter(school_id=school_id).only("width", "height", "digest").first()
    shown["logo"] = ("school logo", logo.description if logo else "(none)")
    # The school's trust and its rules (the trust's own page changes them): on the school's audit page too.
    trust = school.trust if school.trust_id else None
    shown["trust"] = ("trust", trust.name if trust else "(none)")
    for rule in trust_rules.RULES:
        value = getattr(trust, rule.setting) if trust else None
        words = trust_rules.shown(value) + (", locked" if trust and value is not None and getattr(trust, rule.locked)
                                             else "")
        shown[f"trust-{rule.setting}"] = (f"trust's rule: {Trust._meta.get_field(rule.setting).verbose_name}", words)
    return shown


def differences(before, after) -> list[dict]:
    """[{setting, old, new}] of every key whose value differs (a tier added or removed: "(none)")."""
    changes = []
    for key in list(before) + [k for k in after if k not in before]:
        old = before.get(key, (None, "(none)"))
        new = after.get(key, (None, "(none)"))
        if old[1] != new[1]:
            changes.append({"setting": new[0] or old[0], "old": old[1], "new": new[1]})
    return changes


def record(actor, school, section, before, now=None) -> SchoolSettingChange | None:
    """After a save (in its transaction): the record of what changed since `before`, and the signal
    that the school's settings moved. Nothing changed: nothing recorded, nothing sent."""
    now = now or timezone.now()
    changes = differences(before, snapshot(school.pk))
    if not changes:
        return None
    change = SchoolSettingChange.objects.create(actor=actor if getattr(actor, "pk", None) else None, school=school,
                                                section=section, changes=changes, at=now)
    settings_changed.send(sender=School, school=school, now=now)
    return change


def save_page(school, actor, page, form=None, hours=None, tiers=None, now=None) -> SchoolSettingChange | None:
    """Save one settings page whose form and formsets are valid, all of it or nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()  # one save of a school at a time
        before = snapshot(school.pk)
        if form is not None:
            # Only this page's columns: another page saved meanwhile keeps its values.
            form.save(commit=False).save(update_fields=list(form.Meta.fields))
            if "logo_file" in form.fields:
                _save_logo(school, form.cleaned_data.get("logo_file"), form.cleaned_data.get("remove_logo"), now)
        if hours is not None:
            roster.set_office_hours(school, hours.days())
        if tiers is not None:
            roster.set_roster(school, tiers.rows())
        return record(actor, school, page.title, before, now)


def _save_logo(school, made, remove, now):
    if remove:
        SchoolLogo.objects.filter(school=school).delete()
    elif made:
        png, width, height, digest = made
        SchoolLogo.objects.update_or_create(school=school, defaults={
            "png": png, "width": width, "height": height, "digest": digest, "uploaded_at": now})


def logo_of(school) -> SchoolLogo | None:
    return SchoolLogo.objects.filter(school=school).first()


def save_trust_rules(trust, actor, form, now=None) -> list[SchoolSettingChange]:
    """Save the trust's rules (a valid TrustRulesForm) and bring each of its schools within them, all
    of it or nothing: each school whose rules or settings changed has the change on its audit page,
    and its visits out follow it from the next scan (settings_changed)."""
    now = now or timezone.now()
    with transaction.atomic():
        Trust.objects.select_for_update().filter(pk=trust.pk).first()  # one save of a trust at a time
        schools = list(School.objects.select_for_update().filter(trust=trust).order_by("pk"))
        before = {school.pk: snapshot(school.pk) for school in schools}
        form.save()
        changes = []
        for school in schools:
            tightened = trust_rules.tighten(school, form.instance)
            if tightened:
                school.save(update_fields=tightened)
            change = record(actor, school, "The trust's rules", before[school.pk], now)
            if change:
                changes.append(change)
        return changes
