"""R-REVIEW: the governors' year for one school, beside the year before: counts by purpose, outcome,
offer, cancellation, alert level, response times, concerns (counted, never read) and training."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from accounts import roles
from governors import figures
from homevisits.factories import SchoolFactory, make_staff
from homevisits.testing import require_pdf
from safety.models import EscalationLevel

from .year import UTC, visit_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_10am_gmt")]








def test_the_years_figures_count_within_its_bounds(school, year_data):
    this, last = figures.compared(school, 2025)
    assert this.visits_made == 3 and last.visits_made == 1
    assert this.by_purpose["New starter / induction"] == 1 and this.by_purpose["Attendance concern"] == 2
    assert this.by_outcome == {"Completed": 2, "No one home": 1, "Abandoned": 0, "Cancelled on the doorstep": 0}
    assert (this.cancelled, this.cancelled_for_safety, this.cancelled_other, this.refused) == (2, 1, 1, 1)
    assert (this.offered, this.accepted, this.declined) == (2, 1, 1)
    assert (last.offered, last.accepted) == (1, 1)
    assert this.late_returns == 1
    assert this.escalations_by_level == {EscalationLevel.LATE.label: 1, EscalationLevel.CHASE.label: 1,
                                         EscalationLevel.EMERGENCY.label: 1}
    assert (this.to_acknowledged.count, this.to_acknowledged.median) == (2, 3.0)
    assert this.to_resolved.median == 25.0 and this.to_resolved.p90 == 29.0
    assert this.concerns_raised == 1 and last.concerns_raised == 0


def test_training_coverage_counts_visiting_staff(school, year_data):
    this = figures.year_figures(school, 2025)
    # The leads and second staff the factories made have no training date; one has.
    assert this.visiting_staff_trained == 1 and this.visiting_staff > 1
    assert this.training_percent == round(100 / this.visiting_staff)


def test_another_schools_visits_never_count(school, year_data):
    other = SchoolFactory(name="Heather Avenue Infants")
    visit_at(other, datetime.datetime(2026, 3, 2, 10, tzinfo=UTC))
    assert figures.year_figures(school, 2025).visits_made == 3


def test_the_page_shows_both_years_and_never_a_concerns_words(client, head, year_data):
    client.force_login(head)
    response = client.get(reverse("governors:year", args=[2025]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The governors' year 2025/26" in page and "2024/25" in page
    assert "Bruise on the arm" not in page
    assert 'src="/governors/2025/chart-purposes.svg"' in page


def test_the_current_year_is_where_the_report_starts(client, head):
    client.force_login(head)
    assert client.get(reverse("governors:current"))["Location"] == reverse("governors:year", args=[2026])
    assert client.get(reverse("governors:year", args=[2027])).status_code == 404


def test_the_csv_holds_every_figure_for_both_years(client, head, year_data):
    client.force_login(head)
    response = client.get(reverse("governors:csv", args=[2025]))
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["Section", "Measure", "2025/26", "2024/25"]
    assert ["Visits", "Visits made", "3", "1"] in table
    assert ["Safeguarding", "Concerns raised", "1", "0"] in table


def test_charts_are_svg_images_that_run_no_script(client, head, year_data):
    client.force_login(head)
    for name in ("purposes", "alerts"):
        response = client.get(reverse("governors:chart", args=[2025, name]))
        assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
        assert response.content.lstrip().startswith(b"<?xml") and b"<svg" in response.content
        policy = response["Content-Security-Policy"]
        assert "script-src 'none'" in policy and "default-src 'none'" in policy
    assert client.get("/governors/2025/chart-nothing.svg").status_code == 404


@pytest.mark.parametrize("role", [roles.VISITING_STAFF, roles.OFFICE, roles.SCHOOL_ADMIN])
def test_only_the_head_and_dsl_read_it(client, school, role):
    client.force_login(make_staff(school, role))
    for url in (reverse("governors:current"), reverse("governors:year", args=[2025]),
                reverse("governors:csv", args=[2025]), reverse("governors:chart", args=[2025, "alerts"])):
        assert client.get(url).status_code == 404


def test_the_dsl_reads_their_own_school_only(client, school, year_data):
    other = SchoolFactory(name="Heather Avenue Infants")
    client.force_login(make_staff(other, roles.DSL))
    response = client.get(reverse("governors:year", args=[2025]))
    assert response.status_code == 200
    assert response.context["this"].visits_made == 0


def test_the_pdf_is_made_on_the_server_when_weasyprint_is_here(client, head, year_data):
    from governors import pdf

    client.force_login(head)
    page = client.get(reverse("governors:year", args=[2025])).content.decode()
    if not pdf.available():
        if require_pdf():
            pytest.fail("REQUIRE_PDF=1 but WeasyPrint or its system libraries (Pango) can't be loaded here")
        assert 'data-testid="pdf-missing"' in page and "can't be made on this server" in page
        assert client.get(reverse("governors:pdf", args=[2025])).status_code == 404
        return
    assert 'data-testid="pdf-link"' in page
    response = client.get(reverse("governors:pdf", args=[2025]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    from homevisits.tests.browser import out_dir

    (out_dir("pdf") / "governors-year-server.pdf").write_bytes(response.content)


def test_without_weasyprint_the_page_says_why_and_still_prints(client, head, year_data, monkeypatch):
    from governors import pdf

    monkeypatch.setattr(pdf, "weasyprint", None)
    client.force_login(head)
    page = client.get(reverse("governors:year", args=[2025])).content.decode()
    assert "can't be made on this server" in page and "data-print" in page
    assert client.get(reverse("governors:pdf", args=[2025])).status_code == 404


def test_the_pdf_fetches_nothing_from_outside(monkeypatch):
    from governors import pdf

    if not pdf.available():
        if require_pdf():
            pytest.fail("REQUIRE_PDF=1 but WeasyPrint or its system libraries (Pango) can't be loaded here")
        pytest.skip("WeasyPrint is not installed here")
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.url_fetcher().fetch("http://127.0.0.1:1/secret")
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.url_fetcher().fetch("file:///etc/passwd")
