"""Bad input: over-long text is refused with a clear message beside the field - never truncated,
never a database error.

Every text field of our models has a max_length; every text field of every form of the app (found
by importing the forms modules, so a new form is covered or this test asks to be taught about it)
has a max_length no longer than the column it fills, and refuses one character more.
"""

import datetime
import importlib
import inspect

import pytest
from django import forms
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone

from homevisits.factories import FamilyFactory, VisitFactory
from homevisits.tests.formposts import NOW, family_data, incident_data
from safety.models import SafeguardingConcern
from visits.models import Family, Incident, VisitState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_8am_gmt")]

OUR_APPS = ("accounts", "notifications", "visits", "safety", "audit")
FORM_MODULES = ("accounts.forms", "visits.forms", "visits.report_forms", "safety.forms", "safety.concern_forms",
                "audit.forms", "trusts.forms")


# Written by the system, never typed by anyone: a notification's body is built from a template.
NOT_TYPED = {"Notification.body"}


def unbounded_text_columns():
    return {f"{model.__name__}.{field.name}"
            for model in apps.get_models() if model._meta.app_label in OUR_APPS
            and not model.__name__.startswith("Historical")
            for field in model._meta.get_fields()
            if isinstance(field, models.TextField | models.CharField) and field.max_length is None} - NOT_TYPED


def test_every_text_column_of_our_models_has_a_max_length():
    missing = unbounded_text_columns()
    assert not missing, f"text fields without a max_length: {sorted(missing)}"


def test_the_school_address_has_a_max_length():
    assert "School.address" not in unbounded_text_columns()


# --- Every form of the app ------------------------------------------------------------------------

def our_forms():
    found = {}
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, forms.BaseForm) and cls.__module__ == module_name and not name.startswith("_")
                    and not inspect.isabstract(cls)):
                found[f"{module_name}.{name}"] = cls
    return found


def build(planned):
    """How to make each form (its keyword arguments)."""
    school, people, family, visit = planned
    return {
        "accounts.forms.CodeForm": {}, "accounts.forms.SetupCodeForm": {}, "accounts.forms.ResetRequestForm": {},
        "accounts.forms.SignInForm": {"request": None}, "accounts.forms.SafetyPinsForm": {"user": people["teacher"]},
        "visits.forms.FamilyForm": {"school": school, "may_share": True},
        "visits.forms.ChildForm": {}, "visits.forms.CarerForm": {},
        "visits.forms.VisitForm": {"user": people["teacher"], "school": school},
        "visits.forms.CancelForm": {}, "visits.forms.RefuseForm": {},
        "visits.forms.ApproveForm": {"gates": visit.gate_needs(["commute", "evening"])},
        "visits.forms.RiskAssessmentForm": {"family": family}, "visits.forms.HazardForm": {},
        "visits.forms.ChecklistForm": {}, "visits.forms.RoundForm": {"user": people["teacher"]},
        "trusts.forms.TrustRulesForm": {},
        "visits.report_forms.VisitReportForm": {"visit": visit},
        "visits.report_forms.FollowUpForm": {"school": school},
        "visits.report_forms.IncidentForm": {},
        "safety.forms.CheckInForm": {"now": NOW}, "safety.forms.PhoneCheckInForm": {"now": NOW, "visit": visit},
        "safety.forms.ContactAttemptForm": {"now": NOW}, "safety.forms.AcknowledgeForm": {},
        "safety.forms.AlarmOutcomeForm": {},
        "safety.concern_forms.ConcernForm": {}, "safety.concern_forms.ConcernUpdateForm": {},
        "audit.forms.ChangeFilterForm": {"school": school}, "audit.forms.ReadFilterForm": {"school": school},
    }


@pytest.fixture
def planned(school, people, world):
    """On the root world: a family with dogs, and a draft visit by the teacher and the TA tomorrow."""
    family = FamilyFactory(school=school, dangerous_animals=True, animals_details="Two dogs")
    start = timezone.now() + datetime.timedelta(days=1)
    visit = world.visit(VisitState.DRAFT, start=start, back=start + datetime.timedelta(minutes=75), family=family)
    return school, people, family, visit


