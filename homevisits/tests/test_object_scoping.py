"""R-CONFIDENTIAL, "who sees what (one place)": every URL pattern that takes an object id, tried by
everyone who must not see that object.

The walk reads the URL resolver, so a page added later is covered without touching this file, as
long as its id sits under a prefix we know (`/visits/<id>/...`, `/out/<id>/...`, `/families/<id>/...`,
`/concerns/<id>/...`). A pattern with an id we don't know how to fill fails
`test_it_knows_how_to_fill_every_id_taking_pattern`: teach KIND_BY_PREFIX (or NOT_OBJECT_IDS) about it.

For each page and object the test signs in as
  (a) a user of ANOTHER school in every role (and a signed-in user of no school, e.g. a superuser), and
  (b) each role of the SAME school that must not see the object,
and GETs and POSTs it. Each must get exactly what a non-existent id gets: a 404 (405 where the page
takes no such method for anyone) with the same body - not a 403 that confirms the object exists,
not a redirect, not the data - and a POST must change nothing.
"""

import datetime
import re
import uuid

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import roles
from homevisits.factories import ChildFactory, FamilyFactory, UserFactory, VisitFactory, make_staff
from safety.models import Escalation, EscalationLevel, EscalationReason, SafeguardingConcern
from safety.watchdog import check_in, scan
from visits.assessments import ensure_risk_assessment
from visits.models import EventKind, Incident, Outcome, Round, Visit, VisitReport, VisitState

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 24, 11, 0, tzinfo=datetime.UTC)  # a Tuesday, 11:00 in London

# The object an id names, from the segments of the route before it (the longest prefix first: a
# resolved alarm, an escalation, under /out/alarms/<id>/; a visit under /out/<id>/).
KIND_BY_PREFIX = {"out/alarms": "alarm", "visits": "visit", "out": "visit", "families": "family",
                  "concerns": "concern", "rounds": "round"}
# Route parameters that are not object ids (secret tokens, the name of a part of the plan form): tested
# elsewhere (test_bad_input_malformed.py, accounts/tests/test_two_factor_setup_attack.py,
# visits/tests/test_visit_form_scales.py).
NOT_OBJECT_IDS = {"visits:calendar-feed", "password_reset_confirm", "two-factor-enrol", "visits:visit-form-part",
                  # An upload's random name, bound to its uploader's session: misimport/tests/test_import_scoping.py
                  "misimport:columns", "misimport:preview", "misimport:confirm", "misimport:cancel",
                  # An academic year and a chart's name: governors/tests/test_governors_year.py
                  "governors:year", "governors:csv", "governors:chart", "governors:pdf",
                  # A push receipt's signed token, and a device that is its person's own, not the school's:
                  # notifications/tests/test_delivery.py (refused receipts, removing only one's own device)
                  "notifications:push_receipt", "notifications:push_unsubscribe",
                  # A take-charge link's signed token, bound to its person and alert: safety/tests/test_take_charge.py
                  # (another person's, another school's, forged: not found)
                  "safety:take-charge",
                  # A school's settings pages: its school admin's and any superuser's (a superuser of no
                  # school may open them): accounts/tests/test_school_settings_access.py
                  "school-settings"}

# Same-school roles that must not see an object, beyond the defaults below (the page's own rule).
# Keys are URL names; values are the people of the scene fixture.
DEFAULT_SAME_SCHOOL_DENIED = {
    "family": ["stranger"],  # a visiting teacher with no visit to the family, not shared with them
    "visit": ["stranger"],  # a visiting teacher not on the visit (and who did not plan it)
    "round": ["stranger"],  # a visiting teacher not on the day's round (R-LUNCH)
    "concern": ["teacher", "ta", "stranger", "office", "admin"],  # R-SAFEGUARD: the DSL and head only
    # What a resolved alarm was: the office, the head and the DSL say it (R-REVIEW).
    "alarm": ["teacher", "ta", "stranger", "admin"],
}
EXTRA_SAME_SCHOOL_DENIED = {
    # The escalation panel and the police pack: office, head and DSL keep watch (accounts.permissions.KEEPERS).
    "safety:escalation": ["teacher", "ta", "admin"],
    "safety:police-pack": ["teacher", "ta", "admin"],
    # Recording a phone call on someone's behalf: office and head only (accounts.permissions.CALL_TAKERS).
    "safety:record-call": ["teacher", "ta", "dsl", "admin"],
    # The phone check-in page: staff on the visit, or the office and head (sent on to record-call).
    "safety:checkin": ["dsl", "admin"],
    # The subject-access export of a family (UK GDPR art. 15): the head and the DSL only.
    "audit:subject-access": ["teacher", "ta", "office", "admin"],
    "audit:subject-access-json": ["teacher", "ta", "office", "admin"],
}
# Who may open the page (a control: the 404s above must come from scoping, not from a broken fixture).
ALLOWED = {"family": "head", "visit": "head", "concern": "dsl", "alarm": "office", "round": "head"}

