"""A school admin reads notifications and escalations in the Django admin: own school only, read-only."""

import datetime

import pytest

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff
from notifications.models import Notification
from safety.models import Escalation
from safety.watchdog import scan

pytestmark = pytest.mark.django_db


def test_a_school_admin_reads_their_schools_alerts_and_deliveries_only(client, out_visit, people, school):
    visit = out_visit()
    scan(visit.expected_return + datetime.timedelta(minutes=15))
    admin_user = make_staff(school, roles.SCHOOL_ADMIN)
    admin_user.is_staff = True
    admin_user.save()
    elsewhere = make_staff(SchoolFactory(), roles.SCHOOL_ADMIN)
    elsewhere.is_staff = True
    elsewhere.save()
    esc, note = Escalation.objects.get(), Notification.objects.first()

    client.force_login(admin_user)
    assert client.get("/admin/notifications/notification/").context["cl"].result_count == Notification.objects.count()
    assert client.get("/admin/safety/escalation/").context["cl"].result_count == 1
    assert client.get(f"/admin/safety/escalation/{esc.pk}/delete/").status_code == 403
    response = client.post(f"/admin/notifications/notification/{note.pk}/change/", {"status": "sent"})
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.status == "queued"  # unchanged: waiting to send

    client.force_login(elsewhere)
    assert client.get("/admin/notifications/notification/").context["cl"].result_count == 0
    assert client.get("/admin/safety/escalation/").context["cl"].result_count == 0
