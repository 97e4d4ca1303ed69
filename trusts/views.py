"""The trust's pages (R-CONFIDENTIAL): its safeguarding leads and admins read every school of
their trust, read-only. Everyone else, and any school outside the user's trust, gets 404, exactly
as for a school that does not exist (visits.scoping.trust_schools). Every page shown is written to
the access log of the school it is about: who, which school, which page, when. A poll that finds
nothing new (304, no body) shows nothing, so it is not a read."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, quote_etag
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from accounts import school_settings, trust_rules
from accounts.models import School, trust_of
from accounts.permissions import may_set_trust_rules
from audit.models import log_access
from governors import charts, figures, pdf
from safety.board_version import board_version
from visits.csv_export import csv_response
from visits.scoping import AccessKind, may_watch_trust, trust_schools

from . import presenters
from .forms import TrustRulesForm
from .year import csv_rows, trust_year


def _trust(request):
    if not may_watch_trust(request.user):
        raise Http404("No trust here.")
    return trust_of(request.user)


def _school(request, pk):
    return get_object_or_404(trust_schools(request.user), pk=pk)


def _logged(request, kind, schools):
    for school in schools:
        log_access(request, kind, school, school=school)


def _conditional(request, template, context, kind, schools):
    """The polled body: 304 when the version the page shows is still current, else the body (a read)."""
    context["board_version"] = board_version(context)
    etag = quote_etag(context["board_version"])
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        response._csp_exempt = response.xframe_options_exempt = True
    else:
        _logged(request, kind, schools)
        response = render(request, template, context)
    response["ETag"] = etag
    return response


def _overview_context(request):
    trust = _trust(request)
    return {"trust": trust, "overview": presenters.overview(request.user), "read_only": True,
            "poll_seconds": settings.BOARD_POLL_SECONDS}


@require_GET
@gzip_page
def overview(request):
    """Every school of the trust at once: counts, and who is out at each, most urgent first."""
    context = _overview_context(request)
    context["board_version"] = board_version(context)
    _logged(request, AccessKind.TRUST_OVERVIEW, [s.school for s in context["overview"].schools])
    return render(request, "trusts/overview.html", context)


@require_GET
@gzip_page
@never_cache
def overview_body(request):
    context = _overview_context(request)
    return _conditional(request, "trusts/_overview_body.html", context, AccessKind.TRUST_OVERVIEW,
                        [s.school for s in context["overview"].schools])


def _board_context(request, pk):
    school = _school(request, pk)
    return school, {"school": school, "board": presenters.board(request.user, school), "read_only": True,
                    "poll_seconds": settings.BOARD_POLL_SECONDS,
                    "board_body_url": reverse("trusts:board-body", args=[school.pk])}


@require_GET
@gzip_page
def board(request, pk):
    """One school's live board, as its office sees it, with no button and no link into the school."""
    school, context = _board_context(request, pk)
    context["board_version"] = board_version(context)
    _logged(request, AccessKind.TRUST_BOARD, [school])
    return render(request, "trusts/board.html", context)


@require_GET
@gzip_page
@never_cache
def board_body(request, pk):
    school, context = _board_context(request, pk)
    return _conditional(request, "safety/_board_body.html", context, AccessKind.TRUST_BOARD, [school])


@require_GET
def approvals(request, pk):
    """The school's visits waiting for approval, read-only: the school's head and DSL decide."""
    school = _school(request, pk)
    _logged(request, AccessKind.TRUST_APPROVALS, [school])
    return render(request, "trusts/approvals.html", {
        "school": school, "rows": presenters.approvals(request.user, school)})


@require_GET
def alerts(request, pk):
    """The school's open alerts and those of the last week, read-only."""
    school = _school(request, pk)
    _logged(request, AccessKind.TRUST_ALERTS, [school])
    return render(request, "trusts/alerts.html", {
        "school": school, "recent_days": presenters.RECENT_ALERT_DAYS, **presenters.alerts(request.user, school)})


def rules(request):
    """The trust admin sets the trust's rules for its schools' settings; saving brings every school of
    the trust within them at once (on each school's audit page). Everyone else: 404."""
    if not may_set_trust_rules(request.user):
        raise Http404("No trust here.")
    trust = trust_of(request.user)
    form = TrustRulesForm(request.POST if request.method == "POST" else None, instance=trust)
    if request.method == "POST" and form.is_valid():
        changes = school_settings.save_trust_rules(trust, request.user, form)
        messages.success(request, "The trust's rules: saved" + (
            f"; {len(changes)} school{'s' if len(changes) != 1 else ''} updated." if changes else "."))
        return redirect("trusts:rules")
    if request.method == "POST":
        trust.refresh_from_db()
    schools = list(trust_schools(request.user).order_by("name"))
    return render(request, "trusts/rules.html", {
        "trust": trust, "form": form, "schools": schools,
        "settings": [(rule, School._meta.get_field(rule.setting).verbose_name,
                      [trust_rules.shown(getattr(s, rule.setting)) for s in schools]) for rule in trust_rules.RULES]})


# --- The trust's year (R-REVIEW) ---------------------------------------------------------------------
# The governors' figures of every school of the trust, pooled and school by school; the page (prints on
# A4), its PDF and its CSV. Each is a read of every school's figures, so each is in every school's access log.

def _year(request, year):
    _trust(request)
    if not figures.known_year(year, timezone.localdate()):
        raise Http404("No such year.")
    return year


def _year_context(request, year):
    report = trust_year(request.user, year)
    # The charts are drawn on the server and sent in the page as SVG images (data: URLs, no script runs in
    # an image), so the page, its print and its PDF are the one read that is logged.
    return {
        "trust": trust_of(request.user), "report": report, "this": report.this, "last": report.last,
        "sections": figures.sections(report.this, report.last), "years": figures.recent_years(timezone.localdate()),
        "start": datetime.date(year, 9, 1), "end": datetime.date(year + 1, 8, 31), "generated": timezone.localtime(),
        "in_progress": year == figures.academic_year_of(timezone.localdate()),
        "chart_src": {name: pdf.data_url(draw(report.this, report.last)) for name, draw in charts.CHARTS.items()},
        "pdf_available": pdf.available(),
    }


def _file_name(context, ext):
    return f"trust-year-{context['this'].label.replace('/', '-')}.{ext}"


@require_GET
def year_current(request):
    _trust(request)
    return redirect("trusts:year", year=figures.academic_year_of(timezone.localdate()))


@require_GET
def year(request, year):
    """The trust's year: its figures beside the year before, the charts, and each school's main figures."""
    context = _year_context(request, _year(request, year))
    _logged(request, AccessKind.TRUST_YEAR, [s.school for s in context["report"].schools])
    return render(request, "trusts/year.html", context)


@require_GET
def year_pdf(request, year):
    year = _year(request, year)
    if not pdf.available():
        raise Http404("No PDF on this server.")
    context = _year_context(request, year)
    _logged(request, AccessKind.TRUST_YEAR, [s.school for s in context["report"].schools])
    response = HttpResponse(pdf.render(context, "trusts/year_pdf.html"), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(context, "pdf")}"'
    return response


@require_GET
def year_csv(request, year):
    year = _year(request, year)
    report = trust_year(request.user, year)
    _logged(request, AccessKind.TRUST_YEAR, [s.school for s in report.schools])
    return csv_response(f"trust-year-{report.this.label.replace('/', '-')}.csv",
                        ["School", "Section", "Measure", report.this.label, report.last.label], csv_rows(report))
