"""The office's live board of who is out now, its polled body, and the monitoring status the pages poll."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts.permissions import may_keep_watch, may_record_calls

from ..board import live_board
from ..health import monitoring_is_down, scan_age
from ..presenters import BOARD_UNSAID, unsaid_alarms


def monitoring_status(request):
    """For signed-in pages that poll: is the watchdog scanning? (no personal data)"""
    age = scan_age()
    return JsonResponse({"monitoring_down": monitoring_is_down(), "last_scan_age_seconds": age})


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
        # Resolved alarms nobody has said what they were (R-REVIEW): the page, not its polled body.
        context["unsaid"] = unsaid_alarms(request.user, limit=BOARD_UNSAID)
        return render(request, "safety/board.html", context)


@method_decorator(never_cache, name="dispatch")
class BoardBodyView(View):
    """Just the board's body, for htmx polling. A poll after the session has ended is answered by
    homevisits.middleware with HX-Redirect to the sign-in page (and back here afterwards)."""

    def get(self, request):
        return render(request, "safety/_board_body.html", board_context(request))
