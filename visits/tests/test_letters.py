"""The letter to the family (R-INFORM) and the "sorry you weren't in" slip (R-NOTHOME): the right
names, times and school contact; never the code word; animals asked to be kept apart (R-ANIMALS)."""

import pytest
from django.urls import reverse

from accounts.models import School, SchoolLogo
from homevisits.factories import ChildFactory
from visits.models import Carer

from .planning import login, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


@pytest.fixture
def visit(family, teacher, ta):
    teacher.first_name, teacher.last_name = "Tom", "Baker"
    teacher.save()
    ta.first_name, ta.last_name = "Asha", "Patel"
    ta.save()
    family.school.name = "Oakfield Primary"
    family.school.save()
    Carer.objects.create(family=family, name="Sara Khan", relationship="Mother", parental_responsibility=True)
    child = ChildFactory(family=family, first_name="Aisha", last_name="Khan")
    v = plan(family, teacher, ta, code_word="marigold")
    v.children.set([child])
    return v


def test_the_letter_names_the_staff_time_purpose_and_school(client, visit, teacher):
    page = login(client, teacher).get(reverse("visits:visit-letter", args=[visit.pk])).content.decode()
    assert "Tom Baker" in page and "Asha Patel" in page
    assert "Wednesday 25 November 2026" in page and "10:00 am" in page
    assert "New starter / induction" in page
    assert "Oakfield Primary" in page and "01604 496000" in page
    assert "Dear Sara Khan" in page and "Aisha" in page


def test_the_letter_never_shows_the_code_word(client, visit, head):
    # R-SAFEWORD: even for the head, who may see it on the visit page.
    page = login(client, head).get(reverse("visits:visit-letter", args=[visit.pk])).content.decode()
    assert "marigold" not in page


def test_the_letter_asks_for_dangerous_animals_to_be_kept_apart(client, visit, teacher):
    login(client, teacher)
    url = reverse("visits:visit-letter", args=[visit.pk])
    assert "separate room" not in client.get(url).content.decode()
    visit.family.dangerous_animals, visit.family.animals_details = True, "Large dog"
    visit.family.save()
    assert "Please keep your animals in a separate room" in client.get(url).content.decode()


def test_the_slip_has_the_time_staff_and_school_number(client, visit, teacher):
    # R-NOTHOME
    page = login(client, teacher).get(reverse("visits:visit-slip", args=[visit.pk])).content.decode()
    assert "Sorry we missed you" in page
    assert "10:00 am" in page and "Tom Baker" in page and "Asha Patel" in page and "01604 496000" in page
    assert "marigold" not in page
    assert "Aisha" not in page  # nothing about the child on a slip left at the door


def test_letters_print_without_the_page_furniture(client, visit, teacher):
    page = login(client, teacher).get(reverse("visits:visit-letter", args=[visit.pk])).content.decode()
    assert 'class="letter"' in page and "d-print-none" in page
    assert "onclick" not in page and "<script>" not in page  # strict CSP: no inline script


def test_sending_the_letter_is_recorded(client, visit, teacher):
    # R-INFORM: the family is told in writing; the date is on the plan and in its history.
    response = login(client, teacher).post(reverse("visits:visit-letter-sent", args=[visit.pk]))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert str(visit.letter_sent_on) == "2026-11-24"
    assert visit.events.filter(note__startswith="Letter to the family sent").exists()


def test_the_school_admin_cannot_record_a_letter(client, visit, school_admin):
    response = login(client, school_admin).post(reverse("visits:visit-letter-sent", args=[visit.pk]))
    assert response.status_code == 403


def test_the_letter_uses_the_schools_greeting_and_sign_off(client, visit, teacher):
    # R-INFORM: the school's own wording (its settings page, Letters).
    url = reverse("visits:visit-letter", args=[visit.pk])
    page = login(client, teacher).get(url).content.decode()
    assert "Dear Sara Khan," in page and "Yours sincerely," in page
    visit.school.letter_greeting, visit.school.letter_sign_off = "Hello", "With best wishes"
    visit.school.save()
    page = client.get(url).content.decode()
    assert "Hello Sara Khan," in page and "With best wishes," in page
    assert "Dear Sara Khan" not in page and "Yours sincerely" not in page


def test_the_wording_is_never_markup(client, visit, teacher):
    # Stored text is escaped on the page, whatever reached the database.
    School.objects.filter(pk=visit.school_id).update(letter_sign_off="<script>x()</script>")
    page = login(client, teacher).get(reverse("visits:visit-letter", args=[visit.pk])).content.decode()
    assert "<script>x()</script>" not in page and "&lt;script&gt;" in page


def test_the_letter_and_slip_carry_the_schools_logo_inside_the_page(client, visit, teacher):
    login(client, teacher)
    letter, slip = (reverse("visits:visit-letter", args=[visit.pk]), reverse("visits:visit-slip", args=[visit.pk]))
    assert 'data-testid="letter-logo"' not in client.get(letter).content.decode()
    SchoolLogo.objects.create(school=visit.school, png=b"\x89PNG-made-by-the-server", width=300, height=100,
                              digest="0" * 64)
    page = client.get(letter).content.decode()
    assert 'data-testid="letter-logo"' in page
    assert 'src="data:image/png;base64,iVBORy1tYWRlLWJ5LXRoZS1zZXJ2ZXI="' in page
    assert 'width="300" height="100"' in page
    assert "data:image/png;base64," in client.get(slip).content.decode()
