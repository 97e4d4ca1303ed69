"""Pages for families, visit plans, risk assessments, approvals, letters and the timetable.

Views stay thin: who sees what comes from visits.scoping (404 for what a user can't see, 403 for
actions their role can't take on what they can see); every rule and state change is in
visits.services / visits.assessments.
"""

import datetime

import icalendar
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from accounts import roles
from accounts.models import StaffProfile, has_role, school_of
from homevisits.forms import add_service_errors

from . import services
from .assessments import assessment_saved, complete_checklist, ensure_risk_assessment
from .forms import (
    FORM_PARTS,
    PLAN_FIELD_MAP,
    ApproveForm,
    CancelForm,
    CarerFormSet,
    ChecklistForm,
    ChildFormSet,
    FamilyForm,
    HazardFormSet,
    RefuseForm,
    RiskAssessmentForm,
    VisitForm,
    asked_week,
    changed_plan_fields,
    plan_snapshot,
    posted_as_initial,
    week_start,
)
from .localtime import combine_local
from .models import Family, SafetyChecklist, Visit, VisitState
from .scoping import (
    AccessKind,
    may_approve,
    may_edit_families,
    may_export_csv,
    may_export_family,
    may_plan_visits,
    may_see_code_word,
    may_share_families,
    note_read,
    search_families,
    sees_all_visits,
    visible_families,
    visible_visits,
)

PAGE_SIZE = 25


def _school(user):
    school = school_of(user)
    if school is None:  # e.g. a superuser without a staff profile: nothing of any school to show
        raise Http404("No school")
    return school


def _visit(request, pk, *related):
    qs = visible_visits(request.user).select_related("family", "school", "lead", *related)
    return get_object_or_404(qs, pk=pk)


def _messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- Families ---------------------------------------------------------------------------------

