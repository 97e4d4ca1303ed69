"""CSV exports (timetable, reports) neutralise formula injection: a cell a spreadsheet would run
(starting =, +, -, @, tab or CR) gets a leading apostrophe. Head and office only; others 404."""

import csv
import datetime
import io

import pytest

from homevisits.factories import FamilyFactory, VisitFactory, as_user
from visits.csv_export import safe_cell
from visits.models import Outcome, VisitReport

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+44 sum", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_puts_an_apostrophe_before_a_formula(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("plain", ["Khan family", "Zoë O'Brien", "سارة", "1 Elm Road", "", "07700 900123"])
def test_it_leaves_ordinary_text_alone(plain):
    assert safe_cell(plain) == plain


def test_it_writes_none_as_empty():
    assert safe_cell(None) == ""


def read(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def hostile_visit(school, people):
    family = FamilyFactory(school=school, display_name="=HYPERLINK(\"http://evil.example\")")
    start = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC)
    visit = VisitFactory(family=family, school=school, planned_start=start, address="@SUM(1+1) Road",
                         expected_return=start + datetime.timedelta(minutes=90), code_word="bluebell")
    VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, who_was_seen="+mum",
                               summary="-1 day late", filed_by=visit.lead)
    return visit


@pytest.mark.parametrize("who", ["head", "office"])
def test_the_timetable_csv_is_neutralised(client, people, hostile_visit, who):
    rows = read(as_user(client, people[who]).get("/timetable/csv/", {"week": "2026-11-23"}))
    assert rows[0][:4] == ["Date", "Start", "Expected return", "Family"]
    assert rows[1][0] == "2026-11-25" and rows[1][1] == "10:00"
    assert rows[1][3] == "'=HYPERLINK(\"http://evil.example\")"
    assert rows[1][4] == "'@SUM(1+1) Road"
    assert "bluebell" not in str(rows)


def test_the_reports_csv_is_neutralised(client, people, hostile_visit):
    rows = read(as_user(client, people["office"]).get("/timetable/reports-csv/", {"week": "2026-11-23"}))
    assert rows[0][:3] == ["Visit date", "Family", "Outcome"]
    assert rows[1][1].startswith("'=")
    assert rows[1][3] == "'+mum" and rows[1][4] == "'-1 day late"


def test_it_shows_the_weeks_visits_only_and_in_uk_time(client, people, school):
    summer = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=datetime.UTC)  # 10:00 in London (BST)
    VisitFactory(family=FamilyFactory(school=school), school=school, planned_start=summer,
                 expected_return=summer + datetime.timedelta(hours=1))
    rows = read(as_user(client, people["head"]).get("/timetable/csv/", {"week": "2026-06-08"}))
    assert [r[1] for r in rows[1:]] == ["10:00"]
    assert len(read(client.get("/timetable/csv/", {"week": "2026-06-15"}))) == 1


@pytest.mark.parametrize("who", ["teacher", "dsl", "admin"])
def test_it_is_not_there_for_other_roles(client, people, who):
    as_user(client, people[who])
    assert client.get("/timetable/csv/").status_code == 404
    assert client.get("/timetable/reports-csv/").status_code == 404


def test_it_never_exports_another_schools_visits(client, people, other_school):
    VisitFactory(family=FamilyFactory(school=other_school, display_name="Theirs"), school=other_school,
                 planned_start=datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC),
                 expected_return=datetime.datetime(2026, 11, 25, 11, 0, tzinfo=datetime.UTC))
    rows = read(as_user(client, people["head"]).get("/timetable/csv/", {"week": "2026-11-23"}))
    assert rows == [rows[0]]


def test_the_timetable_page_links_the_downloads_for_the_head_only(client, people):
    assert b"/timetable/csv/" in as_user(client, people["head"]).get("/timetable/").content
    assert b"/timetable/csv/" not in as_user(client, people["teacher"]).get("/timetable/").content
