"""Subject-access export of one family (UK GDPR art. 15): everything held on it, as JSON and as a
printable page, for the head and the DSL only (others 404), each export logged."""

import json

import pytest

from audit.models import AccessKind, AccessLog
from homevisits.factories import FamilyFactory, as_user

from .retention_world import SECRET, household

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


@pytest.fixture
def full_family(school, people):
    return household(school, people, concern=True)


def export(client, family):
    response = client.get(f"/families/{family.pk}/subject-access.json")
    assert response.status_code == 200
    assert 'attachment; filename="subject-access-family-' in response["Content-Disposition"]
    return json.loads(response.content)


@pytest.mark.parametrize("who", ["head", "dsl"])
def test_it_exports_everything_held_on_the_family(client, people, full_family, who):
    data = export(as_user(client, people[who]), full_family)
    assert list(data) == ["exported_at", "school", "family", "children", "carers", "visits", "safeguarding_concerns"]
    assert data["family"]["display_name"] == f"Khan family {SECRET}"
    assert data["family"]["address_line1"] == f"1 {SECRET} Road"
    assert data["family"]["phone"] == "+447700900111"
    assert data["family"]["shared_with"] == [people["teacher"].get_full_name()]
    assert data["children"][0]["first_name"] == f"Aisha{SECRET}"
    assert data["carers"][0] == {"name": f"Sara {SECRET}", "relationship": "Mother", "phone": "+447700900222",
                                 "parental_responsibility": True}
    visit = data["visits"][0]
    assert visit["planned_start"] == "2019-03-05T10:00+00:00"
    assert [e["note"] for e in visit["events"]] == ["", f"Stuck {SECRET}", ""]
    assert visit["risk_assessment"]["vulnerable_persons"] == f"Grandad {SECRET}"
    assert f"Dog {SECRET}" in [h["description"] for h in visit["risk_assessment"]["hazards"]]
    assert visit["escalations"][0]["contact_attempts"][0]["note"] == f"Said {SECRET}"
    assert visit["report"]["summary"] == f"Talked {SECRET}"
    assert visit["report"]["follow_up_actions"][0]["action"] == f"Ring {SECRET}"
    assert visit["incidents"][0]["what_happened"] == f"Shouted {SECRET}"
    assert data["safeguarding_concerns"][0]["details"] == f"Bruise {SECRET}"
    assert data["safeguarding_concerns"][0]["dsl_notes"] == f"Rang {SECRET}"


def test_it_leaves_out_the_code_word(client, people, full_family):
    text = as_user(client, people["head"]).get(f"/families/{full_family.pk}/subject-access.json").content.decode()
    assert "code_word" not in text
    assert SECRET.lower() not in text.replace(SECRET, "")  # the code word is the secret in lower case


def test_the_printable_page_shows_the_same(client, people, full_family):
    page = as_user(client, people["dsl"]).get(f"/families/{full_family.pk}/subject-access/")
    assert page.status_code == 200
    text = page.content.decode()
    for expected in (f"1 {SECRET} Road", f"Sara {SECRET}", f"Stuck {SECRET}", f"Talked {SECRET}",
                     f"Bruise {SECRET}", "Safeguarding concerns", "data-print"):
        assert expected in text


def test_it_logs_every_export(client, people, full_family):
    as_user(client, people["dsl"])
    client.get(f"/families/{full_family.pk}/subject-access.json")
    client.get(f"/families/{full_family.pk}/subject-access/")
    logs = AccessLog.objects.filter(kind=AccessKind.EXPORT)
    assert [(log.user, log.object_id, log.family_id) for log in logs] == [
        (people["dsl"], full_family.pk, full_family.pk)] * 2


@pytest.mark.parametrize("who", ["teacher", "office", "admin", "other_head", "other_dsl"])
def test_it_is_not_there_for_anyone_else(client, people, full_family, who):
    as_user(client, people[who])
    assert client.get(f"/families/{full_family.pk}/subject-access.json").status_code == 404
    assert client.get(f"/families/{full_family.pk}/subject-access/").status_code == 404
    assert not AccessLog.objects.filter(kind=AccessKind.EXPORT).exists()


def test_another_schools_family_is_not_found(client, people, other_school):
    theirs = FamilyFactory(school=other_school)
    as_user(client, people["head"])
    assert client.get(f"/families/{theirs.pk}/subject-access.json").status_code == 404


def test_the_family_page_offers_it_to_the_head_and_dsl_only(client, people, full_family):
    url = f"/families/{full_family.pk}/subject-access/".encode()
    assert url in as_user(client, people["dsl"]).get(full_family.get_absolute_url()).content
    assert url not in as_user(client, people["office"]).get(full_family.get_absolute_url()).content