SECRET_WORDS = ("Quillfeather", "Zanzibar Mews", "Perpetua", "marigold-secret", "Bruise on the arm")
MISSING_ID = 987654321


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


def test_it_knows_how_to_fill_every_id_taking_pattern():
    unknown = [f"{name} ({route})" for route, name in OBJECT_ROUTES if kind_of(route) is None]
    assert not unknown, ("New id-taking pages this walk can't fill; add their object to KIND_BY_PREFIX "
                         f"(or, if the parameter is not an object id, to NOT_OBJECT_IDS): {unknown}")


def test_the_walk_found_the_pages():
    names = {name for _, name in OBJECT_ROUTES}
    # The pages that exist today; a page may be added but these must still be walked.
    assert {"visits:visit-detail", "visits:family-detail", "visits:visit-letter", "safety:checkin",
            "safety:escalation", "safety:police-pack", "concerns:detail", "concerns:create",
            "reports:report", "reports:parent-copy"} <= names


# --- The world --------------------------------------------------------------------------------

@pytest.fixture
def scene(clock_tuesday_11am_gmt, school, other_school, teacher, ta, office, head, dsl, school_admin, other_head,
          other_admin, other_dsl):
    """The root world's two schools and people, a teacher of the school on none of its visits (the
    stranger), the other school's teacher and office, and each kind of object to be kept from them."""
    home = school
    people = {"teacher": teacher, "ta": ta, "stranger": make_staff(home, roles.VISITING_STAFF), "office": office,
              "head": head, "dsl": dsl, "admin": school_admin}
    people["admin"].is_staff = True
    people["admin"].save()
    family = FamilyFactory(school=home, display_name="Quillfeather family", address_line1="17 Zanzibar Mews",
                           notes="Bruise on the arm noted by nursery")
    child = ChildFactory(family=family, first_name="Perpetua", last_name="Quillfeather")
    team = dict(family=family, school=home, lead=people["teacher"], created_by=people["teacher"],
                staff=[people["teacher"], people["ta"]], code_word="marigold-secret")

    planned = VisitFactory(state=VisitState.SUBMITTED, planned_start=NOW + datetime.timedelta(days=1),
                           expected_return=NOW + datetime.timedelta(days=1, hours=1), **team)
    ensure_risk_assessment(planned)
    planned.children.add(child)
    # The planned visit is on a day's round, waiting for approval with it (R-LUNCH).
    day_round = Round.objects.create(school=home, lead=people["teacher"], created_by=people["teacher"],
                                     date=(NOW + datetime.timedelta(days=1)).date(),
                                     lunch_return=planned.expected_return,
                                     end_return=planned.expected_return + datetime.timedelta(hours=4))
    Visit.objects.filter(pk=planned.pk).update(day_round=day_round, round_order=1)

    # Out since 08:00, due back at 09:30: escalated to level 2 by the time the clock reads 11:00.
    out = VisitFactory(state=VisitState.APPROVED, planned_start=NOW - datetime.timedelta(hours=3),
                       expected_return=NOW - datetime.timedelta(minutes=90), **team)
    ensure_risk_assessment(out)
    check_in(out, EventKind.DEPARTED, people["teacher"], now=NOW - datetime.timedelta(hours=3))
    scan(NOW)
    out.refresh_from_db()
    assert out.escalations.exists()

    done = VisitFactory(state=VisitState.RETURNED, planned_start=NOW - datetime.timedelta(days=1),
                        expected_return=NOW - datetime.timedelta(days=1) + datetime.timedelta(hours=1),
                        returned_at=NOW - datetime.timedelta(hours=23), **team)
    ensure_risk_assessment(done)
    VisitReport.objects.create(visit=done, outcome=Outcome.COMPLETED, summary="Talked about Perpetua's rabbit",
                               internal_notes="Bruise on the arm", filed_by=people["teacher"])
    Incident.objects.create(visit=done, occurred_at=NOW - datetime.timedelta(hours=23), what_happened="Dog barked",
                            people_involved="Quillfeather carer", recorded_by=people["teacher"])
    concern = SafeguardingConcern.objects.create(school=home, family=family, visit=done, details="Bruise on the arm",
                                                 raised_by=people["teacher"])
    # The done visit was late back: its alarm is resolved, and nobody has said yet what it was.
    alarm = Escalation.objects.create(visit=done, round=1, level=EscalationLevel.LATE, reason=EscalationReason.LATE_RETURN,
                                      anchor=done.expected_return, created_at=done.expected_return,
                                      resolved_at=done.returned_at, resolution_note="Everyone is back")

    other = other_school
    theirs = {roles.VISITING_STAFF: make_staff(other, roles.VISITING_STAFF), roles.OFFICE: make_staff(other, roles.OFFICE),
              roles.HEAD: other_head, roles.DSL: other_dsl, roles.SCHOOL_ADMIN: other_admin}
    outsiders = {f"other school {role}": theirs[role] for role in roles.ALL_ROLES}
    # Another school's school admin runs the Django admin there.
    outsiders[f"other school {roles.SCHOOL_ADMIN}"].is_staff = True
    outsiders[f"other school {roles.SCHOOL_ADMIN}"].save()
    outsiders["signed-in user of no school"] = UserFactory()
    outsiders["superuser of no school"] = UserFactory(is_superuser=True, is_staff=True)
    # The other school has its own family and visits (so its people see pages full of their own data).
    VisitFactory(family=FamilyFactory(school=other), school=other, lead=outsiders[f"other school {roles.VISITING_STAFF}"])

    return {
        "people": people,
        "outsiders": outsiders,
        "objects": {"family": [family], "visit": [planned, out, done], "concern": [concern], "alarm": [alarm],
                    "round": [day_round]},
    }


