"""R-SAFEGUARD and R-CONFIDENTIAL: a concern goes to the DSL and head at once, and only they read it."""

import pytest

from accounts import roles
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff
from notifications.models import Notification
from safety.models import ConcernStatus, SafeguardingConcern

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    school = SchoolFactory()
    people = {r: make_staff(school, r) for r in roles.ALL_ROLES}
    people["colleague"] = make_staff(school)
    visit = VisitFactory(family=FamilyFactory(school=school), school=school, lead=people[roles.VISITING_STAFF],
                         staff=[people[roles.VISITING_STAFF], people["colleague"]])
    return people, visit


def raise_one(client, people, visit, text="Bruise on the left arm; child said 'daddy was cross'."):
    client.force_login(people[roles.VISITING_STAFF])
    return client.post(f"/families/{visit.family_id}/concern/?visit={visit.pk}", {"details": text})


def test_a_visitor_raises_a_concern_and_the_dsl_and_head_are_told_at_once(client, world):
    people, visit = world
    response = raise_one(client, people, visit)
    assert response.status_code == 302
    concern = SafeguardingConcern.objects.get()
    assert concern.visit == visit and concern.status == ConcernStatus.OPEN
    told = set(Notification.objects.values_list("recipient", flat=True))
    assert told == {people[roles.DSL].pk, people[roles.HEAD].pk}
    bodies = " ".join(Notification.objects.values_list("body", flat=True))
    assert "Bruise" not in bodies  # only a link, never the details


def test_only_the_dsl_and_head_can_read_it(client, world):
    people, visit = world
    raise_one(client, people, visit)
    concern = SafeguardingConcern.objects.get()
    for role in (roles.VISITING_STAFF, roles.OFFICE, roles.SCHOOL_ADMIN, "colleague"):
        client.force_login(people[role])
        assert client.get(f"/concerns/{concern.pk}/").status_code == 404, role
    for role in (roles.DSL, roles.HEAD):
        client.force_login(people[role])
        assert "daddy was cross" in client.get(f"/concerns/{concern.pk}/").content.decode()
    other_dsl = make_staff(SchoolFactory(), roles.DSL)
    client.force_login(other_dsl)
    assert client.get(f"/concerns/{concern.pk}/").status_code == 404


def test_the_dsl_records_the_cpoms_reference_and_status(client, world):
    people, visit = world
    raise_one(client, people, visit)
    concern = SafeguardingConcern.objects.get()
    client.force_login(people[roles.DSL])
    response = client.post(f"/concerns/{concern.pk}/", {"status": "referred", "cpoms_reference": "CP-2231",
                                                         "dsl_notes": "Referred to MASH."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert (concern.status, concern.cpoms_reference) == ("referred", "CP-2231")


def test_an_empty_concern_is_refused(client, world):
    people, visit = world
    response = raise_one(client, people, visit, text="")
    assert response.status_code == 200
    assert not SafeguardingConcern.objects.exists()


def test_a_concern_about_a_family_you_cannot_see_is_404(client, world):
    people, visit = world
    stranger = make_staff(visit.school)
    client.force_login(stranger)
    assert client.post(f"/families/{visit.family_id}/concern/", {"details": "x"}).status_code == 404
