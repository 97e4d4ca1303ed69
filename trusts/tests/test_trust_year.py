"""R-REVIEW, R-CONFIDENTIAL: the trust's year. Its schools' governors' figures pooled (counts added up,
medians and 90th percentiles over every alert of every school, never an average of the schools'), each
school's row, the academic year's bounds in London time, another trust's schools never counted; the
page, CSV and PDF for the trust's lead and admin only, each read in every school's access log."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from audit.models import AccessLog
from governors import pdf
from governors.tests.year import UTC, alert_at, visit_at
from homevisits.factories import make_staff
from homevisits.testing import require_pdf
from safety.models import EscalationLevel, SafeguardingConcern
from trusts.year import trust_year
from visits.scoping import AccessKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_10am_gmt")]

MARCH = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def alerted_visits(school, ack_minutes, when=MARCH):
    """A visit made and late for each of `ack_minutes`, someone taking charge that many minutes after
    its deadline (one alert chain each, at level 2)."""
    for i, minutes in enumerate(ack_minutes):
        visit = visit_at(school, when + datetime.timedelta(days=i))
        alert_at(visit, EscalationLevel.CHASE, visit.planned_start + datetime.timedelta(hours=2),
                 ack_after=minutes, resolve_after=minutes + 10)


@pytest.fixture
def pooled(trusts, school, other_school, head):
    """Trust A: three late visits at the world's school (1, 2, 3 minutes to taking charge), one at the
    second school (30 minutes); trust B's school: two at 100 minutes, which must never count."""
    alerted_visits(school, [1, 2, 3])
    alerted_visits(trusts.second, [30])
    alerted_visits(other_school, [100, 100])
    SafeguardingConcern.objects.create(school=school, family=visit_at(school, MARCH).family,
                                       details="Bruise on the arm", raised_by=head, raised_at=MARCH)
    SafeguardingConcern.objects.create(school=other_school, family=visit_at(other_school, MARCH).family,
                                       details="Elsewhere", raised_by=head, raised_at=MARCH)
    return trusts


def test_counts_are_added_up_and_the_median_is_over_the_pooled_alerts(pooled, school):
    report = trust_year(pooled.lead, 2025)
    assert [s.school.name for s in report.schools] == sorted([school.name, pooled.second.name])
    by_name = {s.school.name: s.this for s in report.schools}
    assert by_name[school.name].to_acknowledged.median == 2.0
    assert by_name[pooled.second.name].to_acknowledged.median == 30.0
    this = report.this
    assert this.visits_made == 5 and this.late_returns == 4 and this.concerns_raised == 1
    assert this.escalations_by_level[EscalationLevel.CHASE.label] == 4
    # Over 1, 2, 3 and 30 minutes: 2.5, not (2 + 30) / 2 = 16; the 90th percentile 3 + 0.7 * 27.
    assert (this.to_acknowledged.count, this.to_acknowledged.median, this.to_acknowledged.p90) == (4, 2.5, 21.9)
    assert this.to_resolved.median == 12.5


def test_training_coverage_is_over_every_visiting_member_of_staff(pooled, school):
    make_staff(school, training_date=datetime.date(2025, 10, 1))
    make_staff(pooled.second, training_date=datetime.date(2025, 10, 1))
    report = trust_year(pooled.lead, 2025)
    assert report.this.visiting_staff == sum(s.this.visiting_staff for s in report.schools)
    assert report.this.visiting_staff_trained == 2


def test_the_year_runs_from_1_september_00_00_london_to_31_august(trusts, school):
    visit_at(school, datetime.datetime(2025, 8, 31, 22, 59, tzinfo=UTC))  # 23:59 BST, 31 August 2025
    visit_at(trusts.second, datetime.datetime(2025, 8, 31, 23, 0, tzinfo=UTC))  # 00:00 BST, 1 September
    visit_at(school, datetime.datetime(2026, 8, 31, 22, 59, tzinfo=UTC))  # 23:59 BST, 31 August 2026
    visit_at(trusts.second, datetime.datetime(2026, 8, 31, 23, 0, tzinfo=UTC))  # the next year's first minute
    report = trust_year(trusts.lead, 2025)
    assert (report.this.visits_made, report.last.visits_made) == (2, 1)
    assert [s.this.visits_made for s in report.schools] == [1, 1]
    assert trust_year(trusts.lead, 2026).this.visits_made == 1


