"""The service worker at the site's root, the VAPID public key browsers subscribe with, a person's
devices that take push alerts ("Alerts on this device"), and the providers' delivery callbacks."""

import json
import logging
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import devices, inbound, receipts
from .models import Channel
from .providers import CallbackRefused, ProviderError, govuk_notify, push_receipts, twilio_provider, vapid, webpush

logger = logging.getLogger(__name__)

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


# --- Providers' callbacks ------------------------------------------------------------------------
# Public (no session: the provider calls them) and exempt from CSRF; each checks its own credential
# (Notify's bearer token, Twilio's request signature, the push receipt's signed token). A callback
# that fails its check is logged, answered 403, and changes nothing.

def _refused(request, exc) -> HttpResponse:
    logger.warning("Refused a delivery callback to %s from %s: %s", request.path,
                   request.META.get("REMOTE_ADDR", "?"), exc)
    return HttpResponseForbidden("Refused.", content_type="text/plain")


def _site_url(request) -> str:
    """The address the provider called, as we gave it (SITE_URL), which Twilio's signature covers."""
    return f"{settings.SITE_URL.rstrip('/')}{request.get_full_path()}"


@csrf_exempt
@require_POST
def notify_receipt(request):
    """GOV.UK Notify's delivery-receipt callback (JSON, Authorization: Bearer <NOTIFY_CALLBACK_TOKEN>)."""
    try:
        receipt = govuk_notify.parse_receipt(request.headers.get("Authorization"), request.body)
    except CallbackRefused as exc:
        return _refused(request, exc)
    receipts.apply(receipt, channels=(Channel.SMS, Channel.EMAIL))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_status(request):
    """Twilio's status callback for a message or a call (form-encoded, X-Twilio-Signature)."""
    try:
        receipt = twilio_provider.parse_status(_site_url(request), request.POST,
                                               request.headers.get("X-Twilio-Signature"))
    except CallbackRefused as exc:
        return _refused(request, exc)
    receipts.apply(receipt, channels=(Channel.SMS, Channel.VOICE))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_gather(request):
    """The key press of a call (its Gather's action): 1 from a person is the proof the alert was
    heard; the answer is TwiML for the rest of the call."""
    try:
        receipt = twilio_provider.parse_gather(_site_url(request), request.POST,
                                               request.headers.get("X-Twilio-Signature"))
    except CallbackRefused as exc:
        return _refused(request, exc)
    note = receipts.apply(receipt, channels=(Channel.VOICE,))  # saved and committed (no request transaction)
    # Once per call, the apps above act on the key press and say what came of it (taken charge, or who has it).
    outcome = receipts.heard(note) if note is not None and note.heard_now else ""
    return HttpResponse(twilio_provider.gather_reply_twiml(receipt.heard, outcome), content_type="text/xml")


@csrf_exempt
@require_POST
def notify_received_text(request):
    """GOV.UK Notify's received text messages callback (JSON, Authorization: Bearer <NOTIFY_CALLBACK_TOKEN>)."""
    try:
        text = govuk_notify.parse_received(request.headers.get("Authorization"), request.body)
    except CallbackRefused as exc:
        return _refused(request, exc)
    inbound.receive(text)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_received_text(request):
    """A Twilio number's incoming message webhook (form-encoded, X-Twilio-Signature); the reply goes
    through the outbox, so the TwiML answer is empty."""
    try:
        text = twilio_provider.parse_received(_site_url(request), request.POST,
                                              request.headers.get("X-Twilio-Signature"))
    except CallbackRefused as exc:
        return _refused(request, exc)
    inbound.receive(text)
    return HttpResponse(twilio_provider.empty_twiml(), content_type="text/xml")


@csrf_exempt
@require_POST
def push_receipt(request, token):
    """The service worker's report that a push was shown on the device (the token in the URL)."""
    try:
        receipt = push_receipts.read_token(token)
    except CallbackRefused as exc:
        return _refused(request, exc)
    receipts.apply(receipt, channels=(Channel.PUSH,))
    return HttpResponse(status=204)


# --- Devices that take push alerts -----------------------------------------------------------------

def back_to(request) -> str:
    """Where a device form sends the person back to: the page it was on (its `next`, on our own
    site only), else the devices page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                  require_https=request.is_secure()):
        return target
    return reverse("notifications:push_devices")


@never_cache
@require_http_methods(["GET", "POST"])
def push_devices(request):
    """GET: the person's devices page ("Alerts on this device"). POST: keep the subscription this
    browser made (push.js)."""
    if request.method == "POST":
        return push_subscribe(request)
    return render(request, "notifications/devices.html")


@never_cache
@require_GET
def push_device_list(request):
    """The list of the person's devices alone, which push.js puts in place after subscribing."""
    return render(request, "notifications/_device_list.html",
                  {"devices": devices.of(request.user), "next": back_to(request)})


def push_subscribe(request):
    """Keep the subscription a signed-in person's browser made (PushSubscription.toJSON(), as JSON):
    one row per endpoint, a few a person (notifications.devices)."""
    try:
        data = json.loads(request.body)
        subscription = webpush.check_subscription(data)
    except ValueError:
        return JsonResponse({"error": "The subscription is not JSON."}, status=400)
    except ProviderError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    device, created = devices.keep(request.user, subscription, device_label(request.headers.get("User-Agent", "")))
    return JsonResponse({"id": device.pk}, status=201 if created else 200)


@require_POST
def push_unsubscribe(request, pk):
    """Remove one of the person's own devices (another person's is not found), from a plain form."""
    device = devices.remove(request.user, pk)
    messages.success(request, f"Removed {device.name}: alerts no longer go to it.")
    return redirect(back_to(request))


@require_POST
def push_test(request):
    """"Send me a test": one TEST push to all the person's own devices (notifications.devices)."""
    try:
        devices.send_test(request.user)
    except devices.TestPushRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Test sent to your devices. It should appear on each within a minute; "
                                  "if one shows nothing, check that notifications are allowed there.")
    return redirect(back_to(request))


def device_label(user_agent: str) -> str:
    """A short name for a browser a person recognises ("Chrome on Android"), not the whole string."""
    browsers = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("SamsungBrowser/", "Samsung Internet"),
                ("Chrome/", "Chrome"), ("Safari/", "Safari"))
    systems = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
               ("Mac OS X", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
    browser = next((name for token, name in browsers if token in user_agent), "A browser")
    system = next((name for token, name in systems if token in user_agent), "")
    return f"{browser} on {system}" if system else browser
