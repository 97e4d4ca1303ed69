"""Letters (R-INFORM, R-NOTHOME): the letter to the family, recording it sent, and the door slip."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import services
from ..presenters import letter_context
from ..scoping import may_plan_visits
from .common import messages_of, visible_visit


def visit_letter(request, pk):
    """The letter telling the family about the visit (R-INFORM). Never shows the code word."""
    visit = visible_visit(request, pk)
    return render(request, "visits/letter.html",
                  {**letter_context(visit), "may_record": may_plan_visits(request.user) and visit.is_editable})


@require_POST
def visit_letter_sent(request, pk):
    visit = visible_visit(request, pk)
    if not may_plan_visits(request.user):
        raise PermissionDenied("Your role can't change visits.")
    try:
        services.record_letter_sent(visit, request.user, timezone.localdate())
    except ValidationError as exc:
        for message in messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, "Recorded: the letter was sent today.")  # R-INFORM
    return redirect(visit)


def visit_slip(request, pk):
    """The "sorry you weren't in" slip left at the door (R-NOTHOME)."""
    visit = visible_visit(request, pk)
    return render(request, "visits/slip.html", letter_context(visit))
