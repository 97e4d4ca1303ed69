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
def out_by_car(world, clock):
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
    assert "Arrived, feels safe at Wed 10 Jun 10:20" in page  # last event and its time (London time)
    assert 'data-testid="pack-last-contact">Wed 10 Jun 10:20' in page
    assert "Dangerous animals: Large dog" in page and "Mr X (court order)" in page
    assert "At the visit: 14 Elm Road" in page  # last known location
    assert "<img" not in page  # photo-free


def test_it_says_so_when_no_car_is_used(client, world, clock):
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
