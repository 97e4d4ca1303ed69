"""Visit plans: the list, a visit's page, the plan form (and its htmx parts), cancel, submit, the risk
assessment and the safety checklist."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from accounts import roles
from accounts.models import has_role
from homevisits.forms import add_service_errors
from homevisits.offline import keep_offline

from .. import cover, services
from ..assessments import assessment_saved, complete_checklist, ensure_risk_assessment
from ..forms import (
    FORM_PARTS,
    PLAN_FIELD_MAP,
    CancelForm,
    ChecklistForm,
    HazardFormSet,
    RiskAssessmentForm,
    VisitForm,
    changed_plan_fields,
    plan_snapshot,
    posted_as_initial,
)
from ..localtime import combine_local
from ..models import SafetyChecklist, Visit, VisitState
from ..presenters import submission_todo
from ..scoping import (
    may_approve,
    may_plan_visits,
    may_see_code_word,
    sees_all_visits,
    visible_families,
    visible_visits,
)
from ..watch import watch_of
from .common import PAGE_SIZE, messages_of, own_school, visible_visit


class VisitListView(ListView):
    """'My visits' for visiting staff; every visit of the school for office, head and DSL."""

    template_name = "visits/visit_list.html"
    context_object_name = "visits"
    paginate_by = PAGE_SIZE

    def show(self):
        return self.request.GET.get("show") if self.request.GET.get("show") in ("past", "all") else "upcoming"

    def get_queryset(self):
        qs = visible_visits(self.request.user).select_related("family", "lead").prefetch_related("staff")
        today = combine_local(timezone.localdate(), datetime.time(0, 0))
        show = self.show()
        if show == "upcoming":
            qs = qs.filter(planned_start__gte=today).order_by("planned_start", "pk")
        elif show == "past":
            qs = qs.filter(planned_start__lt=today).order_by("-planned_start", "-pk")
        else:
            qs = qs.order_by("-planned_start", "-pk")
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["show"] = self.show()
        ctx["sees_all"] = sees_all_visits(self.request.user)
        ctx["may_plan"] = may_plan_visits(self.request.user)
        visible = set(visible_families(self.request.user).filter(
            pk__in={v.family_id for v in ctx["visits"]}).values_list("pk", flat=True))
        ctx["visible_family_ids"] = visible
        # R-CODEWORD: a visit they are on reads as their phone shows it (visits.cover).
        ctx["visits"] = cover.as_seen_by(ctx["visits"], self.request.user)
        return ctx


class VisitDetailView(DetailView):
    template_name = "visits/visit_detail.html"
    context_object_name = "visit"

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        return keep_offline(response) if context.get("keep_offline") else response

    def get_queryset(self):
        return visible_visits(self.request.user).select_related(
            "family", "lead", "office_contact", "school", "decided_by", "vehicle_owner__profile")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        visit, user = self.object, self.request.user
        staff = list(visit.staff.select_related("profile"))
        ctx["staff"] = staff
        ctx["events"] = visit.events.select_related("actor", "on_behalf_of")
        ctx["escalations"] = visit.escalations.all()
        is_visitor = any(u.pk == user.pk for u in staff)
        if is_visitor:
            # R-CODEWORD: the staff on the visit see it as their phones show it (visits.cover).
            visit = ctx["visit"] = ctx["object"] = self.object = cover.as_the_phone_shows(visit)
            ctx["events"] = cover.phone_events(visit, ctx["events"])
        ctx["show_code_word"] = may_see_code_word(user) or is_visitor
        ra = getattr(visit, "risk_assessment", None)
        ctx["risk_assessment"] = ra
        ctx["checklist"] = getattr(visit, "checklist", None)
        # What watch applies while out, and why (R-CHECKIN, by the risk level; the head at the first alert
        # after an override): said until the visit is over.
        ctx["watch"] = None if visit.is_finished else watch_of(visit)
        ctx["children"] = visit.children.all()
        # Their own visit of today (or one they are out on), kept on their phone to open without signal.
        ctx["keep_offline"] = is_visitor and (visit.is_out or (
            timezone.localdate(visit.planned_start) == timezone.localdate() and not visit.is_finished))
        ctx["family_visible"] = visible_families(user).filter(pk=visit.family_id).exists()
        ctx["may_plan"] = may_plan_visits(user) and visit.is_editable
        ctx["may_plan_again"] = may_plan_visits(user)
        ctx["may_cancel"] = may_plan_visits(user) and visit.is_cancellable and not visit.is_out
        ctx["may_decide"] = may_approve(user) and visit.state == VisitState.SUBMITTED
        ctx["is_lead"] = visit.lead_id == user.pk
        # Gates: what the approver must override, shown while a decision is still to come (R-EVENING,
        # R-COMMUTE, R-FSW, R-TRAINING); after it, the decision and its overrides (visit.decision).
        if visit.is_submittable:
            ctx["gates"] = visit.gate_needs(services.gates_for(visit, staff))
            ctx["todo"] = submission_todo(visit, staff, timezone.now())
        elif visit.awaiting_decision:
            ctx["gates"] = visit.gate_needs()
        ctx["decision"] = visit.decision
        return ctx


def visit_form(request, pk=None, source_pk=None):
    """Create or edit a plan, or start a new one from an earlier visit ("plan again")."""
    user = request.user
    school = own_school(user)
    visit = visible_visit(request, pk) if pk is not None else Visit(school=school, created_by=user)
    source = visible_visit(request, source_pk) if source_pk is not None else None
    if not may_plan_visits(user):
        raise PermissionDenied("Your role can't plan visits.")
    if pk is not None and not visit.is_editable:
        messages.error(request, f"This visit is {visit.get_state_display().lower()} and can no longer be changed.")
        return redirect(visit)
    initial = _initial_plan(request, source) if pk is None else {}
    before = plan_snapshot(visit)
    gates = []
    if request.method == "POST" and "find_family" in request.POST:
        # The family search without JavaScript: draw the form again with what was typed, save nothing.
        form = VisitForm(initial={**initial, **posted_as_initial(request.POST)}, instance=visit, user=user,
                         school=school)
    elif request.method == "POST":
        form = VisitForm(request.POST, instance=visit, initial=initial, user=user, school=school)
        if form.is_valid():
            visit = form.save(commit=False)
            form.apply(visit)
            staff = form.staff()
            gates = services.gates_for(visit, staff)
            if source is not None:
                visit.planned_from = source
            try:
                visit = services.save_plan(visit, staff, user, changed_fields=changed_plan_fields(
                    before, visit, staff, form), children=form.cleaned_data["children"])
            except ValidationError as exc:
                add_service_errors(form, exc, field_map=PLAN_FIELD_MAP)
            else:
                if source is not None:
                    messages.info(request, "The risk assessment was copied forward from the family's last visit. "
                                           "Check it and confirm you have reviewed it before submitting.")
                elif pk is not None and visit.state == VisitState.SUBMITTED and before and \
                        set(changed_plan_fields(before, visit, staff, form)) & set(services.REAPPROVAL_FIELDS):
                    messages.warning(request, "The time, staff or address changed: the visit needs approval again.")
                else:
                    messages.success(request, "Visit plan saved.")
                return redirect(visit)
    else:
        form = VisitForm(instance=visit, initial=initial, user=user, school=school)
        if visit.pk:
            gates = services.gates_for(visit, list(visit.staff.select_related("profile")))
    return render(request, "visits/visit_form.html",
                  {"form": form, "visit": visit, "source": source, "gates": visit.gate_needs(gates)})


@require_POST
def visit_gates_preview(request):
    """The gates a plan would need, as the form is filled in (htmx): the form warns at once."""
    user = request.user
    school = own_school(user)
    if not may_plan_visits(user):
        raise PermissionDenied("Your role can't plan visits.")
    pk = request.GET.get("visit", "")
    instance = visible_visit(request, int(pk)) if pk.isdecimal() else Visit(school=school, created_by=user)
    form = VisitForm(request.POST, instance=instance, user=user, school=school)
    form.is_valid()  # a plan still being filled in: use whatever is clean so far
    data = form.cleaned_data
    gates = []
    if data.get("planned_start") and data.get("expected_return") and data.get("lead"):
        probe = Visit(school=school, planned_start=data["planned_start"], expected_return=data["expected_return"],
                      duration_minutes=data.get("duration_minutes") or 45, purpose=data.get("purpose") or "",
                      starts_at_home=data.get("starts_at_home", False), ends_at_home=data.get("ends_at_home", False))
        lead = data["lead"]
        staff = [lead, *[u for u in data.get("other_staff") or [] if u.pk != lead.pk]]
        gates = services.gates_for(probe, staff)
    return render(request, "visits/_gates.html", {"gates": Visit(school=school).gate_needs(gates)})


@require_POST
def visit_form_part(request, part):
    """One part of the plan form drawn again from what is filled in so far (htmx): the families the
    search finds (only those the user may see, visits.scoping), the chosen family's children, and
    "Going with" without the lead."""
    user = request.user
    school = own_school(user)
    if part not in FORM_PARTS:
        raise Http404("No such part")
    if not may_plan_visits(user):
        raise PermissionDenied("Your role can't plan visits.")
    pk = request.GET.get("visit", "")
    instance = visible_visit(request, int(pk)) if pk.isdecimal() else Visit(school=school, created_by=user)
    form = VisitForm(initial=posted_as_initial(request.POST), instance=instance, user=user, school=school)
    return render(request, "visits/_form_part.html", {"field": form[part]})


def _initial_plan(request, source):
    if source is not None:
        return services.plan_again_initial(source)
    initial = {}
    if has_role(request.user, roles.VISITING_STAFF):
        initial["lead"] = request.user.pk
    family_pk = request.GET.get("family", "")
    if family_pk.isdecimal():
        family = visible_families(request.user).filter(pk=int(family_pk)).first()
        if family is not None:
            initial.update(family=family.pk, address=family.address, contact_phone=family.phone,
                           children=list(family.children.values_list("pk", flat=True)))
    return initial


def visit_cancel(request, pk):
    visit = visible_visit(request, pk)
    if not may_plan_visits(request.user):
        raise PermissionDenied("Your role can't cancel visits.")
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel(visit, request.user, form.cleaned_data["reason"],
                            for_safety=form.cleaned_data["for_safety"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Visit cancelled. The staff have been told"
                             + (" and the head of school has it in writing." if form.cleaned_data["for_safety"]
                                else "."))
            return redirect(visit)
    return render(request, "visits/visit_cancel.html", {"visit": visit, "form": form})


def visit_submit(request, pk):
    visit = visible_visit(request, pk)
    if not may_plan_visits(request.user):
        raise PermissionDenied("Your role can't submit visits.")
    if visit.day_round_id is not None:
        # R-LUNCH, R-AUTH: a round's visits go for approval together, as one plan.
        messages.info(request, "This visit is on a day's round: submit the round, with all its visits.")
        return redirect("visits:round-detail", visit.day_round_id)
    errors = []
    if request.method == "POST":
        try:
            services.submit(visit, request.user)
        except ValidationError as exc:
            errors = messages_of(exc)
        else:
            messages.success(request, "Submitted: the head of school or DSL will decide.")
            return redirect(visit)
    staff = list(visit.staff.select_related("profile"))
    todo = submission_todo(visit, staff, timezone.now())
    return render(request, "visits/visit_submit.html", {
        "visit": visit, "todo": todo, "errors": errors,
        "gates": visit.gate_needs(services.gates_for(visit, staff)),
        "submittable": visit.is_submittable,
    })


# --- Risk assessment and checklist ------------------------------------------------------------

def risk_assessment(request, pk):
    visit = visible_visit(request, pk)
    user = request.user
    if not may_plan_visits(user):
        raise PermissionDenied("Your role can't change risk assessments.")
    ra = ensure_risk_assessment(visit)
    editable = visit.is_editable
    if request.method == "POST":
        if not editable:
            messages.error(request, "This visit can no longer be changed.")
            return redirect(visit)
        form = RiskAssessmentForm(request.POST, instance=ra, family=visit.family)
        hazards = HazardFormSet(request.POST, instance=ra, prefix="hazards")
        if form.is_valid() and hazards.is_valid():
            changed = form.has_changed() or hazards.has_changed()
            was_approved = visit.state == VisitState.APPROVED
            try:
                with transaction.atomic():
                    form.save()
                    hazards.save()
                    assessment_saved(ra, user, changed=changed, reviewed=form.cleaned_data["reviewed"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if changed and was_approved:
                    messages.warning(request, "The risk assessment changed: the visit needs approval again.")
                else:
                    messages.success(request, "Risk assessment saved.")
                ra.refresh_from_db()
                if ra.high_risk_reasons():
                    # R-NOVISIT
                    messages.error(request, "This assessment is HIGH RISK: the visit can't be approved until "
                                            "it is revised.")
                return redirect(visit)
    else:
        form = RiskAssessmentForm(instance=ra, family=visit.family)
        hazards = HazardFormSet(instance=ra, prefix="hazards")
    return render(request, "visits/risk_assessment.html", {
        "visit": visit, "ra": ra, "form": form, "hazards": hazards, "editable": editable,
        "high_risk_reasons": ra.high_risk_reasons(),
    })


def checklist(request, pk):
    visit = visible_visit(request, pk)
    user = request.user
    existing = SafetyChecklist.objects.filter(visit=visit).first()
    instance = existing or SafetyChecklist(visit=visit)
    is_lead = visit.lead_id == user.pk
    if request.method == "POST":
        form = ChecklistForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                complete_checklist(form.save(commit=False), user)  # R-CHECKLIST: the lead only
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(visit)
            if instance.unanswered():
                messages.warning(request, "Saved, but not every question is answered yes: sort those out before "
                                          "the visit.")
            else:
                messages.success(request, "Safety checklist complete.")
            return redirect(visit)
    else:
        form = ChecklistForm(instance=instance)
    return render(request, "visits/checklist.html",
                  {"visit": visit, "form": form, "is_lead": is_lead, "checklist": existing})
