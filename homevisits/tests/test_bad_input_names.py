"""Bad input: names with diacritics, apostrophes, right-to-left scripts and emoji are kept exactly,
through the form, the database (SQLite here; PostgreSQL when DATABASE_URL points at it) and back
into the edit form, and shown as typed (escaped) on the page."""

import unicodedata

import pytest
from django.urls import reverse
from django.utils.html import escape

from homevisits.tests.formposts import family_data
from visits.models import Carer, Child, Family

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_8am_gmt")]

NAMES = {
    "diacritics and apostrophe": "Zoë O'Brien-Łukasiewicz",
    "decomposed diacritic": unicodedata.normalize("NFD", "Zoë Ñúñez"),  # e + combining diaeresis: not normalised
    "right to left": "محمد",
    "right to left with latin": "Family of محمد Al-Hassan",
    "emoji with joiner": "👩‍👧",
    "hebrew and niqqud": "שָׁלוֹם",
    "chinese": "王小明",
}


@pytest.mark.parametrize("label", NAMES)
def test_it_keeps_names_exactly_through_the_form_the_database_and_back(client, people, label):
    name = NAMES[label]
    client.force_login(people["office"])
    response = client.post(reverse("visits:family-create"), family_data(
        {"display_name": name, "address_line1": f"1 {name} Street"},
        children=[{"first_name": name, "last_name": name}], carers=[{"name": name}]))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    family = Family.objects.get()
    family.refresh_from_db()
    child, carer = Child.objects.get(), Carer.objects.get()
    assert (family.display_name, child.first_name, child.last_name, carer.name) == (name, name, name, name)
    assert family.address_line1 == f"1 {name} Street"
    assert family.display_name.encode("utf-8") == name.encode("utf-8")  # not even normalised

    # Shown as typed on the page, and in the edit form ready to be saved again unchanged.
    page = client.get(family.get_absolute_url()).content.decode()
    assert escape(name) in page
    edit = client.get(reverse("visits:family-edit", args=[family.pk])).content.decode()
    assert f'value="{escape(name)}"' in edit
    again = family_data({"display_name": name, "address_line1": f"1 {name} Street"},
                        **{"children-TOTAL_FORMS": "1", "children-INITIAL_FORMS": "1", "children-0-id": child.pk,
                           "children-0-first_name": name, "children-0-last_name": name,
                           "children-0-date_of_birth": "2021-03-14", "children-0-class_name": "Reception"})
    assert client.post(reverse("visits:family-edit", args=[family.pk]), again).status_code == 302
    family.refresh_from_db()
    child.refresh_from_db()
    assert (family.display_name, child.first_name) == (name, name)


@pytest.mark.parametrize("label", ["diacritics and apostrophe", "right to left", "emoji with joiner"])
def test_it_finds_a_family_by_a_name_typed_as_stored(client, people, school, label):
    name = NAMES[label]
    Family.objects.create(school=school, display_name=name, address_line1="1 Mill Lane", postcode="NN4 9BX")
    Family.objects.create(school=school, display_name="Smith family", address_line1="2 Mill Lane", postcode="NN4 9BX")
    client.force_login(people["office"])
    listed = list(client.get(reverse("visits:family-list"), {"q": name}).context["families"])
    assert [f.display_name for f in listed] == [name]


def test_a_name_at_its_full_length_in_emoji_fits_on_every_database(client, people):
    # max_length counts characters, not bytes: 150 four-byte characters are a valid name.
    name = "👩" * 150
    client.force_login(people["office"])
    assert client.post(reverse("visits:family-create"), family_data({"display_name": name})).status_code == 302
    assert Family.objects.get().display_name == name
