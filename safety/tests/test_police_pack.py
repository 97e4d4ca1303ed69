"""R-POLICE: the page the office has at hand when the police are called."""

import re

import pytest
from django.urls import reverse

from safety.watchdog import check_in
from visits.models import EventKind

from .pages import at

pytestmark = pytest.mark.django_db


def url(visit):
    return reverse("safety:police-pack", args=[visit.pk])


@pytest.fixture
def out_by_car(world, clock_june_bst):
    visit = world.visit(transport="car", vehicle_owner=world.teacher, address="14 Elm Road, Northampton, NN4 9BX")
    visit.family.dangerous_animals = True
    visit.family.animals_details = "Large dog"
    visit.family.people_not_to_be_present = "Mr X (court order)"
    visit.family.save()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    check_in(visit, EventKind.ARRIVED, world.ta, now=at(10, 20))
    return visit


@pytest.mark.parametrize("who", ["office", "head", "dsl"])
def test_it_has_what_the_police_ask_for(client, world, out_by_car, who):
    client.force_login(getattr(world, who))
    response = client.get(url(out_by_car))
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", response.content.decode())
    for person in (world.teacher, world.ta):
        assert person.get_full_name() in page
    assert "07700 900101" in page and "07700 900102" in page  # mobiles
    assert "Reception teacher" in page and "Teaching assistant" in page  # description fields
    assert "14 Elm Road, Northampton, NN4 9BX" in page
    assert "AB12 CDE" in page and "Ford" in page and "Fiesta" in page and "Blue" in page
    # The time of last contact (London time), what it was and from whom.
    assert (f'data-testid="pack-last-contact">Wed 10 Jun 10:20: arrived, feels safe, {world.ta.get_full_name()}'
            in page)
    assert "Dangerous animals: Large dog" in page and "Mr X (court order)" in page
    assert "At the visit: 14 Elm Road" in page  # last known location
    assert "<img" not in page  # photo-free


def test_it_says_so_when_no_car_is_used(client, world, clock_june_bst):
    visit = world.visit(transport="foot")
    client.force_login(world.office)
    assert "No car used" in client.get(url(visit)).content.decode()


@pytest.mark.parametrize("who", ["other_teacher", "teacher"])
def test_visiting_staff_get_404(client, world, out_by_car, who):
    client.force_login(getattr(world, who))
    assert client.get(url(out_by_car)).status_code == 404


def test_another_schools_office_gets_404(client, world, out_by_car):
    from accounts import roles
    from homevisits.factories import SchoolFactory, make_staff

    client.force_login(make_staff(SchoolFactory(), roles.OFFICE))
    assert client.get(url(out_by_car)).status_code == 404


def test_it_lists_every_contact_step_already_tried(client, world, out_by_car):  # R-CONTACT-STEPS
    from safety.models import ContactOutcome, Escalation
    from safety.watchdog import record_contact, scan

    scan(at(11, 30))
    esc = Escalation.objects.get(visit=out_by_car)
    record_contact(esc, 1, ContactOutcome.NO_ANSWER, world.office, note="Straight to voicemail", now=at(11, 32))
    record_contact(esc, 2, ContactOutcome.MESSAGE_LEFT, world.head, now=at(11, 36))
    client.force_login(world.office)
    page = re.sub(r"\s+", " ", client.get(url(out_by_car)).content.decode())
    rows = page.split('data-testid="pack-attempts"', 1)[1].split("</table>", 1)[0]
    assert rows.count('data-testid="pack-attempt"') == 2
    assert (f"<td>11:32</td> <td>1. Call the member of staff</td> <td>No answer</td> "
            f"<td>{world.office.get_full_name()}</td> <td>Straight to voicemail</td>") in rows
    assert (f"<td>11:36</td> <td>2. Call the location of the visit</td> <td>Message left</td> "
            f"<td>{world.head.get_full_name()}</td>") in rows


def test_it_puts_who_is_still_out_first_and_says_who_is_back(client, world, out_by_car):  # R-RETURN
    check_in(out_by_car, EventKind.RETURNED, world.teacher, now=at(11, 10))
    client.force_login(world.office)
    page = re.sub(r"\s+", " ", client.get(url(out_by_car)).content.decode())
    assert "Staff still out" in page
    rows = re.findall(r'<tr data-testid="pack-staff"[^>]*>(.*?)</tr>', page)
    assert world.ta.get_full_name() in rows[0] and "<strong>Out</strong>" in rows[0]
    assert world.teacher.get_full_name() in rows[1] and "Back 11:10" in rows[1]


def test_no_rule_codes_on_the_pack(client, world, out_by_car):
    client.force_login(world.office)
    assert not re.search(r"R-[A-Z]", client.get(url(out_by_car)).content.decode())
