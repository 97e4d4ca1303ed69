"""Visit events and contact attempts are append-only: the Django admin shows them but can neither
change nor delete them, whoever is signed in (a superuser included)."""

import pytest
from django.contrib import admin

from homevisits.factories import UserFactory, VisitFactory, as_user
from safety.models import ContactAttempt, ContactOutcome, ContactStep, Escalation, EscalationLevel, EscalationReason
from visits.events import record_event
from visits.models import EventKind, VisitEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def records(family, child, people):
    visit = VisitFactory(family=family, school=family.school)
    event = record_event(visit, EventKind.DEPARTED, people["teacher"], note="Left at nine")
    escalation = Escalation.objects.create(visit=visit, round=1, level=EscalationLevel.LATE,
                                           reason=EscalationReason.LATE_RETURN)
    attempt = ContactAttempt.objects.create(escalation=escalation, step=ContactStep.WORKER,
                                            outcome=ContactOutcome.NO_ANSWER, note="Voicemail", by=people["office"])
    return {"visitevent": event, "contactattempt": attempt}


@pytest.mark.parametrize("model", [VisitEvent, ContactAttempt])
def test_it_registers_the_model_read_only(model, rf, superuser):
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    request.user = superuser
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.parametrize("name,app", [("visitevent", "visits"), ("contactattempt", "safety")])
def test_it_shows_but_cannot_edit_or_delete_in_the_admin(client, superuser, records, name, app):
    obj = records[name]
    as_user(client, superuser)
    base = f"/admin/{app}/{name}/"
    assert client.get(base).status_code == 200
    page = client.get(f"{base}{obj.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content

    assert client.post(f"{base}{obj.pk}/change/", {"note": "Rewritten"}).status_code == 403
    assert client.get(f"{base}{obj.pk}/delete/").status_code == 403
    assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(base, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
                       ).status_code in (200, 302)
    assert client.get(f"{base}add/").status_code == 403
    obj.refresh_from_db()
    assert obj.note in ("Left at nine", "Voicemail")
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_school_admin_reads_their_own_schools_events_only(client, people, records):
    own, other = people["admin"], people["other_admin"]
    for user in (own, other):
        user.is_staff = True
        user.save()
    event = records["visitevent"]
    assert as_user(client, own).get(f"/admin/visits/visitevent/{event.pk}/change/").status_code == 200
    assert client.post(f"/admin/visits/visitevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    response = as_user(client, other).get(f"/admin/visits/visitevent/{event.pk}/change/")
    assert response.status_code == 404  # not found, never its data
    assert event.visit.family.display_name.encode() not in client.get("/admin/visits/visitevent/").content
