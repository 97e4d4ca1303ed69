from django.http import JsonResponse

from .health import monitoring_is_down, scan_age


def monitoring_status(request):
    """For signed-in pages that poll: is the watchdog scanning? (no personal data)"""
    age = scan_age()
    return JsonResponse({"monitoring_down": monitoring_is_down(), "last_scan_age_seconds": age})
