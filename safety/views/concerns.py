"""Safeguarding concerns (R-SAFEGUARD): anyone raises one; only the DSL and head read it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from homevisits.forms import add_service_errors
from visits.scoping import AccessKind, note_read, visible_families, visible_visits

from .. import concerns
from ..concern_forms import ConcernForm, ConcernUpdateForm


def concern_create(request, family_pk):
    family = get_object_or_404(visible_families(request.user), pk=family_pk)
    visit = None
    if request.GET.get("visit", "").isdecimal():  # not isdigit(): "²" is a digit int() refuses
        visit = visible_visits(request.user).filter(pk=int(request.GET["visit"]), family=family).first()
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            concerns.raise_concern(family, form.cleaned_data["details"], request.user, visit=visit)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your concern has gone to the DSL and the head of school.")
            return redirect(visit or family)
    return render(request, "concerns/concern_form.html", {"family": family, "visit": visit, "form": form})


def concern_list(request):
    items = concerns.visible_concerns(request.user).select_related("family", "raised_by")
    if not concerns.may_read_concerns(request.user):
        raise PermissionDenied("Only the DSL and the head of school read safeguarding concerns.")
    return render(request, "concerns/concern_list.html", {"concerns": items})


def concern_detail(request, pk):
    concern = get_object_or_404(concerns.visible_concerns(request.user).select_related("family", "raised_by", "visit"),
                                pk=pk)
    form = ConcernUpdateForm(request.POST or None, initial={
        "status": concern.status, "cpoms_reference": concern.cpoms_reference, "dsl_notes": concern.dsl_notes})
    if request.method == "POST" and form.is_valid():
        concerns.update_concern(concern, request.user, **form.cleaned_data)
        messages.success(request, "Concern updated.")
        return redirect("concerns:detail", pk=concern.pk)
    # R-CONFIDENTIAL: every read of a safeguarding concern is logged (audit page).
    note_read(request, AccessKind.CONCERN, concern, family_id=concern.family_id)
    return render(request, "concerns/concern_detail.html", {"concern": concern, "form": form})
