"""The safety pages: the phone check-in page, the office's phone recording, the escalation panel,
the police pack and the "who is out now" board.

Views stay thin: who may see what comes from visits.scoping, accounts.permissions and
safety.checkins.may_record_for; every rule is checked by the service functions (safety.checkins,
safety.escalations), whose errors are shown on the form.
"""

import datetime
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts import roles
from accounts.permissions import may_keep_watch, may_record_calls
from homevisits.forms import add_service_errors
from homevisits.redirects import safe_next
from notifications import outbox
from notifications.outbox import school_people
from visits import lifecycle
from visits.lifecycle import OUT_STATES, EventKind
from visits.localtime import local_day_bounds
from visits.models import RecordedHow, Visit, VisitEvent, VisitReport, VisitStaff, VisitState
from visits.reports import may_file_report
from visits.scoping import visible_visits

from . import checkins
from .board import live_board
from .escalations import acknowledge, next_contact_step, record_contact
from .forms import (
    AcknowledgeForm,
    CheckInForm,
    ContactAttemptForm,
    PhoneCheckInForm,
    suggested_return_time,
)
from .health import monitoring_is_down, scan_age
from .models import ContactAttempt, ContactOutcome, ContactStep, Escalation, EscalationReason


def monitoring_status(request):
    """For signed-in pages that poll: is the watchdog scanning? (no personal data)"""
    age = scan_age()
    return JsonResponse({"monitoring_down": monitoring_is_down(), "last_scan_age_seconds": age})


