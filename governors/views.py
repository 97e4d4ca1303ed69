"""The governors' year: the page (prints on A4), its charts (SVG images) and a CSV. The head and
the DSL of the school only; everyone else gets 404."""

import datetime

from csp.decorators import csp_replace
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from visits.csv_export import csv_response

from . import charts, figures, pdf
from .access import report_school


def _school(request):
    school = report_school(request.user)
    if school is None:
        raise Http404("No report here.")
    return school


def _year(year: int) -> int:
    if not figures.known_year(year, timezone.localdate()):
        raise Http404("No such year.")
    return year


def current(request):
    _school(request)
    return redirect("governors:year", year=figures.academic_year_of(timezone.localdate()))


def _context(school, year, *, inline_charts=False):
    this, last = figures.compared(school, year)
    sections = figures.sections(this, last)
    now_year = figures.academic_year_of(timezone.localdate())
    return {
        "school": school, "this": this, "last": last, "sections": sections,
        "years": figures.recent_years(timezone.localdate()),
        "start": datetime.date(year, 9, 1), "end": datetime.date(year + 1, 8, 31),
        "generated": timezone.localtime(), "in_progress": year == now_year,
        "chart_src": {name: pdf.data_url(draw(this, last)) if inline_charts else
                      reverse("governors:chart", args=[year, name]) for name, draw in charts.CHARTS.items()},
        "pdf_available": pdf.available(),
    }


def year(request, year):
    school = _school(request)
    year = _year(year)
    return render(request, "governors/year.html", _context(school, year))


def year_pdf(request, year):
    school = _school(request)
    year = _year(year)
    if not pdf.available():
        raise Http404("No PDF on this server.")
    context = _context(school, year, inline_charts=True)
    response = HttpResponse(pdf.render(context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="governors-year-{context["this"].label.replace("/", "-")}.pdf"'
    return response


def year_csv(request, year):
    school = _school(request)
    year = _year(year)
    this, last = figures.compared(school, year)
    rows = [(s, m, "" if a is None else a, "" if b is None else b) for s, m, a, b in figures.rows(this, last)]
    return csv_response(f"governors-year-{this.label.replace('/', '-')}.csv",
                        ["Section", "Measure", this.label, last.label], rows)


@csp_replace({"default-src": ["'none'"], "script-src": ["'none'"], "style-src": ["'unsafe-inline'"],
              "img-src": ["'none'"]})
def chart(request, year, name):
    school = _school(request)
    year = _year(year)
    draw = charts.CHARTS.get(name)
    if draw is None:
        raise Http404("No such chart.")
    this, last = figures.compared(school, year)
    return HttpResponse(draw(this, last), content_type="image/svg+xml")