class FamilyListView(ListView):
    template_name = "visits/family_list.html"
    context_object_name = "families"
    paginate_by = PAGE_SIZE

    def search(self) -> str:
        # A NUL character can't be sent to PostgreSQL at all (it answered 500); nobody types one.
        return self.request.GET.get("q", "").replace("\x00", "").strip()

    def get_queryset(self):
        qs = visible_families(self.request.user).annotate(child_count=Count("children", distinct=True))
        return search_families(qs, self.search()).order_by("display_name", "pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["q"] = self.search()
        ctx["may_edit"] = may_edit_families(self.request.user)
        return ctx


class FamilyDetailView(DetailView):
    template_name = "visits/family_detail.html"
    context_object_name = "family"

    def get_queryset(self):
        return visible_families(self.request.user).prefetch_related("children", "carers")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["visits"] = (visible_visits(self.request.user).filter(family=self.object)
                         .prefetch_related("staff").order_by("-planned_start"))
        ctx["may_edit"] = may_edit_families(self.request.user)
        ctx["may_plan"] = may_plan_visits(self.request.user)
        ctx["may_export"] = may_export_family(self.request.user)
        # R-CONFIDENTIAL: every read of a family's record is logged (audit page).
        note_read(self.request, AccessKind.FAMILY, self.object, family_id=self.object.pk)
        return ctx


def family_form(request, pk=None):
    user = request.user
    school = _school(user)
    if pk is not None:
        family = get_object_or_404(visible_families(user), pk=pk)
    else:
        family = Family(school=school)
    if not may_edit_families(user):
        raise PermissionDenied("Your role can't change family records.")
    creating = family.pk is None
    share = {"school": school, "may_share": may_share_families(user)}
    if request.method == "POST":
        form = FamilyForm(request.POST, instance=family, **share)
        children = ChildFormSet(request.POST, instance=family, prefix="children")
        carers = CarerFormSet(request.POST, instance=family, prefix="carers")
        if form.is_valid() and children.is_valid() and carers.is_valid():
            with transaction.atomic():  # nothing half-saved
                family = form.save()
                children.instance = carers.instance = family
                children.save()
                carers.save()
                if "shared_with" in form.fields:
                    services.share_family(family, form.cleaned_data["shared_with"], user)
                if creating:
                    services.family_created(family, user)
            messages.success(request, f"{family.display_name} saved.")
            return redirect(family)
    else:
        form = FamilyForm(instance=family, **share)
        children = ChildFormSet(instance=family, prefix="children")
        carers = CarerFormSet(instance=family, prefix="carers")
    return render(request, "visits/family_form.html",
                  {"form": form, "children_formset": children, "carers_formset": carers, "family": family,
                   "creating": creating})


# --- Visits -----------------------------------------------------------------------------------

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
        return ctx


class VisitDetailView(DetailView):
    template_name = "visits/visit_detail.html"
    context_object_name = "visit"

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
        ctx["show_code_word"] = may_see_code_word(user) or is_visitor
        ra = getattr(visit, "risk_assessment", None)
        ctx["risk_assessment"] = ra
        ctx["checklist"] = getattr(visit, "checklist", None)
        ctx["children"] = visit.children.all()
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
            ctx["todo"] = services.submission_problems(visit) + [
                m for msgs in services.plan_errors(visit, staff, timezone.now()).values() for m in msgs]
        elif visit.awaiting_decision:
            ctx["gates"] = visit.gate_needs()
        ctx["decision"] = visit.decision
        return ctx


def visit_form(request, pk=None, source_pk=None):
    """Create or edit a plan, or start a new one from an earlier visit ("plan again")."""
    user = request.user
    school = _school(user)
    visit = _visit(request, pk) if pk is not None else Visit(school=school, created_by=user)
    source = _visit(request, source_pk) if source_pk is not None else None
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
    school = _school(user)
    if not may_plan_visits(user):
        raise PermissionDenied("Your role can't plan visits.")
    pk = request.GET.get("visit", "")
    instance = _visit(request, int(pk)) if pk.isdecimal() else Visit(school=school, created_by=user)
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
    school = _school(user)
    if part not in FORM_PARTS:
        raise Http404("No such part")
    if not may_plan_visits(user):
        raise PermissionDenied("Your role can't plan visits.")
    pk = request.GET.get("visit", "")
    instance = _visit(request, int(pk)) if pk.isdecimal() else Visit(school=school, created_by=user)
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
    visit = _visit(request, pk)
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
    visit = _visit(request, pk)
    if not may_plan_visits(request.user):
        raise PermissionDenied("Your role can't submit visits.")
    errors = []
    if request.method == "POST":
        try:
            services.submit(visit, request.user)
        except ValidationError as exc:
            errors = _messages_of(exc)
        else:
            messages.success(request, "Submitted: the head of school or DSL will decide.")
            return redirect(visit)
    staff = list(visit.staff.select_related("profile"))
    todo = services.submission_problems(visit) + [
        m for msgs in services.plan_errors(visit, staff, timezone.now()).values() for m in msgs]
    return render(request, "visits/visit_submit.html", {
        "visit": visit, "todo": todo, "errors": errors,
        "gates": visit.gate_needs(services.gates_for(visit, staff)),
        "submittable": visit.is_submittable,
    })


# --- Risk assessment and checklist ------------------------------------------------------------

def risk_assessment(request, pk):
    visit = _visit(request, pk)
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
    visit = _visit(request, pk)
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


# --- Approvals (R-AUTH) -----------------------------------------------------------------------

def approvals(request):
    user = request.user
    school = _school(user)
    if not may_approve(user):
        raise PermissionDenied("Only the head of school or the DSL approves visits.")
    visits = list(
        Visit.objects.filter(school=school, state=VisitState.SUBMITTED)
        .select_related("family", "lead", "risk_assessment", "school")
        .prefetch_related("staff", "risk_assessment__hazards")
        .order_by("planned_start", "pk")
    )
    rows = []
    for visit in visits:
        colour, words, reasons = services.approval_status(visit, user)
        rows.append({"visit": visit, "colour": colour, "words": words, "reasons": reasons,
                     "gates": visit.gate_needs()})
    return render(request, "visits/approvals.html", {"rows": rows})


def _decision_page(request, visit, approve_form, refuse_form, blockers=None):
    ra = getattr(visit, "risk_assessment", None)
    return render(request, "visits/visit_decide.html", {
        "visit": visit, "approve_form": approve_form, "refuse_form": refuse_form, "ra": ra,
        "gates": visit.gate_needs(),
        "staff": list(visit.staff.select_related("profile")),
        "blockers": blockers if blockers is not None else services.approval_blockers(
            visit, request.user, {g: "x" for g in visit.gates_required}),
    })


def _decidable(request, pk):
    visit = _visit(request, pk, "risk_assessment")
    if not may_approve(request.user):
        raise PermissionDenied("Only the head of school or the DSL approves visits.")
    return visit


def visit_approve(request, pk):
    visit = _decidable(request, pk)
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


# --- Letters (R-INFORM, R-NOTHOME) ------------------------------------------------------------

def _letter_context(visit):
    staff = list(visit.staff.select_related("profile").order_by("first_name", "last_name"))
    return {"visit": visit, "school": visit.school, "staff": staff,
            "carers": list(visit.family.carers.filter(parental_responsibility=True)),
            "children": list(visit.children.all()), "today": timezone.localdate(),
            # On screen only, never printed: not approved yet, refused, cancelled or high risk.
            "warnings": visit.letter_warnings()}


def visit_letter(request, pk):
    """The letter telling the family about the visit (R-INFORM). Never shows the code word."""
    visit = _visit(request, pk)
    return render(request, "visits/letter.html",
                  {**_letter_context(visit), "may_record": may_plan_visits(request.user) and visit.is_editable})


@require_POST
def visit_letter_sent(request, pk):
    visit = _visit(request, pk)
    if not may_plan_visits(request.user):
        raise PermissionDenied("Your role can't change visits.")
    try:
        services.record_letter_sent(visit, request.user, timezone.localdate())
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, "Recorded: the letter was sent today.")  # R-INFORM
    return redirect(visit)


