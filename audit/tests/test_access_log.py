"""R-CONFIDENTIAL: reading a family's record or a safeguarding concern is itself logged."""

import pytest

from audit.models import AccessKind, AccessLog
from homevisits.factories import TUESDAY_GMT as NOW
from homevisits.factories import as_user
from safety.concerns import raise_concern

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def test_it_logs_who_read_a_family_and_when(client, people, family, child):
    response = as_user(client, people["office"]).get(f"/families/{family.pk}/")
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.kind, log.object_id, log.family_id, log.school) == (
        people["office"], AccessKind.FAMILY, family.pk, family.pk, family.school)
    assert log.at == NOW


def test_it_logs_every_read_not_just_the_first(client, people, family, child):
    as_user(client, people["office"])
    client.get(f"/families/{family.pk}/")
    client.get(f"/families/{family.pk}/")
    assert AccessLog.objects.filter(kind=AccessKind.FAMILY).count() == 2


def test_it_logs_who_read_a_safeguarding_concern(client, people, family, child):
    concern = raise_concern(family, "Bruise on the arm", people["teacher"], now=NOW)
    response = as_user(client, people["dsl"]).get(f"/concerns/{concern.pk}/")
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.kind, log.object_id, log.family_id) == (
        people["dsl"], AccessKind.CONCERN, concern.pk, family.pk)


def test_it_logs_nothing_when_the_record_is_not_shown(client, people, family, child):
    concern = raise_concern(family, "Bruise on the arm", people["teacher"], now=NOW)
    assert as_user(client, people["other_head"]).get(f"/families/{family.pk}/").status_code == 404
    assert client.get(f"/concerns/{concern.pk}/").status_code == 404
    assert as_user(client, people["office"]).get(f"/concerns/{concern.pk}/").status_code == 404
    assert not AccessLog.objects.exists()


def test_it_cannot_change_or_delete_an_access_log_entry(client, people, family, child):
    as_user(client, people["office"]).get(f"/families/{family.pk}/")
    log = AccessLog.objects.get()
    with pytest.raises(TypeError):
        log.save()
    with pytest.raises(TypeError):
        log.delete()
