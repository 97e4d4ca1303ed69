"""A school's settings pages: its school admin (or a superuser) changes the school's policy settings
page by page. Anyone else, and any other school's admin, gets 404 (accounts.permissions). A page is
saved whole or not at all (accounts.school_settings); a bad value is said beside its field."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from . import school_settings
from .models import School, school_of
from .permissions import may_audit, may_change_school_settings
from .settings_forms import PAGES, PAGES_BY_KEY, office_hours_formset, roster_formset


def _school(request, pk):
    school = get_object_or_404(School, pk=pk)
    if not may_change_school_settings(request.user, school):
        raise Http404("No settings here.")
    return school


def own_settings(request):
    """The menu's link: the settings of the user's own school."""
    school = school_of(request.user)
    if not may_change_school_settings(request.user, school):
        raise Http404("No settings here.")
    return redirect("school-settings", pk=school.pk, page="alerts")


def settings_page(request, pk, page):
    school = _school(request, pk)
    spec = PAGES_BY_KEY.get(page)
    if spec is None:
        raise Http404("No such settings page.")
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = spec.form(data, files, instance=school) if spec.form else None
    hours = office_hours_formset(school, data) if spec.with_hours_and_roster else None
    tiers = roster_formset(school, data) if spec.with_hours_and_roster else None
    parts = [part for part in (form, hours, tiers) if part is not None]
    if data is not None and all([part.is_valid() for part in parts]):
        change = school_settings.save_page(school, request.user, spec, form=form, hours=hours, tiers=tiers)
        messages.success(request, f"{spec.title}: saved." if change else f"{spec.title}: nothing had changed.")
        return redirect("school-settings", pk=school.pk, page=spec.key)
    if data is not None and form is not None:
        # A form that failed keeps its values on screen; the school object must not carry them on.
        school.refresh_from_db()
    return render(request, "accounts/settings_page.html", {
        "school": school, "page": spec, "pages": PAGES, "form": form, "hours": hours, "tiers": tiers,
        "invalid": data is not None, "may_audit": may_audit(request.user),
        "logo": school_settings.logo_of(school) if spec.key == "letters" else None,
    })
