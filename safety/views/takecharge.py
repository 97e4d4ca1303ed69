"""Take charge from the link in an alert (safety.takecharge): a page that says which alert, and one
button. Sign-in and the second factor come first, as for every page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from ..presenters import take_charge_page
from ..takecharge import LinkRefused, read, take_charge


class TakeChargeView(View):
    template_name = "safety/take_charge.html"

    def get(self, request, token):
        try:
            link = read(token, request.user)
        except LinkRefused as exc:
            return self.refused(request, exc)
        return render(request, self.template_name, take_charge_page(link, request.user, timezone.now()))

    def post(self, request, token):
        now = timezone.now()
        try:
            esc = take_charge(token, request.user, now)
        except LinkRefused as exc:
            return self.refused(request, exc)
        except PermissionDenied as exc:
            raise Http404("No such alert") from exc
        except ValidationError as exc:  # closed or raised since the alert was sent
            messages.error(request, " ".join(exc.messages))
            return redirect(reverse("safety:escalation", args=[read(token, request.user).escalation.visit_id]))
        if esc.acknowledged_by_id == request.user.pk:
            messages.success(request, f"You have taken charge ({timezone.localtime(esc.acknowledged_at):%H:%M}). "
                                      "The others alerted have been told. The contact steps are below.")
        else:
            who = esc.acknowledged_by.get_full_name() or esc.acknowledged_by.get_username()
            messages.warning(request, f"{who} took charge first, at {timezone.localtime(esc.acknowledged_at):%H:%M}.")
        return redirect(reverse("safety:escalation", args=[esc.visit_id]))

    def refused(self, request, exc):
        if exc.gone:
            return render(request, self.template_name, {"refused": exc.message}, status=410)
        raise Http404(exc.message)
