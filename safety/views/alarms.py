"""What resolved alarms were (R-REVIEW): the office's, head's and DSL's list of alarms nobody has said
yet, and one alarm's page to say what it was (or, for the head and the DSL, to correct it)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from accounts.permissions import may_correct_alarm_outcome, may_say_alarm_outcome
from homevisits.forms import add_service_errors
from homevisits.redirects import safe_next

from ..escalations import say_outcome, visible_alarms
from ..forms import AlarmOutcomeForm
from ..presenters import unsaid_alarms, with_alarm_details

# The alarms page lists at most this many (newest first): enough for any school's backlog.
PAGE_LIMIT = 200


def _form_id(esc) -> str:
    return f"id_alarm{esc.pk}_%s"


class AlarmListView(View):
    """Say what these alarms were: those resolved without anyone saying what they were (staff who
    tapped "back" on their phone are not asked on the doorstep)."""

    def get(self, request):
        if not may_say_alarm_outcome(request.user):
            raise Http404("Not available")
        unsaid = unsaid_alarms(request.user, limit=PAGE_LIMIT)
        rows = [(esc, AlarmOutcomeForm(auto_id=_form_id(esc))) for esc in unsaid["alarms"]]
        return render(request, "safety/alarms.html", {"count": unsaid["count"], "rows": rows,
                                                      "limit": PAGE_LIMIT})


class AlarmView(View):
    """One resolved alarm: what it was, said here (office, head, DSL) or corrected (head, DSL)."""

    def get_alarm(self, request, pk):
        # Another school's alarm, a visit the user does not see, or a role that keeps no watch: 404.
        return get_object_or_404(visible_alarms(request.user), pk=pk)

    def render_page(self, request, esc, form):
        esc = with_alarm_details(visible_alarms(request.user).filter(pk=esc.pk))[0]
        may_change = not esc.outcome_said or may_correct_alarm_outcome(request.user)
        return render(request, "safety/alarm.html", {
            "esc": esc, "form": form if may_change else None,
            "next_url": safe_next(request, ""),
        })

    def get(self, request, pk):
        esc = self.get_alarm(request, pk)
        initial = {"alarm_outcome": esc.outcome, "note": esc.outcome_note} if esc.outcome_said else {}
        return self.render_page(request, esc, AlarmOutcomeForm(initial=initial, auto_id=_form_id(esc)))

    def post(self, request, pk):
        esc = self.get_alarm(request, pk)
        if esc.outcome_said and not may_correct_alarm_outcome(request.user):
            raise PermissionDenied("Only the head of school or the DSL correct what an alarm was.")
        form = AlarmOutcomeForm(request.POST, auto_id=_form_id(esc))
        if form.is_valid():
            try:
                said = say_outcome(esc, form.cleaned_data["alarm_outcome"], request.user,
                                   note=form.cleaned_data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc, {"outcome": "alarm_outcome"})
            else:
                messages.success(request, f"Recorded: {said.get_outcome_display()}.")
                return redirect(safe_next(request, reverse("safety:alarms")))
        return self.render_page(request, esc, form)
