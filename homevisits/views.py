from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safety.health import health_report


@never_cache
@require_GET
def health(request):
    """Public liveness of database, broker and beat. No personal data, ever."""
    ok, report = health_report()
    return JsonResponse(report, status=200 if ok else 503)


def home(request):
    return render(request, "home.html")
