"""Families: create and edit with children and parents/carers in one form, nothing half-saved;
known risks and the visit offer (R-OFFER); search and who may edit."""

import pytest
from django.urls import reverse

from homevisits.factories import ChildFactory, FamilyFactory
from visits.models import Carer, Child, Family

from .planning import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]
CREATE = reverse("visits:family-create")


def family_data(**overrides):
    data = {
        "display_name": "Nowak family", "address_line1": "Flat 2, 77 High Street", "address_line2": "",
        "town": "Northampton", "postcode": "nn1 2qe", "phone": "07700 900203", "phone_alt": "",
        "preferred_language": "Polish", "interpreter_needed": "on", "notes": "",
        "dangerous_animals": "", "animals_details": "", "previous_incidents": "", "people_not_to_be_present": "",
        "offer_status": "accepted", "offer_status_date": "2026-11-20",
        "children-TOTAL_FORMS": "1", "children-INITIAL_FORMS": "0", "children-MIN_NUM_FORMS": "0",
        "children-MAX_NUM_FORMS": "1000", "children-0-first_name": "Zofia", "children-0-last_name": "Nowak",
        "children-0-date_of_birth": "2020-11-30", "children-0-class_name": "Year 1",
        "carers-TOTAL_FORMS": "1", "carers-INITIAL_FORMS": "0", "carers-MIN_NUM_FORMS": "0",
        "carers-MAX_NUM_FORMS": "1000", "carers-0-name": "Anna Nowak", "carers-0-relationship": "Mother",
        "carers-0-phone": "07700 900333", "carers-0-parental_responsibility": "on",
    }
    data.update(overrides)
    return data


def test_the_office_adds_a_family_with_its_children_and_carers(client, office, school):
    response = login(client, office).post(CREATE, family_data())
    family = Family.objects.get()
    assert response["Location"] == family.get_absolute_url()
    assert family.school == school and family.postcode == "NN1 2QE"  # stored in its standard form
    assert family.offer_status == "accepted"  # R-OFFER
    assert [str(c) for c in family.children.all()] == ["Zofia Nowak"]
    assert family.carers.get().parental_responsibility is True


def test_a_bad_postcode_saves_nothing(client, office):
    response = login(client, office).post(CREATE, family_data(postcode="ZZ9 9ZZ"))
    assert response.status_code == 200
    assert "UK postcode" in " ".join(response.context["form"].errors["postcode"])
    assert not Family.objects.exists() and not Child.objects.exists() and not Carer.objects.exists()


def test_a_bad_child_row_saves_nothing(client, office):
    response = login(client, office).post(CREATE, family_data(**{"children-0-date_of_birth": "2030-01-01"}))
    assert response.status_code == 200
    assert not Family.objects.exists()


def test_dangerous_animals_must_be_described(client, office):
    # R-ANIMALS: the letter and the risk assessment name them.
    response = login(client, office).post(CREATE, family_data(dangerous_animals="on"))
    assert response.context["form"].errors["animals_details"]


def test_an_answered_offer_needs_its_date(client, office):
    # R-OFFER
    response = login(client, office).post(CREATE, family_data(offer_status_date=""))
    assert response.context["form"].errors["offer_status_date"]


def test_a_teacher_adding_a_family_for_their_visit_can_then_see_it(client, teacher):
    response = login(client, teacher).post(CREATE, family_data())
    family = Family.objects.get()
    assert teacher in family.shared_with.all()
    assert client.get(response["Location"]).status_code == 200


def test_the_office_edits_a_family_and_removes_a_child(client, office, school):
    family = FamilyFactory(school=school)
    child = ChildFactory(family=family)
    data = family_data(**{
        "children-TOTAL_FORMS": "1", "children-INITIAL_FORMS": "1", "children-0-id": child.pk,
        "children-0-first_name": child.first_name, "children-0-last_name": child.last_name,
        "children-0-date_of_birth": "2021-03-14", "children-0-class_name": "R", "children-0-DELETE": "on",
        "carers-TOTAL_FORMS": "0"})
    response = login(client, office).post(reverse("visits:family-edit", args=[family.pk]), data)
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.display_name == "Nowak family" and not family.children.exists()


def test_search_by_name_or_postcode(client, office, school):
    khan = FamilyFactory(school=school, display_name="Khan family", postcode="NN4 9BX")
    smith = FamilyFactory(school=school, display_name="Smith family", postcode="NN1 2QE")
    login(client, office)

    def found(q):
        return list(client.get(reverse("visits:family-list"), {"q": q}).context["families"])

    assert found("khan") == [khan]
    assert found("NN1 2QE") == [smith]
    assert found("nn12qe") == [smith]  # typed without the space
    assert found("NN") == [khan, smith]


def test_the_family_list_is_paginated(client, office, school):
    FamilyFactory.create_batch(30, school=school)
    response = login(client, office).get(reverse("visits:family-list"))
    assert len(response.context["families"]) == 25 and response.context["is_paginated"]


def test_the_head_shares_a_family_with_a_teacher(client, head, teacher, school):
    # R-CONFIDENTIAL: "plus what the head lets them see".
    family = FamilyFactory(school=school)
    url = reverse("visits:family-detail", args=[family.pk])
    assert login(client, teacher).get(url).status_code == 404
    data = family_data(shared_with=[teacher.pk], **{"children-TOTAL_FORMS": "0", "carers-TOTAL_FORMS": "0"})
    response = login(client, head).post(reverse("visits:family-edit", args=[family.pk]), data)
    assert response.status_code == 302
    assert list(family.shared_with.all()) == [teacher]
    assert login(client, teacher).get(url).status_code == 200


def test_the_office_cannot_share_a_family(client, office, teacher, school):
    family = FamilyFactory(school=school)
    response = login(client, office).get(reverse("visits:family-edit", args=[family.pk]))
    assert "shared_with" not in response.context["form"].fields
    data = family_data(shared_with=[teacher.pk], **{"children-TOTAL_FORMS": "0", "carers-TOTAL_FORMS": "0"})
    client.post(reverse("visits:family-edit", args=[family.pk]), data)
    assert not family.shared_with.exists()
