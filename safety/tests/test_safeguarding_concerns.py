"""R-SAFEGUARD and R-CONFIDENTIAL: a concern goes to the DSL and head at once, and only they read it."""

import datetime

import pytest
from django.utils import timezone

from homevisits.factories import make_staff
from notifications.models import Notification
from safety.models import ConcernStatus, SafeguardingConcern
from visits.models import VisitState

pytestmark = pytest.mark.django_db


def draft_visit(world):
    """A draft visit tomorrow by the root world's teacher and TA."""
    start = timezone.now() + datetime.timedelta(days=1)
    return world.visit(VisitState.DRAFT, start=start, back=start + datetime.timedelta(minutes=75))


def raise_one(client, world, visit, text="Bruise on the left arm; child said 'daddy was cross'."):
    client.force_login(world.teacher)
    return client.post(f"/families/{visit.family_id}/concern/?visit={visit.pk}", {"details": text})


def test_a_visitor_raises_a_concern_and_the_dsl_and_head_are_told_at_once(client, world):
    visit = draft_visit(world)
    response = raise_one(client, world, visit)
    assert response.status_code == 302
    concern = SafeguardingConcern.objects.get()
    assert concern.visit == visit and concern.status == ConcernStatus.OPEN
    told = set(Notification.objects.values_list("recipient", flat=True))
    assert told == {world.dsl.pk, world.head.pk}
    bodies = " ".join(Notification.objects.values_list("body", flat=True))
    assert "Bruise" not in bodies  # only a link, never the details


def test_only_the_dsl_and_head_can_read_it(client, world, other_dsl):
    visit = draft_visit(world)
    raise_one(client, world, visit)
    concern = SafeguardingConcern.objects.get()
    for person in (world.teacher, world.office, world.admin, world.ta):
        client.force_login(person)
        assert client.get(f"/concerns/{concern.pk}/").status_code == 404, person.username
    for person in (world.dsl, world.head):
        client.force_login(person)
        assert "daddy was cross" in client.get(f"/concerns/{concern.pk}/").content.decode()
    client.force_login(other_dsl)
    assert client.get(f"/concerns/{concern.pk}/").status_code == 404


def test_the_dsl_records_the_cpoms_reference_and_status(client, world):
    visit = draft_visit(world)
    raise_one(client, world, visit)
    concern = SafeguardingConcern.objects.get()
    client.force_login(world.dsl)
    response = client.post(f"/concerns/{concern.pk}/", {"status": "referred", "cpoms_reference": "CP-2231",
                                                         "dsl_notes": "Referred to MASH."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert (concern.status, concern.cpoms_reference) == ("referred", "CP-2231")


def test_an_empty_concern_is_refused(client, world):
    visit = draft_visit(world)
    response = raise_one(client, world, visit, text="")
    assert response.status_code == 200
    assert not SafeguardingConcern.objects.exists()


def test_a_concern_about_a_family_you_cannot_see_is_404(client, world):
    visit = draft_visit(world)
    stranger = make_staff(visit.school)
    client.force_login(stranger)
    assert client.post(f"/families/{visit.family_id}/concern/", {"details": "x"}).status_code == 404