# --- The walk ---------------------------------------------------------------------------------

# One body for every form: enough for any of them to act if scoping let the post through.
def post_data(scene):
    esc = scene["objects"]["visit"][1].escalations.first()
    return {
        "kind": EventKind.OK, "idempotency_key": str(uuid.uuid4()), "note": "x", "action": "acknowledge",
        "escalation": esc.pk, "step": "1", "outcome": "no_answer", "reason": "Tested", "details": "Tested",
        "alarm_outcome": "forgot",
        "status": "closed", "cpoms_reference": "CP-1", "dsl_notes": "x", "on_behalf_of": scene["people"]["teacher"].pk,
        "display_name": "Changed family", "address_line1": "1 Changed Road", "postcode": "NN1 1AA",
        "offer_status": "not_offered", "summary": "x", "what_happened": "x",
        "people_involved": "x", "occurred_on": "2026-11-24", "occurred_time": "10:00",
        "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0", "carers-TOTAL_FORMS": "0",
        "carers-INITIAL_FORMS": "0", "hazards-TOTAL_FORMS": "0", "hazards-INITIAL_FORMS": "0",
        "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0",
    }


def fingerprint():
    """Every row of our apps (audit/access logs aside: a refused try may well be recorded)."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label not in ("accounts", "visits", "safety"):
            continue
        name = model.__name__.lower()
        if any(word in name for word in ("log", "access", "audit", "historical")):
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows[model.__name__] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


# The 404 page carries the menu, whose sign-out form has a CSRF token masked afresh on every
# response: that random value is the only part allowed to differ between two 404 pages.
CSRF_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+"')


def page_text(response, url: str) -> bytes:
    return CSRF_TOKEN.sub(rb'\1"', response.content.replace(url.encode(), b"#"))


def leaks(content: bytes) -> list[str]:
    text = content.decode(errors="replace")
    return [word for word in SECRET_WORDS if word in text]


def send(client, method, url, data):
    return client.get(url) if method == "GET" else client.post(url, data)


def denied_people(scene, kind, name):
    people = scene["people"]
    same = DEFAULT_SAME_SCHOOL_DENIED[kind] + EXTRA_SAME_SCHOOL_DENIED.get(name, [])
    return {**{f"same school {who}": people[who] for who in same}, **scene["outsiders"]}


@pytest.mark.parametrize("route,name", OBJECT_ROUTES, ids=[name for _, name in OBJECT_ROUTES])
def test_it_answers_404_to_everyone_who_must_not_see_the_object(client, scene, route, name):
    kind = kind_of(route)
    if kind is None:
        pytest.fail(f"{name} ({route}): unknown id; see test_it_knows_how_to_fill_every_id_taking_pattern")
    allowed = scene["people"][ALLOWED[kind]]
    problems = []
    meaningful = 0
    missing = {}  # what each of them gets for an id that does not exist
    for obj in scene["objects"][kind]:
        client.force_login(allowed)
        if client.get(fill(route, obj.pk)).status_code == 404:
            continue  # e.g. the parent copy of a visit with no report: nothing there for anyone
        meaningful += 1
        for who, user in denied_people(scene, kind, name).items():
            client.force_login(user)
            for method in ("GET", "POST"):
                before = fingerprint() if method == "POST" else None
                hidden = send(client, method, fill(route, obj.pk), post_data(scene))
                if (who, method) not in missing:
                    missing[who, method] = send(client, method, fill(route, MISSING_ID), post_data(scene))
                absent = missing[who, method]
                where = f"{method} {fill(route, obj.pk)} ({getattr(obj, 'state', kind)}) as {who}"
                if hidden.status_code not in (404, 405):
                    problems.append(f"{where}: {hidden.status_code}, expected 404")
                elif hidden.status_code != absent.status_code:
                    problems.append(f"{where}: {hidden.status_code} but {absent.status_code} for a missing id")
                elif page_text(hidden, fill(route, obj.pk)) != page_text(absent, fill(route, MISSING_ID)):
                    problems.append(f"{where}: the page differs from the one for a missing id")
                if hidden.status_code == 405:
                    client.force_login(allowed)
                    if send(client, method, fill(route, obj.pk), {}).status_code != 405:
                        problems.append(f"{where}: 405, but the page takes {method} from others")
                    client.force_login(user)
                if found := leaks(hidden.content):
                    problems.append(f"{where}: shows {found}")
                if before is not None and fingerprint() != before:
                    problems.append(f"{where}: the POST changed data")
    assert meaningful, f"{name}: no object of the scene could be opened even by the {ALLOWED[kind]}"
    assert not problems, "\n".join(problems)


# --- Ids in query strings and form fields ------------------------------------------------------

def test_it_ignores_another_schools_family_in_the_new_visit_link(client, scene):
    family = scene["objects"]["family"][0]
    client.force_login(scene["outsiders"][f"other school {roles.VISITING_STAFF}"])
    response = client.get(f"/visits/new/?family={family.pk}")
    assert response.status_code == 200
    assert not leaks(response.content)


@pytest.mark.parametrize("who", ["other school Head of school", "other school Office", "other school DSL"])
def test_it_answers_404_to_a_gates_preview_of_another_schools_visit(client, scene, who):
    visit = scene["objects"]["visit"][0]
    client.force_login(scene["outsiders"][who])
    response = client.post(f"/visits/gates/?visit={visit.pk}", {})
    assert response.status_code in (403, 404)
    assert client.post(f"/visits/gates/?visit={MISSING_ID}", {}).status_code == response.status_code
    assert not leaks(response.content)


def test_a_concern_cannot_be_tied_to_a_visit_the_user_cannot_see(client, scene):
    # The family is shared with the stranger, who may raise a concern about it - but not link it
    # to a visit they are not on (that would confirm the visit and show it on the concern).
    family = scene["objects"]["family"][0]
    family.shared_with.add(scene["people"]["stranger"])
    visit = scene["objects"]["visit"][2]
    client.force_login(scene["people"]["stranger"])
    page = client.get(f"/families/{family.pk}/concern/?visit={visit.pk}")
    assert page.status_code == 200 and "marigold-secret" not in page.content.decode()
    client.post(f"/families/{family.pk}/concern/?visit={visit.pk}", {"details": "Tested"})
    assert SafeguardingConcern.objects.get(details="Tested").visit is None


# --- Pages without an id must not show another school's data either ---------------------------

PLAIN_ROUTES = sorted({(route, name) for route, name in walk(get_resolver().url_patterns)
                       if not PARAM.search(route) and not route.startswith("admin/")
                       and name not in {"logout", "login"}})


@pytest.mark.parametrize("route,name", PLAIN_ROUTES, ids=[name for _, name in PLAIN_ROUTES])
def test_pages_without_an_id_show_nothing_of_another_school(client, scene, route, name):
    problems = []
    for who, user in scene["outsiders"].items():
        client.force_login(user)
        response = client.get("/" + route)
        if response.status_code >= 500:
            problems.append(f"{who}: {response.status_code}")
        if found := leaks(response.content):
            problems.append(f"{who}: shows {found}")
    assert not problems, "\n".join(problems)


# --- A concern's words reach nobody but the DSL and the head, on any page ------------------------

@pytest.mark.parametrize("who", DEFAULT_SAME_SCHOOL_DENIED["concern"])
def test_no_page_shows_a_concerns_words_to_anyone_but_the_dsl_and_head(client, scene, who):
    concern = scene["objects"]["concern"][0]
    concern.details, concern.dsl_notes, concern.cpoms_reference = "Xyzzy said at the door", "Plugh referred", "CP-99821"
    concern.save()
    family, visits = scene["objects"]["family"][0], scene["objects"]["visit"]
    urls = ["/" + route for route, _ in PLAIN_ROUTES]
    urls += [fill(route, family.pk) for route, _ in OBJECT_ROUTES if kind_of(route) == "family"]
    urls += [fill(route, v.pk) for route, _ in OBJECT_ROUTES if kind_of(route) == "visit" for v in visits]
    client.force_login(scene["people"][who])
    shown = [url for url in urls for word in ("Xyzzy", "Plugh", "CP-99821")
             if word in client.get(url).content.decode(errors="replace")]
    assert not shown, f"{who} reads the concern on {shown}"
    client.force_login(scene["people"]["dsl"])
    assert "Xyzzy" in client.get(f"/concerns/{concern.pk}/").content.decode()
