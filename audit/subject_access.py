"""Subject-access export (UK GDPR art. 15): everything the school holds on one family, as JSON and as
a printable page, for the head or the DSL to review (and redact where the law allows) before it is
sent. Every export is written to the access log.

Left out on purpose: the visit's code word (the staff's safety word, not the family's data) and the
other staff's own details beyond their names. Times are UK time (Europe/London)."""

import datetime

from django.db.models import Prefetch
from django.utils import timezone

from safety.models import Escalation
from visits.models import Visit, VisitEvent


def _person(user):
    return (user.get_full_name() or user.get_username()) if user else None


def _value(obj, name):
    field = obj._meta.get_field(name)
    if field.choices:
        value = getattr(obj, name)
        return getattr(obj, f"get_{name}_display")() if value not in (None, "") else None
    value = getattr(obj, name)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if field.is_relation:
        return _person(value) if value is not None and hasattr(value, "get_username") else (
            str(value) if value is not None else None)
    if value is None or isinstance(value, bool | int | float | dict | list):
        return value
    return str(value)


def _fields(obj, *names):
    return {name: _value(obj, name) for name in names}


def family_export(family) -> dict:
    """Everything held on `family`, as plain data (JSON-ready), in a fixed order."""
    visits = (Visit.objects.filter(family=family).order_by("planned_start", "pk")
              .select_related("lead", "decided_by", "report__filed_by", "risk_assessment__reviewed_by")
              .prefetch_related(
                  "staff", "children",
                  Prefetch("events", queryset=VisitEvent.objects.select_related("actor", "on_behalf_of")),
                  "risk_assessment__hazards", "report__actions__owner", "incidents__recorded_by",
                  Prefetch("escalations", queryset=Escalation.objects.prefetch_related("contact_attempts__by")
                           .select_related("acknowledged_by", "resolved_by")),
              ))
    data = {
        "exported_at": timezone.localtime().isoformat(timespec="minutes"),
        "school": family.school.name,
        "family": {
            **_fields(family, "display_name", "address_line1", "address_line2", "town", "postcode", "phone",
                      "phone_alt", "preferred_language", "interpreter_needed", "notes", "dangerous_animals",
                      "animals_details", "previous_incidents", "people_not_to_be_present", "offer_status",
                      "offer_status_date", "created_at", "updated_at", "anonymised_at"),
            "shared_with": [_person(u) for u in family.shared_with.all()],
        },
        "children": [_fields(c, "first_name", "last_name", "date_of_birth", "class_name", "left_school_on")
                     for c in family.children.all()],
        "carers": [_fields(c, "name", "relationship", "phone", "parental_responsibility")
                   for c in family.carers.all()],
        "visits": [_visit(v) for v in visits],
        "safeguarding_concerns": [
            _fields(c, "raised_at", "raised_by", "status", "details", "cpoms_reference", "dsl_notes", "updated_at")
            for c in family.concerns.select_related("raised_by").order_by("raised_at", "pk")],
    }
    return data


def _visit(v) -> dict:
    ra = getattr(v, "risk_assessment", None)
    report = getattr(v, "report", None)
    return {
        **_fields(v, "planned_start", "expected_return", "duration_minutes", "purpose", "purpose_other", "announced",
                  "unannounced_reason", "letter_sent_on", "address", "contact_phone", "state", "lead", "notes",
                  "decided_by", "decided_at", "decision_reason", "cancel_reason", "departed_at", "returned_at"),
        "staff": [_person(u) for u in v.staff.all()],
        "children": [f"{c.first_name} {c.last_name}" for c in v.children.all()],
        "events": [_fields(e, "at", "kind", "actor", "on_behalf_of", "how", "note") for e in v.events.all()],
        "risk_assessment": None if ra is None else {
            **_fields(ra, "vulnerable_persons", "safeguarding_team_aware", "risk_of_harm_high",
                      "perpetrator_may_be_present", "aggression_or_intoxication", "animals_separate_room",
                      "reviewed_by", "reviewed_at"),
            "hazards": [_fields(h, "kind", "description", "who_may_be_harmed", "severity", "likelihood", "controls")
                        for h in ra.hazards.all()],
        },
        "escalations": [{
            **_fields(e, "created_at", "level", "reason", "acknowledged_by", "acknowledged_at", "resolved_by",
                      "resolved_at", "resolution_note", "outcome", "outcome_note"),
            "contact_attempts": [_fields(a, "at", "step", "outcome", "by", "note") for a in e.contact_attempts.all()],
        } for e in v.escalations.all()],
        "report": None if report is None else {
            **_fields(report, "outcome", "who_was_seen", "summary", "internal_notes", "child_interests",
                      "favourite_story", "favourite_toy", "known_children", "anxieties_and_strategies",
                      "parent_questions", "next_visit_date", "filed_by", "filed_at"),
            "follow_up_actions": [_fields(a, "action", "owner", "due_on", "done_at") for a in report.actions.all()],
        },
        "incidents": [_fields(i, "occurred_at", "what_happened", "people_involved", "injuries", "police_involved",
                              "police_reference", "recorded_by", "recorded_at") for i in v.incidents.all()],
    }


SINGULAR = {"children": "child", "carers": "carer", "visits": "visit", "events": "event", "hazards": "hazard",
            "escalations": "escalation", "contact_attempts": "contact attempt", "incidents": "incident",
            "safeguarding_concerns": "safeguarding concern", "follow_up_actions": "follow-up action"}


def _readable_time(text: str) -> str:
    """An exported local time (ISO 8601 with offset) as the page shows it."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text
    return f"{moment:%a %d %b %Y %H:%M}"


def as_tree(value, label=""):
    """The export as nodes the printable page renders recursively (audit/_node.html)."""
    nice = label.replace("_", " ").capitalize()
    if isinstance(value, dict):
        return {"kind": "map", "label": nice, "items": [as_tree(v, k) for k, v in value.items()]}
    if isinstance(value, list):
        one = SINGULAR.get(label, label)
        return {"kind": "list", "label": nice, "items": [as_tree(v, f"{one} {n}") for n, v in enumerate(value, 1)]}
    if isinstance(value, str) and len(value) in (22, 25) and value[10:11] == "T":
        value = _readable_time(value)
    if value is True:
        value = "Yes"
    elif value is False:
        value = "No"
    elif value is None or value == "":
        value = "—"
    return {"kind": "text", "label": nice, "value": value}
