from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import roles
from accounts.models import has_role
from safety.health import health_report

from .home import chart_geometry, head_home, staff_home


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
    if has_role(user, roles.HEAD, roles.DSL):
        context = head_home(user, now)
        context["chart"] = chart_geometry(context["weeks"])
        return render(request, "home_head.html", context)
    if has_role(user, roles.OFFICE):
        return redirect("safety:board")
    if has_role(user, roles.VISITING_STAFF):
        return render(request, "home_staff.html", staff_home(user, now))
    return render(request, "home.html")
