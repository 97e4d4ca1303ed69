import logging

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions, roles, working_for
from accounts.models import has_role
from safety.health import health_report

from .home import chart_geometry, greeting, head_home, school_admin_home, staff_home
from .middleware import schools_out_on_a_visit

logger = logging.getLogger(__name__)

# If even the 500 template fails (a static file missing from the manifest, a broken template), this
# still says what happened and leads home. No inline style or script: the CSP allows neither.
PLAIN_500 = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Something went wrong · Home Visits</title></head>
<body><main><h1>Something went wrong on our side</h1>
<p>This is not something you did. What you were doing may not have been saved: check, and try again in a minute.</p>
<p>If a colleague out on a visit may be in danger, don't wait for this page: phone them and the school office now.</p>
<p><a href="/">Go to the home page</a></p></main></body></html>
"""


def server_error(request):
    """handler500: the site's look, rendered without the request, so no context processor and no
    database query runs (the database may be why we are here) and nothing about the user shows."""
    try:
        body = loader.get_template("500.html").render()
    except Exception:
        logger.exception("The 500 page itself failed; sending the plain one")
        body = PLAIN_500
    return HttpResponseServerError(body)


@never_cache
@require_GET
def health(request):
    """Public liveness of database, broker and beat. No personal data, ever."""
    ok, report = health_report()
    return JsonResponse(report, status=200 if ok else 503)


def home(request):
    """Each role lands on its day's work: the office on the live board, the head and DSL on
    approvals and alerts, visiting staff on their next visit."""
    user = request.user
    now = timezone.now()
    hello = {"greeting": greeting(now)}
    if has_role(user, *permissions.LEADS):
        context = head_home(user, now)
        context["chart"] = chart_geometry(context["weeks"])
        return render(request, "home_head.html", context | hello)
    if has_role(user, roles.OFFICE):
        return redirect("safety:board")
    if has_role(user, roles.VISITING_STAFF):
        return render(request, "home_staff.html", staff_home(user, now) | hello)
    if has_role(user, roles.SCHOOL_ADMIN):
        return render(request, "home_admin.html", school_admin_home(user, now) | hello)
    if permissions.may_watch_trust(user):
        # A trust's people (with no school role) land on every school of their trust.
        return redirect("trusts:overview")
    return render(request, "home.html", hello)


@require_POST
def change_working_for(request):
    """The header's switcher: work for another of one's schools. A school that is not theirs (or no
    school) is 404 and changes nothing. While they are out on a visit, only to that visit's school:
    its check-in pages are that school's (R-CHECKIN, R-RETURN)."""
    try:
        school_id = int(request.POST.get("school", ""))
    except ValueError:
        raise Http404("Not found.") from None
    if school_id not in {school.pk for school in working_for.schools_of(request.user)}:
        raise Http404("Not found.")
    out_for = schools_out_on_a_visit(request.user)
    if out_for and school_id not in out_for:
        # Out on a visit: only that visit's school (its check-in pages are that school's).
        names = ", ".join(sorted(s.name for s in working_for.schools_of(request.user) if s.pk in out_for))
        messages.error(request, f"You are out on a visit for {names}. Tell school you are back before you work "
                                "for another school.")
        return redirect("home")
    school = working_for.switch(request.user, request.session, school_id)
    messages.success(request, f"You are working for {school.name} now.")
    return redirect("home")


# --- The installable app: its manifest, the page shown without signal, and signing out -------------

# The header's blue (static/css/app.css) and the page's white.
THEME_COLOUR = "#0b3b7e"
BACKGROUND_COLOUR = "#ffffff"


@require_GET
def manifest(request):
    """The web app manifest, public (a browser fetches it without the session's cookie), from our own
    origin, with the static files' hashed names. It opens on the staff member's visits of the day."""
    icons = [{"src": static(f"img/app/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
              "purpose": "any"} for size in (192, 512)]
    icons.append({"src": static("img/app/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
                  "purpose": "maskable"})
    response = JsonResponse({
        "name": "Home Visits",
        "short_name": "Home Visits",
        "description": "Check in from home visits, and see today's visits, with or without signal.",
        "id": "/",
        "start_url": reverse("safety:my-visits"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "lang": "en-GB",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
    }, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request):
    """What the phone shows when there is no signal and the page asked for was never kept on it. Public
    and the same for everyone (the service worker fetches it without the session), so nothing personal."""
    return render(request, "offline.html")


class SignOutView(auth_views.LogoutView):
    """Signing out also clears what this browser kept of the person's pages: the page after it tells
    the service worker (static/js/pwa.js), and the response asks the browser to drop its cache."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache"'
        return response