def test_another_trusts_schools_never_count(pooled, other_school):
    report = trust_year(pooled.lead, 2025)
    assert other_school not in [s.school for s in report.schools]
    assert report.this.to_acknowledged.count == 4
    theirs = trust_year(pooled.other_lead, 2025)
    assert [s.school for s in theirs.schools] == [other_school]
    assert (theirs.this.visits_made, theirs.this.to_acknowledged.median, theirs.this.concerns_raised) == (3, 100.0, 1)


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_the_trusts_people_read_the_page_and_each_school_logs_it(client, pooled, school, other_school, who):
    user = getattr(pooled, who)
    client.force_login(user)
    response = client.get(reverse("trusts:year", args=[2025]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The trust's year 2025/26" in page and "2024/25" in page and pooled.a.name in page
    assert len(response.context["report"].schools) == 2 and page.count('data-testid="school-row"') == 2
    assert other_school.name not in page and "Bruise on the arm" not in page
    assert page.count('src="data:image/svg+xml;base64,') == 2
    logged = AccessLog.objects.filter(user=user, kind=AccessKind.TRUST_YEAR)
    assert sorted(logged.values_list("school_id", flat=True)) == sorted([school.pk, pooled.second.pk])
    assert set(logged.values_list("path", flat=True)) == {"/trust/year/2025/"}


def test_the_current_year_is_where_it_starts_and_the_overview_links_to_it(client, trusts):
    client.force_login(trusts.lead)
    assert client.get(reverse("trusts:year-current"))["Location"] == reverse("trusts:year", args=[2026])
    assert client.get(reverse("trusts:year", args=[2027])).status_code == 404
    assert client.get(reverse("trusts:year", args=[1999])).status_code == 404
    assert reverse("trusts:year-current") in client.get(reverse("trusts:overview")).content.decode()


def test_the_csv_has_every_figure_for_the_trust_then_each_school(client, pooled, school):
    client.force_login(pooled.lead)
    response = client.get(reverse("trusts:year-csv", args=[2025]))
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["School", "Section", "Measure", "2025/26", "2024/25"]
    assert ["All schools", "Visits", "Visits made", "5", "0"] in table
    assert [school.name, "Visits", "Visits made", "4", "0"] in table
    assert [pooled.second.name, "Visits", "Visits made", "1", "0"] in table
    assert ["All schools", "Response times: from the deadline to someone taking charge", "Median (minutes)",
            "2.5", ""] in table
    assert {row[0] for row in table[1:]} == {"All schools", school.name, pooled.second.name}
    assert not any("Bruise" in cell for row in table for cell in row)
    assert AccessLog.objects.filter(kind=AccessKind.TRUST_YEAR, path="/trust/year/2025/figures.csv").count() == 2


def test_the_pdf_is_made_on_the_server_when_weasyprint_is_here(client, pooled):
    client.force_login(pooled.lead)
    page = client.get(reverse("trusts:year", args=[2025])).content.decode()
    if not pdf.available():
        if require_pdf():
            pytest.fail("REQUIRE_PDF=1 but WeasyPrint or its system libraries (Pango) can't be loaded here")
        assert 'data-testid="pdf-missing"' in page and "can't be made on this server" in page
        assert client.get(reverse("trusts:year-pdf", args=[2025])).status_code == 404
        return
    assert 'data-testid="pdf-link"' in page
    response = client.get(reverse("trusts:year-pdf", args=[2025]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert 'filename="trust-year-2025-26.pdf"' in response["Content-Disposition"]
    assert AccessLog.objects.filter(kind=AccessKind.TRUST_YEAR, path="/trust/year/2025/report.pdf").count() == 2
    from homevisits.tests.browser import out_dir

    (out_dir("pdf") / "trust-year-server.pdf").write_bytes(response.content)


def test_without_weasyprint_the_page_says_why_and_still_prints(client, trusts, monkeypatch):
    monkeypatch.setattr(pdf, "weasyprint", None)
    client.force_login(trusts.lead)
    page = client.get(reverse("trusts:year", args=[2025])).content.decode()
    assert "can't be made on this server" in page and "data-print" in page
    assert client.get(reverse("trusts:year-pdf", args=[2025])).status_code == 404


YEAR_URLS = [("trusts:year-current", []), ("trusts:year", [2025]), ("trusts:year-csv", [2025]),
             ("trusts:year-pdf", [2025])]


@pytest.mark.parametrize("role", [roles.HEAD, roles.DSL, roles.OFFICE, roles.SCHOOL_ADMIN, roles.VISITING_STAFF])
def test_a_schools_own_roles_get_not_found(client, pooled, role):
    client.force_login(make_staff(pooled.second, role))
    for name, args in YEAR_URLS:
        assert client.get(reverse(name, args=args)).status_code == 404, (role, name)
    assert not AccessLog.objects.filter(kind=AccessKind.TRUST_YEAR).exists()


def test_a_trust_role_without_a_trust_gets_not_found(client, school):
    user = make_staff(school, roles.HEAD)
    user.groups.add(Group.objects.get(name=roles.TRUST_SAFEGUARDING_LEAD))  # the role, but no TrustMembership
    client.force_login(user)
    for name, args in YEAR_URLS:
        assert client.get(reverse(name, args=args)).status_code == 404, name
