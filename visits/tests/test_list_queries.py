"""List pages cost the same number of queries for 1 row as for 50."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from homevisits.factories import ChildFactory, FamilyFactory, make_staff
from visits import services
from visits.models import VisitState

from .planning import TOMORROW, login, make_ready, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def families(school, n):
    for _ in range(n):
        ChildFactory(family=FamilyFactory(school=school))


def visits(school, n, teacher, state=None, offset=0):
    """n visits with the teacher, one per hour 08:00-15:00, day after day (no double booking)."""
    made = []
    for i in range(offset, offset + n):
        family = FamilyFactory(school=school)
        day = TOMORROW + datetime.timedelta(days=i // 8)
        visit = plan(family, teacher, make_staff(school), day=day, start=(8 + i % 8, 0), minutes_back=50)
        if state == VisitState.SUBMITTED:
            visit = services.submit(make_ready(visit), teacher)
        made.append(visit)
    return made


@pytest.mark.parametrize("who", ["office", "teacher"])
def test_the_family_list(client, request, school, teacher, who, django_assert_max_num_queries):
    user = request.getfixturevalue(who)
    login(client, user)
    url = reverse("visits:family-list")
    visits(school, 1, teacher)
    one = queries_for(client, url)
    visits(school, 49, teacher, offset=1)
    families(school, 10)
    with django_assert_max_num_queries(one):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["office", "teacher"])
def test_the_visit_list(client, request, school, teacher, who, django_assert_max_num_queries):
    login(client, request.getfixturevalue(who))
    url = reverse("visits:visit-list") + "?show=all"
    visits(school, 1, teacher)
    one = queries_for(client, url)
    visits(school, 49, teacher, offset=1)
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert len(response.context["visits"]) == 25


def test_the_approvals_queue(client, school, teacher, head, django_assert_max_num_queries):
    login(client, head)
    url = reverse("visits:approvals")
    visits(school, 1, teacher, VisitState.SUBMITTED)
    one = queries_for(client, url)
    visits(school, 49, teacher, VisitState.SUBMITTED, offset=1)
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert len(response.context["rows"]) == 50


@pytest.mark.parametrize("who", ["head", "teacher"])
def test_the_timetable(client, request, school, teacher, who, django_assert_max_num_queries):
    login(client, request.getfixturevalue(who))
    url = reverse("visits:timetable") + f"?week={TOMORROW:%Y-%m-%d}"
    visits(school, 1, teacher)
    one = queries_for(client, url)
    visits(school, 30, teacher, offset=1)  # four days' worth, all in this week
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert sum(len(d["visits"]) for d in response.context["days"]) == 31
