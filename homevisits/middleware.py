from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from accounts import working_for
from accounts.models import WORKING_FOR_SESSION_KEY
from accounts.signals import LOGIN_AT_SESSION_KEY
from accounts.twofactor import has_two_factor, two_factor_required
from visits.models import OUT_STATES, VisitStaff

from .redirects import own_site_path

# Paths that must answer without a login: signing in itself, resetting a forgotten password, the
# health probe, static files, the personal calendar feed (authenticated by its own secret token), and
# the service worker (a browser checks it for updates whether or not a session is still open), and
# the providers' callbacks: delivery receipts and text messages received (each checks its own credential).
PUBLIC_PREFIXES = ("/accounts/login/", "/accounts/password/reset/", "/health/", "/static/", "/calendar/", "/sw.js",
                   "/notifications/receipts/", "/notifications/texts/", "/manifest.webmanifest", "/offline/")

# Where a signed-in user who still owes a second factor may go: the two-factor pages themselves,
# signing out, and what needs no login anyway.
TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", *PUBLIC_PREFIXES)

NOT_SAVED_MESSAGE = (
    "You were signed out, so what you just sent was not saved. Please sign in and enter it again."
)
ABSOLUTE_LIMIT_MESSAGE = "You have been signed in for 12 hours, so you were signed out. Please sign in again."


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _send_to(request, location):
    """A redirect that also works for an htmx request (htmx would otherwise swap the target page
    into a fragment of the old one)."""
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = location
        return response
    return redirect(location)


def _login_redirect(request, next_path):
    response = redirect_to_login(next_path, settings.LOGIN_URL)
    return _send_to(request, response["Location"])


class LoginRequiredEverywhereMiddleware:
    """Every page needs a login unless it is on the short public list above.

    A form sent after the session ended (idle, 12 hours, signed out in another tab) is not lost
    silently: the user is told it was not saved and, once signed in, comes back to the page the
    form was on (the Referer, when it is one of ours)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated or request.path.startswith(PUBLIC_PREFIXES):
            return self.get_response(request)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            if _is_htmx(request):
                # A background refresh: send the whole page back to the one the user is looking at.
                current = own_site_path(request, request.headers.get("HX-Current-URL")) or reverse("home")
                return _login_redirect(request, current)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        messages.warning(request, NOT_SAVED_MESSAGE)
        back_to = own_site_path(request, request.headers.get("HX-Current-URL") or request.headers.get("Referer"))
        return _login_redirect(request, back_to or reverse("home"))


class SessionLimitsMiddleware:
    """Sign the user out 12 hours after they signed in, however active they were; the idle limit is
    SESSION_COOKIE_AGE (30 minutes, moved on by every request). The sign-in time is written by
    accounts.signals.remember_login_time.

    Whoever is out on a visit, whatever their role (a teacher, the DSL, the head, the office), is
    not held to the idle limit: they must be able to tap "left the property" an hour later without
    a password and a code on a doorstep (R-CHECKIN, R-RETURN); until they themselves are back, only
    the 12-hour limit applies. Once they are back the idle limit applies again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = timezone.now().timestamp()
        if request.user.is_authenticated:
            started = request.session.get(LOGIN_AT_SESSION_KEY)
            if started is None:
                # A session from before this limit existed: count from now.
                request.session[LOGIN_AT_SESSION_KEY] = started = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, ABSOLUTE_LIMIT_MESSAGE)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.get(LOGIN_AT_SESSION_KEY) is not None:
            started = request.session[LOGIN_AT_SESSION_KEY]
            if out_on_a_visit(user):
                request.session.set_expiry(max(60, int(settings.SESSION_ABSOLUTE_SECONDS - (now - started))))
            elif request.session.get("_session_expiry") is not None:
                request.session.set_expiry(None)  # back to the idle limit
        return response


def out_on_a_visit(user) -> bool:
    """On a visit that is out and not back yet themselves (R-RETURN), whatever their role."""
    return VisitStaff.objects.filter(user=user, returned_at__isnull=True, visit__state__in=OUT_STATES).exists()


def schools_out_on_a_visit(user) -> set[int]:
    """The schools (ids) of the visits they are out on and not back from themselves."""
    return set(VisitStaff.objects.filter(user=user, returned_at__isnull=True, visit__state__in=OUT_STATES)
               .values_list("visit__school_id", flat=True))


class WorkingForMiddleware:
    """A member of staff of several schools works for the school chosen in their session (the
    header's switcher, accounts.working_for): set on request.user here, at every request, for
    accounts.models.school_of to read. The choice is checked against their memberships each time, so
    a membership taken away falls back to the home school at their next request (and the session
    forgets it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            wanted = request.session.get(WORKING_FOR_SESSION_KEY)
            if wanted is not None and working_for.choose(user, wanted) is None:
                request.session.pop(WORKING_FOR_SESSION_KEY, None)
        return self.get_response(request)


class TwoFactorMiddleware:
    """A user who has set up two-factor sign-in gives a code before anything else; a user whose
    role requires it (TWO_FACTOR_REQUIRED_ROLES) and has not set it up is sent to set it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES):
            if not user.is_verified():
                if has_two_factor(user):
                    return self._send(request, "two-factor-verify")
                if two_factor_required(user):
                    return self._send(request, "two-factor-setup")
        return self.get_response(request)

    @staticmethod
    def _send(request, url_name):
        if request.method == "GET" and not _is_htmx(request):
            next_path = request.get_full_path()
        else:
            page = request.headers.get("HX-Current-URL") or request.headers.get("Referer")
            next_path = own_site_path(request, page) or reverse("home")
        return _send_to(request, f"{reverse(url_name)}?{urlencode({'next': next_path})}")


# Answers that are the same for everyone and hold nothing personal: their caching is left alone.
CACHEABLE_PREFIXES = ("/static/", "/health/")


class PrivateResponsesMiddleware:
    """Nothing a signed-in user was sent is kept: every response to them (pages, htmx fragments,
    JSON, CSV, the subject-access export, redirects and errors) says `Cache-Control: no-store,
    private`, so on a shared office PC the back button, the browser cache or a proxy shows nothing
    once they have signed out. One place, so a new page cannot forget it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(CACHEABLE_PREFIXES):
            return self.get_response(request)
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            # Keeps a view's own stricter directives (never_cache's no-cache, max-age=0); drops public.
            patch_cache_control(response, no_store=True, private=True)
        return response


class PermissionsPolicyMiddleware:
    """Switch off browser features the app does not use (camera, microphone, location...)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

