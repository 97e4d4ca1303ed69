"""The escalation panel's page (R-CONTACT-STEPS): acknowledge an alert and record the contact steps."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.permissions import may_keep_watch
from homevisits.forms import add_service_errors
from homevisits.redirects import safe_next
from visits.lifecycle import OUT_STATES
from visits.scoping import visible_visits

from ..escalations import acknowledge, record_contact
from ..forms import AcknowledgeForm, ContactAttemptForm
from ..models import ContactOutcome, Escalation
from ..presenters import escalation_panel, hhmm


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
                esc = acknowledge(esc, request.user, now=now)
            except PermissionDenied as exc:
                raise Http404("No such escalation") from exc
            except ValidationError as exc:  # raised or resolved since the page was drawn
                messages.error(request, " ".join(exc.messages))
                return redirect(back)
            if esc.acknowledged_by_id != request.user.pk:  # someone else was first (the row lock decides)
                who = esc.acknowledged_by.get_full_name() or esc.acknowledged_by.get_username()
                messages.warning(request, f"{who} took charge of the level {esc.level} alert first, at "
                                          f"{hhmm(esc.acknowledged_at)}.")
                return redirect(back)
            messages.success(request, f"You have taken charge of the level {esc.level} alert ({hhmm(now)}): it "
                                      "stops repeating, the others alerted are told you have it, and it stays on "
                                      "the board until resolved.")
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
                            new_expected_return=form.cleaned_data["new_expected_return_at"],
                            alarm_outcome=form.cleaned_data["alarm_outcome"], now=now,
                        )
                    except ValidationError as exc:
                        add_service_errors(form, exc)
                    except PermissionDenied as exc:
                        raise Http404("No such escalation") from exc
                    else:
                        text = f"Step {attempt.step} recorded at {hhmm(now)}: {attempt.get_outcome_display()}."
                        if attempt.outcome == ContactOutcome.REACHED_SAFE:
                            visit.refresh_from_db()
                            text += " Escalation resolved."
                            if visit.state in OUT_STATES:
                                text += f" Expected back {hhmm(visit.expected_return)}."
                        messages.success(request, text)
                        return redirect(back)
            panel = escalation_panel(request.user, visit, now, contact_form=form)
            return self.render_page(request, visit, panel)
        raise Http404("Unknown action")
