"""The audit page: the head of school and the school admin read their own school's changes and
reads, newest first, with what changed; filters; constant queries; 404 for everyone else."""

import datetime

import pytest

from audit.models import AccessKind, log_access
from homevisits.factories import TUESDAY_GMT as NOW
from homevisits.factories import FamilyFactory, VisitFactory, as_user
from safety.concerns import raise_concern, update_concern
from visits.models import Family

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def rename(family, name, by=None):
    family.display_name = name
    if by is not None:
        family._history_user = by
    family.save()


def changes(client, **params):
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("who", ["head", "admin"])
def test_it_shows_the_head_and_the_school_admin_what_changed_newest_first(client, people, family, child, who,
                                                                           clock_tuesday_gmt):
    clock_tuesday_gmt.move_to(NOW + datetime.timedelta(hours=1))
    rename(family, "Khan-Patel family", by=people["office"])
    page = changes(as_user(client, people[who]))
    entries = page.context["entries"]
    assert entries[0]["action"] == "Changed"
    assert entries[0]["who"] == people["office"].get_full_name()
    assert entries[0]["changes"] == [{"field": "display name", "old": "Khan family", "new": "Khan-Patel family"}]
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    assert b"Khan-Patel family" in page.content
    assert b"<del>Khan family</del>" in page.content


@pytest.mark.parametrize("who", ["teacher", "office", "dsl"])
def test_it_is_not_there_for_other_roles(client, people, who):
    as_user(client, people[who])
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/reads/").status_code == 404


def test_it_never_shows_another_schools_rows(client, people, family, child, other_school):
    theirs = FamilyFactory(school=other_school, display_name="Their family")
    rename(theirs, "Their renamed family")
    log_access(people["other_head"], AccessKind.FAMILY, theirs, family_id=theirs.pk)
    as_user(client, people["head"])
    page = changes(client)
    assert {e["label"] for e in page.context["entries"]} == {"Khan family", "Aisha Khan"}
    assert b"Their" not in page.content
    assert not client.get("/audit/reads/").context["logs"]
    as_user(client, people["other_head"])
    assert {e["label"] for e in changes(client).context["entries"]} == {"Their family", "Their renamed family"}


def test_it_filters_by_record_person_and_dates(client, people, family, child, clock_tuesday_gmt):
    clock_tuesday_gmt.move_to(datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC))
    rename(family, "By the office", by=people["office"])
    clock_tuesday_gmt.move_to(datetime.datetime(2026, 11, 23, 23, 30, tzinfo=datetime.UTC))  # 23:30 in London, the 23rd
    rename(family, "By the head", by=people["head"])
    as_user(client, people["head"])

    assert {e["key"] for e in changes(client, model="child").context["entries"]} == {"child"}
    by_office = changes(client, person=people["office"].pk).context["entries"]
    assert [e["changes"][0]["new"] for e in by_office] == ["By the office"]
    on_23rd = changes(client, model="family", date_from="2026-11-23", date_to="2026-11-23").context["entries"]
    assert [e["changes"][0]["new"] for e in on_23rd] == ["By the head"]
    before = changes(client, model="family", date_to="2026-11-19").context["entries"]
    assert before == []


def test_it_refuses_an_end_before_the_start(client, people, family, child):
    page = changes(as_user(client, people["head"]), date_from="2026-11-23", date_to="2026-11-01")
    assert page.context["form"].errors["date_to"]


def test_it_hides_safeguarding_text_from_the_school_admin_but_not_the_head(client, people, family, child):
    concern = raise_concern(family, "Bruise on the arm", people["teacher"], now=NOW)
    update_concern(concern, people["dsl"], status="referred", cpoms_reference="CP-9", dsl_notes="Rang social care")
    admin_view = changes(as_user(client, people["admin"]), model="concern").context["entries"][0]["changes"]
    assert {c["field"] for c in admin_view} >= {"status", "DSL notes", "CPOMS reference"}
    assert "Rang social care" not in str(admin_view)
    head_view = changes(as_user(client, people["head"]), model="concern").context["entries"][0]["changes"]
    assert "Rang social care" in str(head_view)


def test_it_pages_50_at_a_time(client, people, school):
    for n in range(60):
        Family.objects.create(school=school, display_name=f"F{n}", address_line1="1 Road", postcode="NN4 9BX")
    as_user(client, people["head"])
    first = changes(client)
    assert len(first.context["entries"]) == 50
    assert first.context["page_obj"].paginator.count == 60
    assert len(changes(client, page=2).context["entries"]) == 10


def test_it_takes_the_same_number_of_queries_for_a_few_or_many_changes(client, people, family, child,
                                                                        django_assert_max_num_queries):
    rename(family, "Renamed once", by=people["office"])
    as_user(client, people["head"])
    client.get("/audit/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    for n in range(40):
        rename(family, f"Name {n}", by=people["office" if n % 2 else "dsl"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/audit/")


def test_it_lists_who_read_what(client, people, family, child, clock_tuesday_gmt):
    as_user(client, people["office"]).get(f"/families/{family.pk}/")
    clock_tuesday_gmt.move_to(NOW + datetime.timedelta(minutes=5))
    concern = raise_concern(family, "Bruise on the arm", people["teacher"], now=NOW)
    as_user(client, people["dsl"]).get(f"/concerns/{concern.pk}/")
    page = as_user(client, people["head"]).get("/audit/reads/")
    assert page.status_code == 200
    logs = [item["log"] for item in page.context["logs"]]
    assert [(log.user, log.kind) for log in logs] == [(people["dsl"], "concern"), (people["office"], "family")]
    assert b"Khan family" in page.content
    only_dsl = client.get("/audit/reads/", {"person": people["dsl"].pk}).context["logs"]
    assert [item["log"].user for item in only_dsl] == [people["dsl"]]
    only_families = client.get("/audit/reads/", {"kind": "family"}).context["logs"]
    assert [item["log"].kind for item in only_families] == ["family"]


def test_the_menu_shows_audit_to_the_head_and_school_admin_only(client, people):
    assert b'href="/audit/"' in as_user(client, people["head"]).get("/families/").content
    assert b'href="/audit/"' in as_user(client, people["admin"]).get("/families/").content
    assert b'href="/audit/"' not in as_user(client, people["office"]).get("/families/").content


def test_it_survives_bad_filter_values(client, people, family, child):
    as_user(client, people["head"])
    for params in ({"model": "nope"}, {"person": "abc"}, {"date_from": "2026-13-40"}, {"page": "zz"}):
        assert client.get("/audit/", params).status_code == 200
    assert client.get("/audit/reads/", {"kind": "nope", "page": "-1"}).status_code == 200
    for far in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}):
        assert client.get("/audit/", far).context["form"].errors
        assert client.get("/audit/reads/", far).status_code == 200


def test_it_shows_changed_times_in_uk_time(client, people, family, child):
    visit = VisitFactory(family=family, school=family.school)
    visit.departed_at = datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC)  # 10:00 in London (BST)
    visit.save()
    entry = changes(as_user(client, people["head"]), model="visit").context["entries"][0]
    assert {"field": "departed at", "old": "—", "new": "Wed 01 Jul 2026 10:00"} in entry["changes"]
