"""What the tests that walk every URL pattern need to know about the routes: which take an object's
id and of what kind (test_object_scoping.py fails for one it cannot fill), and how to fill them."""

import datetime
import re

from django.urls import URLPattern, URLResolver, get_resolver

# Not pages: sign-out, the JSON probe, the calendar feed, the htmx fragments and the list of a person's
# push devices that push.js fetches into its panel.
SKIP_NAMES = {"logout", "health", "visits:calendar-feed", "safety:board-body", "visits:visit-gates",
              "safety:monitoring", "notifications:push_device_list"}


# The object an id names, from the segments of the route before it (the longest prefix first: a
# resolved alarm, an escalation, under /out/alarms/<id>/; a visit under /out/<id>/).
KIND_BY_PREFIX = {"out/alarms": "alarm", "visits": "visit", "out": "visit", "families": "family",
                  "concerns": "concern", "trust/schools": "school", "rounds": "round"}


# Route parameters that are not object ids (secret tokens, the name of a part of the plan form): tested
# elsewhere (test_bad_input_malformed.py, accounts/tests/test_two_factor_setup_attack.py,
# visits/tests/test_visit_form_scales.py).
NOT_OBJECT_IDS = {"visits:calendar-feed", "password_reset_confirm", "two-factor-enrol", "visits:visit-form-part",
                  # An upload's random name, bound to its uploader's session: misimport/tests/test_import_scoping.py
                  "misimport:columns", "misimport:preview", "misimport:confirm", "misimport:cancel",
                  # An academic year and a chart's name: governors/tests/test_governors_year.py
                  "governors:year", "governors:csv", "governors:chart", "governors:pdf",
                  # An academic year of the trust's report: trusts/tests/test_trust_year.py
                  "trusts:year", "trusts:year-csv", "trusts:year-pdf",
                  # A push receipt's signed token, and a device that is its person's own, not the school's:
                  # notifications/tests/test_delivery.py (refused receipts, removing only one's own device)
                  "notifications:push_receipt", "notifications:push_unsubscribe",
                  # A take-charge link's signed token, bound to its person and alert: safety/tests/test_take_charge.py
                  # (another person's, another school's, forged: not found)
                  "safety:take-charge",
                  # A school's settings pages: its school admin's and any superuser's (a superuser of no
                  # school may open them): accounts/tests/test_school_settings_access.py
                  "school-settings"}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name or ''}"


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def id_routes():
    """(route, url name) of every pattern with a parameter, outside the Django admin."""
    found = sorted({(route, name) for route, name in walk(get_resolver().url_patterns)
                    if PARAM.search(route) and not route.startswith("admin/")})
    return found


def kind_of(route: str) -> str | None:
    """The kind of object a route's single id names, or None if we can't tell."""
    params = PARAM.findall(route)
    if len(params) != 1 or params[0][0] != "int":
        return None
    return next((kind for prefix, kind in KIND_BY_PREFIX.items() if route.startswith(f"{prefix}/<")), None)


OBJECT_ROUTES = [(route, name) for route, name in id_routes() if name not in NOT_OBJECT_IDS]


def fill(route: str, pk: int) -> str:
    return "/" + PARAM.sub(str(pk), route)


PLAIN_ROUTES = sorted({(route, name) for route, name in walk(get_resolver().url_patterns)
                       if not PARAM.search(route) and not route.startswith("admin/")
                       and name not in {"logout", "login"}})


NOW = datetime.datetime(2026, 11, 24, 11, 0, tzinfo=datetime.UTC)  # a Tuesday, 11:00 in London


MISSING_ID = 987654321
