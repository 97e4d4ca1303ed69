"""The app's forms as a browser posts them, for the bad-input tests (test_bad_input_*.py).

Each helper takes the free-text values to type and fills the rest with something valid, so a test
can put one odd value in one field and see where it lands.
"""

import datetime

from visits.models import SafetyChecklist

# Tuesday 24 November 2026, 08:00 in London (GMT, so London = UTC).
NOW = datetime.datetime(2026, 11, 24, 8, 0, tzinfo=datetime.UTC)
TODAY = "2026-11-24"
TOMORROW = "2026-11-25"

FAMILY_TEXT = ["display_name", "address_line1", "address_line2", "town", "preferred_language", "notes",
               "animals_details", "previous_incidents", "people_not_to_be_present"]
CHILD_TEXT = ["first_name", "last_name", "class_name"]
CARER_TEXT = ["name", "relationship"]
VISIT_TEXT = ["purpose_other", "unannounced_reason", "address", "code_word", "notes"]
RISK_TEXT = ["vulnerable_persons"]
HAZARD_TEXT = ["description", "who_may_be_harmed", "controls"]
REPORT_TEXT = ["who_was_seen", "summary", "internal_notes", "child_interests", "favourite_story", "favourite_toy",
               "known_children", "anxieties_and_strategies", "parent_questions"]
ACTION_TEXT = ["action"]
INCIDENT_TEXT = ["what_happened", "people_involved", "injuries", "police_reference"]
CONCERN_TEXT = ["details"]
CONCERN_UPDATE_TEXT = ["cpoms_reference", "dsl_notes"]


def family_data(text=None, *, children=(), carers=(), **extra):
    """The family form with its children and carers formsets (new rows only)."""
    text = text or {}
    data = {
        "display_name": "Okafor family", "address_line1": "4 Mill Lane", "address_line2": "", "town": "Northampton",
        "postcode": "NN4 9BX", "phone": "", "phone_alt": "", "preferred_language": "English", "notes": "",
        "animals_details": "", "previous_incidents": "", "people_not_to_be_present": "",
        "offer_status": "not_offered", "offer_status_date": "",
        "children-TOTAL_FORMS": str(len(children)), "children-INITIAL_FORMS": "0",
        "carers-TOTAL_FORMS": str(len(carers)), "carers-INITIAL_FORMS": "0",
    }
    if text.get("animals_details"):
        data["dangerous_animals"] = "on"
    data.update({k: v for k, v in text.items() if k in FAMILY_TEXT})
    for i, child in enumerate(children):
        row = {"first_name": "Ada", "last_name": "Okafor", "date_of_birth": "2021-03-14", "class_name": "Reception"}
        row.update(child)
        data.update({f"children-{i}-{k}": v for k, v in row.items()})
    for i, carer in enumerate(carers):
        row = {"name": "Grace Okafor", "relationship": "Mother", "phone": "", "parental_responsibility": "on"}
        row.update(carer)
        data.update({f"carers-{i}-{k}": v for k, v in row.items()})
    data.update(extra)
    return data


def visit_data(family, lead, others, *, day=TOMORROW, start="10:00", back="11:30", **extra):
    data = {
        "family": family.pk, "purpose": "induction", "purpose_other": "", "announced": "True",
        "unannounced_reason": "", "letter_sent_on": "", "date": day, "start_time": start, "return_time": back,
        "duration_minutes": "45", "address": "", "contact_phone": "", "lead": lead.pk,
        "other_staff": [u.pk for u in others], "transport": "foot", "vehicle_owner": "", "office_contact": "",
        "code_word": "bluebell", "info_gathered": "on", "notes": "",
    }
    data.update(extra)
    return data


def risk_data(text=None, *, hazards=(), animals=False, reviewed=True):
    text = text or {}
    data = {
        "risk_of_harm_high": "False", "perpetrator_may_be_present": "False", "aggression_or_intoxication": "False",
        "vulnerable_persons": text.get("vulnerable_persons", ""), "safeguarding_team_aware": "True",
        "hazards-TOTAL_FORMS": str(len(hazards)), "hazards-INITIAL_FORMS": "0",
    }
    if animals:
        data["animals_separate_room"] = "True"
    if reviewed:
        data["reviewed"] = "on"
    for i, hazard in enumerate(hazards):
        row = {"kind": "other", "description": "Steep steps", "who_may_be_harmed": "Visiting staff",
               "severity": "1", "likelihood": "1", "controls": ""}
        row.update(hazard)
        data.update({f"hazards-{i}-{k}": v for k, v in row.items()})
    return data


def checklist_data():
    return {name: "on" for name, _ in SafetyChecklist.QUESTIONS}


def report_data(text=None, *, actions=(), owner=None, outcome="completed", next_visit_date=""):
    text = text or {}
    data = {"outcome": outcome, "next_visit_date": next_visit_date,
            "actions-TOTAL_FORMS": str(len(actions)), "actions-INITIAL_FORMS": "0"}
    data.update({k: text.get(k, "") for k in REPORT_TEXT})
    for i, action in enumerate(actions):
        row = {"action": "Send the reading pack", "owner": owner.pk if owner else "", "due_on": "2026-12-01"}
        row.update(action)
        data.update({f"actions-{i}-{k}": v for k, v in row.items()})
    return data


def incident_data(text=None, *, day=TODAY, time="08:00"):
    text = text or {}
    data = {"what_happened": "A dog ran out", "people_involved": "The family's neighbour", "injuries": "",
            "police_reference": "", "occurred_on": day, "occurred_time": time}
    data.update(text)
    return data