def visit_slip(request, pk):
    """The "sorry you weren't in" slip left at the door (R-NOTHOME)."""
    visit = _visit(request, pk)
    return render(request, "visits/slip.html", _letter_context(visit))


# --- The week's timetable and calendar feed (R-SCHEDULE) --------------------------------------

def timetable(request):
    user = request.user
    _school(user)
    monday = asked_week(request.GET.get("week"))
    start = combine_local(monday, datetime.time(0, 0))
    end = combine_local(monday + datetime.timedelta(days=7), datetime.time(0, 0))
    visits = list(
        visible_visits(user).filter(planned_start__gte=start, planned_start__lt=end)
        .select_related("family", "lead").prefetch_related("staff").order_by("planned_start", "pk")
    )
    may_see = set(visible_families(user).filter(pk__in={v.family_id for v in visits}).values_list("pk", flat=True))
    days = []
    for offset in range(7):
        date = monday + datetime.timedelta(days=offset)
        todays = [v for v in visits if timezone.localdate(v.planned_start) == date]
        if offset < 5 or todays:
            days.append({"date": date, "visits": todays, "is_today": date == timezone.localdate()})
    profile = StaffProfile.objects.filter(user=user).first()
    feed_url = request.build_absolute_uri(
        reverse("visits:calendar-feed", args=[profile.calendar_token])) if profile else None
    return render(request, "visits/timetable.html", {
        "days": days, "monday": monday, "may_see": may_see,
        "previous": monday - datetime.timedelta(days=7), "next": monday + datetime.timedelta(days=7),
        "this_week": week_start(timezone.localdate()), "sees_all": sees_all_visits(user), "feed_url": feed_url,
        "may_export_csv": may_export_csv(user),
    })


def calendar_feed(request, token):
    """A staff member's visits as iCalendar, public by its secret token (revocable). Only "Home
    visit", times and a link: no address, child's name or code word (R-CONFIDENTIAL)."""
    profile = StaffProfile.objects.filter(calendar_token=token, user__is_active=True).select_related("user").first()
    if profile is None or not token:
        raise Http404("No such calendar")
    since = timezone.now() - datetime.timedelta(days=60)
    visits = (Visit.objects.filter(staff=profile.user, planned_start__gte=since)
              .exclude(state__in=[VisitState.CANCELLED, VisitState.REFUSED]).order_by("planned_start", "pk"))
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Home Visits//visits//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Home visits")
    base = settings.SITE_URL.rstrip("/")
    stamp = timezone.now()
    for visit in visits:
        event = icalendar.Event()
        event.add("uid", f"visit-{visit.pk}@homevisits")
        event.add("dtstamp", stamp)
        event.add("dtstart", visit.planned_start)
        event.add("dtend", visit.expected_return)
        event.add("summary", "Home visit" if visit.state != VisitState.SUBMITTED else "Home visit (awaiting approval)")
        event.add("status", "CONFIRMED" if visit.state not in (VisitState.DRAFT, VisitState.SUBMITTED) else "TENTATIVE")
        event.add("url", f"{base}{visit.get_absolute_url()}")
        event.add("description", f"Details (sign in needed): {base}{visit.get_absolute_url()}")
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def calendar_revoke(request):
    profile = get_object_or_404(StaffProfile, user=request.user)
    profile.revoke_calendar_token()
    messages.success(request, "Your old calendar link no longer works. Add the new link to your calendar.")
    return redirect("visits:timetable")