def _hhmm(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M") if moment else "?"


def _duration(delta: datetime.timedelta) -> str:
    total = max(0, int(delta.total_seconds() // 60))
    hours, mins = divmod(total, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def _on_staff(user, visit) -> bool:
    return visit.staff.filter(pk=user.pk).exists()


# --- Check-ins: the phone page and the office's phone recording -------------------------------

def offered_kinds(visit: Visit, now: datetime.datetime) -> list[str]:
    """The check-ins the service accepts from the visit's state (the one table in
    visits.lifecycle), in the order the pages show them; the service still checks every one."""
    if visit.state == VisitState.APPROVED and timezone.localdate(visit.planned_start) != timezone.localdate(now):
        return []  # R-DEPART: only on the day of the visit.
    return lifecycle.kinds_accepted_from(visit.state)


def _returned_text(event: VisitEvent, visit: Visit, who: str) -> str:
    """R-RETURN: one person back; the visit is over only when everyone is."""
    at = _hhmm(event.at)
    back = "Home safe" if visit.ends_at_home else "Back at school"
    if visit.state == VisitState.RETURNED:
        return f"{back}{who} at {at}. Everyone is back: the visit is closed."
    still_out = ", ".join(p.get_full_name() or p.get_username() for p in visit.staff_out())
    return (f"{back}{who} at {at}. Still out: {still_out}. The visit stays open, and watched, "
            "until everyone is back.")


def confirmation(event: VisitEvent, visit: Visit, duplicate: bool) -> str:
    """What the page says once an event is recorded ("On your way: left at 10:02. Expected back 11:15.")."""
    at, back = _hhmm(event.at), _hhmm(visit.expected_return)
    who = ""
    if event.how == RecordedHow.PHONE and event.on_behalf_of:
        who = f" for {event.on_behalf_of.get_full_name() or event.on_behalf_of.get_username()}"
    text = {
        EventKind.DEPARTED: (f"Recorded{who}: left for the visit at {at}. Expected back {back}." if who
                             else f"On your way: left at {at}. Expected back {back}."),
        EventKind.ARRIVED: f"Arrival recorded{who} at {at}.",
        EventKind.UNSAFE: f"Recorded{who} at {at}: does not feel safe. The head of school has been alerted.",
        EventKind.OK: f"Check-in recorded{who} at {at}. Expected back {back}.",
        EventKind.LATE: f"Running late recorded{who} at {at}. Expected back {back}.",
        EventKind.NO_ONE_HOME: f"No one home recorded{who} at {at}. Expected back {back}.",
        EventKind.LEFT: f"Left the property{who} at {at}. Expected back {back}.",
        EventKind.ABANDONED: f"Visit abandoned{who} at {at}. The head of school has been told.",
        EventKind.RETURNED: _returned_text(event, visit, who),
        EventKind.DURESS: f"CODE WORD recorded{who} at {at}. The office, head and DSL have been alerted.",
    }.get(event.kind, f"{event.get_kind_display()} recorded{who} at {at}.")
    if duplicate:
        text = f"Already recorded: {text}"
    return text


class _CheckInBase(View):
    by_phone = False

    def get_visit(self, request, pk) -> Visit:
        visit = get_object_or_404(
            visible_visits(request.user).select_related("school", "family", "lead"), pk=pk
        )
        # Only staff on the visit, or the office and head after a phone call (R-CONFIDENTIAL).
        if not checkins.may_record_for(request.user, visit):
            raise Http404("No such visit")
        if self.by_phone and not may_record_calls(request.user):
            raise Http404("No such visit")
        return visit

    def make_form(self, visit, now, data=None, kind=None):
        form_class = PhoneCheckInForm if self.by_phone else CheckInForm
        kwargs = {"now": now}
        if self.by_phone:
            kwargs["visit"] = visit
        if data is not None:
            form = form_class(data, **kwargs)
        else:
            initial = {"kind": kind or "", "idempotency_key": uuid.uuid4()}
            if kind in (EventKind.LATE, None):
                initial["new_expected_return"] = suggested_return_time(visit.expected_return, now)
            form = form_class(initial=initial, auto_id=f"id_{kind or 'checkin'}_%s", **kwargs)
        kind = kind or (data or {}).get("kind")
        if kind == EventKind.ABANDONED:
            form.fields["note"].label = "Why are you abandoning the visit? (required)"
        elif not self.by_phone:
            form.fields["note"].label = "Note (optional)"
        return form

    def post(self, request, pk):
        now = timezone.now()
        visit = self.get_visit(request, pk)
        if not self.by_phone and not _on_staff(request.user, visit):
            return redirect("safety:record-call", pk=visit.pk)
        form = self.make_form(visit, now, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            key = str(data["idempotency_key"])
            # Only for the message: the service itself records a key once (and on its own visit only).
            duplicate = VisitEvent.objects.filter(idempotency_key=key, visit=visit).exists()
            failures_before = outbox.broker_failures()
            try:
                event = checkins.check_in(
                    visit, data["kind"], request.user, now=now, note=data["note"],
                    new_expected_return=data["new_expected_return_at"],
                    how=RecordedHow.PHONE if self.by_phone else RecordedHow.SELF,
                    on_behalf_of=data.get("on_behalf_of"), idempotency_key=key,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                raise Http404("No such visit") from exc
            else:
                visit.refresh_from_db()
                messages.success(request, confirmation(event, visit, duplicate=duplicate))
                if outbox.broker_failures() > failures_before:
                    # Saved, but the alerts could not be handed over yet: say so (they go out when it is back).
                    messages.warning(request, "Saved. The alert service is not reachable right now, so the office "
                                              "and head have not been messaged yet: it will send as soon as it is "
                                              f"back. Ring the school office on {visit.school.office_phone.as_national}.")
                return redirect(request.path)
        if any(name in form.errors for name in ("kind", "idempotency_key")):
            # Hidden fields: say something the person can act on.
            form.add_error(None, "This page is out of date: reload it and tap again.")
        return self.render_page(request, visit, now, failed=form)


class CheckInView(_CheckInBase):
    """R-DEPART .. R-RETURN from the phone of a member of staff on the visit: one big button each."""

    template_name = "safety/checkin.html"

    def get(self, request, pk):
        visit = self.get_visit(request, pk)
        if not _on_staff(request.user, visit):
            # The office and head are not on the visit: they record what staff tell them by phone.
            return redirect("safety:record-call", pk=visit.pk)
        return self.render_page(request, visit, timezone.now())

    def render_page(self, request, visit, now, failed=None):
        links = visit.staff_links_with_people()
        mine = next((link for link in links if link.user_id == request.user.pk), None)
        # Someone already back gives no more word for the visit (R-RETURN, R-CHECKIN).
        offered = offered_kinds(visit, now) if mine is None or mine.is_out else []
        forms = {kind: self.make_form(visit, now, kind=kind) for kind in offered}
        failed_kind = failed.data.get("kind") if failed is not None else None
        if failed is not None and failed_kind in forms:
            forms[failed_kind] = failed
        context = {
            "visit": visit,
            "school": visit.school,
            "now": now,
            "offered": offered,
            "forms": forms,
            "failed": failed,
            "last_word": _last_checkin(visit),
            "wait": _wait_countdown(visit, now),
            "returned_label": "Finished: I'm home safe" if visit.ends_at_home else "Back at school",
            "me_back": mine is not None and not mine.is_out,
            "my_link": mine,
            "others_out": [link for link in links if link.is_out and link.user_id != request.user.pk],
            "others_back": [link for link in links if not link.is_out and link.user_id != request.user.pk],
            # R-REPORT: once everyone is back, the next thing to do is the report.
            "report_due": (visit.state == VisitState.RETURNED and may_file_report(request.user, visit)
                           and not VisitReport.objects.filter(visit=visit).exists()),
        }
        return render(request, self.template_name, context)


class RecordCallView(_CheckInBase):
    """The office or head records an event a member of staff gave by phone (how=phone, on_behalf_of)."""

    by_phone = True
    template_name = "safety/record_call.html"

    def get(self, request, pk):
        return self.render_page(request, self.get_visit(request, pk), timezone.now())

    def render_page(self, request, visit, now, failed=None):
        offered = offered_kinds(visit, now)
        # A refused post recorded nothing, so its key may be used again for the retry.
        form = failed if failed is not None else self.make_form(visit, now)
        context = {
            "visit": visit,
            "school": visit.school,
            "now": now,
            "offered": offered,
            "form": form,
            "buttons": [(kind, _call_button_label(kind, visit)) for kind in offered if kind != EventKind.DURESS],
            "duress_offered": EventKind.DURESS in offered,
            "last_word": _last_checkin(visit),
            "links": visit.staff_links_with_people(),
        }
        return render(request, self.template_name, context)


def _call_button_label(kind, visit) -> str:
    if kind == EventKind.DEPARTED:
        return visit.departure_label
    if kind == EventKind.RETURNED:
        return "Home safe" if visit.ends_at_home else "Back at school (or accounted for)"
    if kind == EventKind.UNSAFE and visit.state == VisitState.ON_SITE:
        return "Does NOT feel safe: leaving"
    return EventKind(kind).label


def _last_checkin(visit):
    return (visit.events.filter(kind__in=checkins.CHECKIN_KINDS).select_related("actor", "on_behalf_of")
            .order_by("-at", "-pk").first())


def _wait_countdown(visit, now):
    """R-WAIT: on arrival, how long staff wait at the door at most (the school's max_wait_minutes)."""
    if visit.state != VisitState.ON_SITE:
        return None
    arrived = visit.events.filter(kind=EventKind.ARRIVED).order_by("-at", "-pk").first()
    if arrived is None:
        return None
    until = arrived.at + datetime.timedelta(minutes=visit.school.max_wait_minutes)
    left = until - now
    seconds = max(0, int(left.total_seconds()))
    return {"until": until, "minutes": visit.school.max_wait_minutes, "over": seconds == 0,
            "left_seconds": seconds, "left_text": wait_left_text(seconds)}


def wait_left_text(seconds: int) -> str:
    """The R-WAIT countdown in words, never like a clock time: "19 min 58 s left" (static/js/checkin.js
    says it the same way)."""
    minutes_left, seconds_left = divmod(max(0, seconds), 60)
    return f"{minutes_left} min {seconds_left} s left" if minutes_left else f"{seconds_left} s left"


class MyVisitsView(View):
    """Visiting staff: today's visits they are on, each a tap away from its check-in page."""

    def get(self, request):
        today = timezone.localdate()
        start, end = local_day_bounds(today)
        visits = (
            visible_visits(request.user).filter(staff=request.user)
            .filter(Q(planned_start__gte=start, planned_start__lt=end, state=VisitState.APPROVED)
                    | Q(state__in=OUT_STATES))
            .select_related("family").order_by("planned_start", "pk")
            # R-RETURN: a visit they are back from while colleagues are still out says so.
            .annotate(me_back=Exists(VisitStaff.objects.filter(visit=OuterRef("pk"), user=request.user,
                                                               returned_at__isnull=False)))
        )
        return render(request, "safety/my_visits.html", {"visits": visits, "today": today})


# --- The escalation panel ---------------------------------------------------------------------

def escalation_panel(user, visit, now=None, contact_form=None, next_url=""):
    """Everything the office, head or DSL need on an escalated visit (R-CONTACT-STEPS)."""
    now = now or timezone.now()
    escalations = list(visit.escalations.select_related("acknowledged_by", "resolved_by"))
    # The visit's alert: its one open escalation, at its highest level (Escalation.objects.open_alerts).
    open_escalations = list(Escalation.objects.open_alerts().filter(visit=visit)
                            .select_related("acknowledged_by", "resolved_by"))
    for esc in open_escalations:
        if esc.reason in (EscalationReason.DURESS, EscalationReason.UNSAFE):
            esc.age_text = f"Raised {_duration(now - esc.created_at)} ago"
        else:
            esc.age_text = f"Overdue by {_duration(now - esc.anchor)}" if esc.anchor else ""
    attempts = list(ContactAttempt.objects.filter(escalation__visit=visit).select_related("by", "escalation"))
    # The office works the steps on the highest open escalation (Escalation's ordering: -level first).
    target = open_escalations[0] if open_escalations else None
    next_step = None
    if target is not None:
        next_step = next_contact_step(target)
        if contact_form is None:
            contact_form = ContactAttemptForm(initial={"escalation": target.pk, "step": next_step},
                                              auto_id="id_contact_%s")
        contact_form.fields["step"].choices = [
            (s, label) for s, label in ContactStep.choices
            if s <= next_step or (s == ContactStep.POLICE and target.reason == EscalationReason.DURESS)]
    links = visit.staff_links_with_people()
    # Step 1 is whoever is still out (R-RETURN); once the visit is over, everyone who went.
    staff = [link.user for link in links if link.is_out or not visit.is_out]
    leaders = school_people(visit.school, roles.HEAD, roles.DSL)
    steps = [
        {"number": ContactStep.WORKER, "label": ContactStep.WORKER.label,
         "numbers": [(p.get_full_name() or p.get_username(), getattr(getattr(p, "profile", None), "mobile", ""))
                     for p in staff]},
        {"number": ContactStep.LOCATION, "label": ContactStep.LOCATION.label, "numbers": location_numbers(visit)},
        {"number": ContactStep.LEADERSHIP, "label": ContactStep.LEADERSHIP.label,
         "numbers": [(f"{p.get_full_name() or p.get_username()}"
                      + (f" ({p.profile.job_title})" if p.profile.job_title else ""), p.profile.mobile)
                     for p in leaders]},
        {"number": ContactStep.POLICE, "label": ContactStep.POLICE.label, "numbers": [("Police", "999")]},
    ]
    for step in steps:
        step["attempts"] = [a for a in attempts if a.step == step["number"]]
        step["is_next"] = step["number"] == next_step
    return {
        "visit": visit,
        "now": now,
        "escalations": escalations,
        "open_escalations": open_escalations,
        "target": target,
        "next_step": next_step,
        "steps": steps,
        "attempts": attempts,
        "contact_form": contact_form,
        "next_url": next_url,
        "may_keep_watch": may_keep_watch(user),
        "links": links,
        "staff_out": [link for link in links if link.is_out] if visit.is_out else [],
        "staff_back": [link for link in links if not link.is_out] if visit.is_out else [],
        "reached_safe": ContactOutcome.REACHED_SAFE,
        # R-CODEWORD: police at once, the head and DSL informed (the watchdog has alerted them).
        "code_word": any(e.reason == EscalationReason.DURESS for e in open_escalations),
    }


def location_numbers(visit) -> list[tuple[str, object]]:
    """The numbers for contact step 2 (the location of the visit), each once: the contact number
    at the visit is often the family's own, and one number is one call (R-CONTACT-STEPS)."""
    numbers: dict[str, tuple[list[str], object]] = {}
    for label, number in (("Contact at the visit", visit.contact_phone), ("Family", visit.family.phone),
                          ("Family (other)", visit.family.phone_alt)):
        if number:
            numbers.setdefault(str(number), ([], number))[0].append(label)
    return [(" / ".join([labels[0], *(label.lower() for label in labels[1:])]), number)
            for labels, number in numbers.values()]


class EscalationView(View):
    """Office, head and DSL: the open escalations of a visit, acknowledge, and the contact steps."""

    template_name = "safety/escalation.html"

    def get_visit(self, request, pk):
        if not may_keep_watch(request.user):
            raise Http404("No such visit")
        return get_object_or_404(visible_visits(request.user).select_related("school", "family"), pk=pk)

    def get(self, request, pk):
        visit = self.get_visit(request, pk)
        return self.render_page(request, visit, escalation_panel(request.user, visit))

    def render_page(self, request, visit, panel, status=200):
        panel["next_url"] = ""
        return render(request, self.template_name, {"visit": visit, "panel": panel}, status=status)

    def post(self, request, pk):
        visit = self.get_visit(request, pk)
        now = timezone.now()
        back = safe_next(request, reverse("safety:escalation", args=[visit.pk]))
        action = request.POST.get("action")
        if action == "acknowledge":
            form = AcknowledgeForm(request.POST)
            if not form.is_valid():
                raise Http404("No such escalation")
            esc = get_object_or_404(Escalation, pk=form.cleaned_data["escalation"], visit=visit)
            try:
                acknowledge(esc, request.user, now=now)
            except PermissionDenied as exc:
                raise Http404("No such escalation") from exc
            except ValidationError as exc:  # raised or resolved since the page was drawn
                messages.error(request, " ".join(exc.messages))
                return redirect(back)
            messages.success(request, f"Level {esc.level} alert acknowledged at {_hhmm(now)}: it stops repeating "
                                      "and stays on the board until resolved.")
            return redirect(back)
        if action == "contact":
            form = ContactAttemptForm(request.POST, now=now, auto_id="id_contact_%s")
            if form.is_valid():
                esc = get_object_or_404(Escalation, pk=form.cleaned_data["escalation"], visit=visit)
                if not esc.is_open:
                    form.add_error(None, "This escalation is already resolved; reload the page.")
                else:
                    try:
                        attempt = record_contact(
                            esc, form.cleaned_data["step"], form.cleaned_data["outcome"], request.user,
                            note=form.cleaned_data["note"],
                            new_expected_return=form.cleaned_data["new_expected_return_at"], now=now,
                        )
                    except ValidationError as exc:
                        add_service_errors(form, exc)
                    except PermissionDenied as exc:
                        raise Http404("No such escalation") from exc
                    else:
                        text = f"Step {attempt.step} recorded at {_hhmm(now)}: {attempt.get_outcome_display()}."
                        if attempt.outcome == ContactOutcome.REACHED_SAFE:
                            visit.refresh_from_db()
                            text += " Escalation resolved."
                            if visit.state in OUT_STATES:
                                text += f" Expected back {_hhmm(visit.expected_return)}."
                        messages.success(request, text)
                        return redirect(back)
            panel = escalation_panel(request.user, visit, now, contact_form=form)
            return self.render_page(request, visit, panel)
        raise Http404("Unknown action")


# --- Police pack (R-POLICE) --------------------------------------------------------------------

class PolicePackView(View):
    """One printable page with what the police ask for (R-POLICE): office, head and DSL only."""

    def get(self, request, pk):
        if not may_keep_watch(request.user):
            raise Http404("No such visit")
        visit = get_object_or_404(
            visible_visits(request.user).select_related("school", "family", "vehicle_owner__profile", "lead"), pk=pk
        )
        last_event = visit.events.select_related("actor", "on_behalf_of").order_by("-at", "-pk").first()
        last_word = _last_checkin(visit)
        links = visit.staff_links_with_people()
        context = {
            "visit": visit,
            "now": timezone.now(),
            # Those still out first: they are who the police are looking for (R-RETURN).
            "staff": [link for link in links if link.is_out] + [link for link in links if not link.is_out],
            "someone_back": visit.is_out and any(not link.is_out for link in links),
            # R-CONTACT-STEPS: every step already tried, so nobody repeats or skips one.
            "attempts": ContactAttempt.objects.filter(escalation__visit=visit).select_related("by", "escalation"),
            "vehicle": visit.vehicle_owner.profile if visit.vehicle_owner_id and visit.transport == "car" and hasattr(
                visit.vehicle_owner, "profile") else None,
            "last_event": last_event,
            "last_word": last_word,
            "last_known_location": _last_known_location(visit),
            "open_escalations": Escalation.objects.open_alerts().filter(visit=visit),
            "risks": visit.family.known_risks,
        }
        return render(request, "safety/police_pack.html", context)


def _last_known_location(visit) -> str:
    if visit.state == VisitState.ON_SITE:
        return f"At the visit: {visit.address}"
    if visit.state == VisitState.DEPARTED:
        return f"On the way from {'home' if visit.starts_at_home else 'school'} to {visit.address}"  # R-COMMUTE
    if visit.state == VisitState.LEFT:
        return f"Left {visit.address}, on the way back" + (" home" if visit.ends_at_home else " to school")
    if visit.state == VisitState.RETURNED:
        return "Back at school"
    return "Not out (visit not signed out)"


# --- The office's live board -------------------------------------------------------------------

def board_context(request):
    if not may_keep_watch(request.user):
        raise Http404("Not available")
    return {"board": live_board(request.user), "poll_seconds": settings.BOARD_POLL_SECONDS,
            "board_url": reverse("safety:board"), "may_record_calls": may_record_calls(request.user)}


class BoardView(View):
    """The page the office keeps open all day: it polls BoardBodyView for its body."""

    def get(self, request):
        context = board_context(request)
        # The board shows the monitoring banner inside its polled body, so it also goes away by itself.
        context["monitoring_down"] = False
        return render(request, "safety/board.html", context)


@method_decorator(never_cache, name="dispatch")
class BoardBodyView(View):
    """Just the board's body, for htmx polling. A poll after the session has ended is answered by
    homevisits.middleware with HX-Redirect to the sign-in page (and back here afterwards)."""

    def get(self, request):
        return render(request, "safety/_board_body.html", board_context(request))