def text_fields(form):
    """The fields people type free text into (not ids, codes we generate, choices or numbers)."""
    from phonenumber_field.formfields import PhoneNumberField

    return {name: field for name, field in form.fields.items()
            if isinstance(field, forms.CharField)
            and not isinstance(field, forms.UUIDField | PhoneNumberField | forms.EmailField)
            and not isinstance(field.widget, forms.HiddenInput)}


def test_it_knows_how_to_make_every_form(planned):
    unknown = sorted(set(our_forms()) - set(build(planned)))
    assert not unknown, f"new forms: add how to make them to build() so their lengths are checked: {unknown}"


@pytest.mark.parametrize("path", sorted(our_forms()))
def test_every_text_field_refuses_one_character_too_many(planned, path):
    cls = our_forms()[path]
    kwargs = build(planned)[path]
    form = cls(**kwargs)
    model = getattr(getattr(cls, "_meta", None), "model", None)
    problems = []
    for name, field in text_fields(form).items():
        if field.max_length is None:
            problems.append(f"{name}: no max_length")
            continue
        column = None
        if model is not None:
            try:
                column = model._meta.get_field(name).max_length
            except Exception:  # a form-only field
                column = None
        if column is not None and field.max_length > column:
            problems.append(f"{name}: the form allows {field.max_length}, the column holds {column}")
        limit = min(field.max_length, column or field.max_length)
        bound = cls(data={name: "x" * (limit + 1)}, **kwargs)
        bound.is_valid()
        messages = " ".join(bound.errors.get(name, []))
        if f"at most {limit} characters" not in messages:
            problems.append(f"{name}: {limit + 1} characters not refused with a message ({messages!r})")
        exact = cls(data={name: "x" * limit}, **kwargs)
        exact.is_valid()
        if any("at most" in m for m in exact.errors.get(name, [])):
            problems.append(f"{name}: refuses exactly {limit} characters")
    assert not problems, "\n".join(problems)


# --- Through the pages: a message on the form, nothing saved, nothing cut -----------------------

def test_a_151_character_family_name_is_refused_with_a_message_and_not_saved(client, people):
    client.force_login(people["office"])
    response = client.post(reverse("visits:family-create"), family_data({"display_name": "A" * 151}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ensure this value has at most 150 characters (it has 151)." in page
    assert "Nothing was saved" in page
    assert not Family.objects.exists()


def test_a_150_character_family_name_is_kept_whole(client, people):
    client.force_login(people["office"])
    assert client.post(reverse("visits:family-create"), family_data({"display_name": "A" * 150})).status_code == 302
    assert Family.objects.get().display_name == "A" * 150


def test_an_over_long_name_on_an_edit_leaves_the_stored_one_alone(client, people, school):
    family = FamilyFactory(school=school, display_name="Okafor family")
    client.force_login(people["office"])
    response = client.post(reverse("visits:family-edit", args=[family.pk]), family_data({"display_name": "B" * 151}))
    assert response.status_code == 200 and "at most 150 characters" in response.content.decode()
    family.refresh_from_db()
    assert family.display_name == "Okafor family"


def test_an_over_long_child_name_in_the_formset_is_refused(client, people):
    client.force_login(people["office"])
    response = client.post(reverse("visits:family-create"),
                           family_data(children=[{"first_name": "C" * 101}]))
    assert response.status_code == 200
    assert "Ensure this value has at most 100 characters (it has 101)." in response.content.decode()
    assert not Family.objects.exists()


def test_an_over_long_concern_is_refused_not_cut(client, people, school):
    family = FamilyFactory(school=school)
    client.force_login(people["office"])
    response = client.post(reverse("concerns:create", args=[family.pk]), {"details": "D" * 8001})
    assert response.status_code == 200
    assert "at most 8000 characters (it has 8001)" in response.content.decode()
    assert not SafeguardingConcern.objects.exists()


def test_an_over_long_incident_is_refused_not_cut(client, people, school):
    visit = VisitFactory(family=FamilyFactory(school=school), school=school, lead=people["teacher"],
                         staff=[people["teacher"], people["ta"]], state=VisitState.RETURNED)
    client.force_login(people["teacher"])
    response = client.post(reverse("reports:incident", args=[visit.pk]), incident_data(
        {"what_happened": "E" * 4001}, time="07:00"))
    assert response.status_code == 200
    assert "at most 4000 characters (it has 4001)" in response.content.decode()
    assert not Incident.objects.exists()
