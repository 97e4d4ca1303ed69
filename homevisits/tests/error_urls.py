"""The site's URLs plus views that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from homevisits.urls import handler500  # noqa: F401 (handler500 is looked up here)
from homevisits.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("a bug")


def suspicious(request):
    raise SuspiciousOperation("tampered")


def denied(request):
    raise PermissionDenied


urlpatterns = [
    path("test-errors/500/", broken),
    path("test-errors/400/", suspicious),
    path("test-errors/403/", denied),
    *site_urlpatterns,
]
