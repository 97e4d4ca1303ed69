"""Approvals (R-AUTH): the head's or DSL's list of submitted visits, approve and refuse."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from homevisits.forms import add_service_errors

from .. import services, watch
from ..forms import ApproveForm, RefuseForm
from ..models import Round, Visit, VisitState
from ..presenters import approval_rows
from ..scoping import may_approve
from .common import own_school, visible_visit


def approvals(request):
    user = request.user
    school = own_school(user)
    if not may_approve(user):
        raise PermissionDenied("Only the head of school or the DSL approves visits.")
    visits = list(
        Visit.objects.filter(school=school, state=VisitState.SUBMITTED)
        .select_related("family", "lead", "risk_assessment", "school")
        .prefetch_related("staff", "risk_assessment__hazards")
        .order_by("planned_start", "pk")
    )
    rounds = [r for r in Round.objects.filter(school=school, visits__state=VisitState.SUBMITTED).distinct()
              .select_related("lead").prefetch_related("visits__family") if r.is_waiting_for_approval]
    return render(request, "visits/approvals.html", {"rows": approval_rows(visits, user), "rounds": rounds})


def _decision_page(request, visit, approve_form, refuse_form, blockers=None):
    ra = getattr(visit, "risk_assessment", None)
    return render(request, "visits/visit_decide.html", {
        "visit": visit, "approve_form": approve_form, "refuse_form": refuse_form, "ra": ra,
        "gates": visit.gate_needs(),
        # Approving over a gate puts the head of school on the first alert (visits.watch).
        "override_watch": watch.with_override(visit.school),
        "staff": list(visit.staff.select_related("profile")),
        "blockers": blockers if blockers is not None else services.approval_blockers(
            visit, request.user, {g: "x" for g in visit.gates_required}),
    })


def _decidable(request, pk):
    visit = visible_visit(request, pk, "risk_assessment")
    if not may_approve(request.user):
        raise PermissionDenied("Only the head of school or the DSL approves visits.")
    return visit


def visit_approve(request, pk):
    visit = _decidable(request, pk)
    if visit.day_round_id is not None:
        # R-LUNCH: a round is decided as one plan, with each visit's risk assessment beside the others.
        return redirect("visits:round-decide", visit.day_round_id)
    if visit.state != VisitState.SUBMITTED:
        messages.info(request, f"This visit is {visit.get_state_display().lower()}.")
        return redirect(visit)
    form = ApproveForm(request.POST if request.method == "POST" else None, gates=visit.gate_needs(),
                       approver=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.approve(visit, request.user, form.overrides())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Approved: {visit}.")
            return redirect("visits:approvals")
    return _decision_page(request, visit, form, RefuseForm())


def visit_refuse(request, pk):
    visit = _decidable(request, pk)
    if visit.state != VisitState.SUBMITTED:
        messages.info(request, f"This visit is {visit.get_state_display().lower()}.")
        return redirect(visit)
    form = RefuseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.refuse(visit, request.user, form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Refused: {visit}. The staff have been told why.")
            return redirect("visits:approvals")
    return _decision_page(request, visit, ApproveForm(gates=visit.gate_needs(), approver=request.user), form)
