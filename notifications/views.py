"""The service worker at the site's root and the VAPID public key browsers subscribe with."""

from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .providers import vapid

SERVICE_WORKER = Path(__file__).resolve().parent / "serviceworker.js"


@lru_cache(maxsize=1)
def _service_worker_source() -> bytes:
    return SERVICE_WORKER.read_bytes()


@require_GET
def service_worker(request):
    """/sw.js, public (a browser checks it for updates without a session) and never cached, so a new
    version reaches every device at its next check. Served by Django, not as a static file, so it
    carries the site's Content Security Policy, which then governs the worker itself."""
    response = HttpResponse(_service_worker_source(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def push_public_key(request):
    """The VAPID public key (applicationServerKey) for PushManager.subscribe(), for signed-in users."""
    return JsonResponse({"publicKey": vapid.public_key()})
