"""The menu shows each role only the planning pages it may use."""

import pytest
from django.urls import reverse

from .planning import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

APPROVALS, VISITS, FAMILIES, TIMETABLE = (reverse("visits:approvals"), reverse("visits:visit-list"),
                                          reverse("visits:family-list"), reverse("visits:timetable"))


def nav(client, user):
    page = login(client, user).get(TIMETABLE).content.decode()
    return page.split('id="mainnav"', 1)[1].split("</nav>", 1)[0]


def test_visiting_staff_see_my_visits_but_not_approvals(client, teacher):
    menu = nav(client, teacher)
    assert f'href="{VISITS}">My visits' in menu and FAMILIES in menu and TIMETABLE in menu
    assert APPROVALS not in menu


@pytest.mark.parametrize("who", ["head", "dsl"])
def test_approvers_see_the_approvals_queue(client, request, who):
    menu = nav(client, request.getfixturevalue(who))
    assert APPROVALS in menu and f'href="{VISITS}">Visits' in menu


def test_the_office_sees_visits_but_not_approvals(client, office):
    menu = nav(client, office)
    assert VISITS in menu and APPROVALS not in menu


def test_the_school_admin_sees_families_but_not_planning(client, school_admin):
    menu = nav(client, school_admin)
    assert FAMILIES in menu and VISITS not in menu and APPROVALS not in menu
