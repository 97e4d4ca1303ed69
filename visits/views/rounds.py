"""A day's round of visits (R-LUNCH): plan it, see it, submit it, and approve or refuse it as one plan."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from homevisits.forms import add_service_errors

from .. import cover, rounds
from ..forms import ApproveForm, RefuseForm, RoundForm
from ..models import STATE_BADGES, VisitState, round_state
from ..scoping import may_approve, may_plan_visits, plannable_rounds, visible_families, visible_rounds
from .common import own_school

# The service's field names, as the round form calls them.
FORM_FIELDS = {"lunch_return": "lunch_time", "end_return": "end_time"}


def visible_round(request, pk):
    qs = visible_rounds(request.user).select_related("school", "lead").prefetch_related(
        "visits__family", "visits__staff", "visits__risk_assessment__hazards")
    return get_object_or_404(qs, pk=pk)


def round_form(request, pk=None):
    user = request.user
    school = own_school(user)
    day_round = visible_round(request, pk) if pk is not None else None  # another school's: not found
    if not may_plan_visits(user):
        raise PermissionDenied("Only staff who plan visits plan rounds.")
    if day_round is not None and not plannable_rounds(user).filter(pk=day_round.pk).exists():
        raise PermissionDenied("Only the round's lead, or the office, head or DSL, changes the round.")
    if day_round is not None and not day_round.is_editable:
        messages.info(request, "This round has been submitted: it can no longer be changed.")
        return redirect(day_round)
    form = RoundForm(request.POST if request.method == "POST" else None, user=user, day_round=day_round)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["visits"])
        try:
            saved = rounds.save_round(day_round, school=school, lead=chosen[0].lead if chosen else user,
                                      day=data["date"], lunch_return=data["lunch_return"],
                                      end_return=data["end_return"], visits=chosen, by=user)
        except ValidationError as exc:
            add_service_errors(form, exc, FORM_FIELDS)
        else:
            messages.success(request, "The round is saved. Submit it for approval when its visits are ready.")
            return redirect(saved)
    return render(request, "visits/round_form.html", {"form": form, "day_round": day_round})


def _page(request, day_round, **extra):
    may_see = set(visible_families(request.user).filter(
        pk__in={v.family_id for v in day_round.visits.all()}).values_list("pk", flat=True))
    # R-CODEWORD: a visit they are on reads as their phone shows it (visits.cover), and so does the round.
    visits = cover.as_seen_by(day_round.in_order(), request.user)
    state = round_state(visits)
    return render(request, "visits/round_detail.html", {
        "day_round": day_round, "visits": visits, "may_see": may_see,
        "state_label": VisitState(state).label, "state_badge": STATE_BADGES[state],
        "may_plan": may_plan_visits(request.user),
        "may_change": plannable_rounds(request.user).filter(pk=day_round.pk).exists(),
        "may_decide": may_approve(request.user) and day_round.is_waiting_for_approval, **extra})


def round_detail(request, pk):
    return _page(request, visible_round(request, pk))


@require_POST
def round_submit(request, pk):
    day_round = visible_round(request, pk)
    if not may_plan_visits(request.user):
        raise PermissionDenied("Only staff who plan visits submit rounds.")
    try:
        rounds.submit_round(day_round, request.user)
    except ValidationError as exc:
        return _page(request, day_round, submit_errors=exc.messages)
    messages.success(request, "The round is submitted: the head of school or the DSL approves it as one plan.")
    return redirect(day_round)


def _decision(request, day_round, approve_forms, refuse_form, problems=None):
    overrides = {visit.pk: {g: "x" for g in visit.gates_required} for visit in day_round.in_order()}
    blockers = rounds.approval_blockers(day_round, request.user, overrides)
    items = [{"visit": v, "ra": getattr(v, "risk_assessment", None), "form": approve_forms.get(v.pk),
              "blockers": blockers.get(v.pk, []), "waiting": v.state == VisitState.SUBMITTED}
             for v in day_round.in_order() if v.state != VisitState.CANCELLED]
    return render(request, "visits/round_decide.html", {
        "day_round": day_round, "items": items, "refuse_form": refuse_form, "problems": problems or [],
        "blocked": any(item["blockers"] for item in items)})


def round_decide(request, pk):
    """R-AUTH: the head or the DSL approves or refuses the round as one plan, reading each visit's risk
    assessment; a high risk on any visit blocks the round (R-NOVISIT), as it blocks a visit."""
    day_round = visible_round(request, pk)
    if not may_approve(request.user):
        raise PermissionDenied("Only the head of school or the DSL approves rounds.")
    if not day_round.is_waiting_for_approval:
        messages.info(request, f"This round is {day_round.get_state_display().lower()}.")
        return redirect(day_round)
    posted = request.POST if request.method == "POST" else None
    action = posted.get("action") if posted else None
    approve_forms = {
        v.pk: ApproveForm(posted if action == "approve" else None, gates=v.gate_needs(), approver=request.user,
                          prefix=f"visit{v.pk}")
        for v in day_round.in_order() if v.state == VisitState.SUBMITTED}
    refuse_form = RefuseForm(posted if action == "refuse" else None)
    if action == "approve" and all(form.is_valid() for form in approve_forms.values()):
        try:
            rounds.approve_round(day_round, request.user,
                                 {pk: form.overrides() for pk, form in approve_forms.items()})
        except ValidationError as exc:
            return _decision(request, day_round, approve_forms, refuse_form, exc.messages)
        messages.success(request, "Approved: the round and each of its visits.")
        return redirect("visits:approvals")
    if action == "refuse" and refuse_form.is_valid():
        try:
            rounds.refuse_round(day_round, request.user, refuse_form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(refuse_form, exc)
        else:
            messages.success(request, "Refused: the round. The staff have been told why.")
            return redirect("visits:approvals")
    return _decision(request, day_round, approve_forms, refuse_form)
