"""The office's live board of who is out now, its polled body, and the monitoring status the pages poll."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, quote_etag
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page

from accounts.permissions import may_keep_watch, may_record_calls

from ..board import live_board
from ..board_version import board_version
from ..health import monitoring_is_down, scan_age
from ..presenters import BOARD_UNSAID, unsaid_alarms


def monitoring_status(request):
    """For signed-in pages that poll: is the watchdog scanning? (no personal data)"""
    age = scan_age()
    return JsonResponse({"monitoring_down": monitoring_is_down(), "last_scan_age_seconds": age})


def board_context(request):
    if not may_keep_watch(request.user):
        raise Http404("Not available")
    context = {"board": live_board(request.user), "poll_seconds": settings.BOARD_POLL_SECONDS,
               "board_url": reverse("safety:board"), "may_record_calls": may_record_calls(request.user)}
    # Last: the version of everything above, which the page sends back with its next poll.
    context["board_version"] = board_version(context)
    return context


# Compressed: some 700 KiB of markup at 300 visits is some 25 KiB gzipped (the CSRF tokens in the
# body are masked afresh in every response, and Django pads each gzip stream: BREACH).
@method_decorator(gzip_page, name="dispatch")
class BoardView(View):
    """The page the office keeps open all day: it polls BoardBodyView for its body."""

    def get(self, request):
        context = board_context(request)
        # The board shows the monitoring banner inside its polled body, so it also goes away by itself.
        context["monitoring_down"] = False
        # Resolved alarms nobody has said what they were (R-REVIEW): the page, not its polled body.
        context["unsaid"] = unsaid_alarms(request.user, limit=BOARD_UNSAID)
        return render(request, "safety/board.html", context)


@method_decorator(gzip_page, name="dispatch")
@method_decorator(never_cache, name="dispatch")
class BoardBodyView(View):
    """Just the board's body, for htmx polling. A poll after the session has ended is answered by
    homevisits.middleware with HX-Redirect to the sign-in page (and back here afterwards).

    The poll sends the version of the board it shows (If-None-Match, static/js/board.js): when the
    board is the same, the answer is 304 Not Modified with no body, and the page keeps what it has
    (safety.board_version says what counts as the same)."""

    def get(self, request):
        context = board_context(request)
        etag = quote_etag(context["board_version"])
        response = get_conditional_response(request, etag=etag)
        if response is not None:
            # No body, so no document for the content security and framing policies to guard (every
            # 200 has them): without them a 304 stays under 1 KiB with HSTS and a secure cookie.
            response._csp_exempt = response.xframe_options_exempt = True
        else:
            response = render(request, "safety/_board_body.html", context)
        response["ETag"] = etag
        return response
