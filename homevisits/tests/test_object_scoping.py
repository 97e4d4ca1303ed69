"""R-CONFIDENTIAL, "who sees what (one place)": every URL pattern that takes an object id, tried by
everyone who must not see that object.

The walk reads the URL resolver, so a page added later is covered without touching this file, as
long as its id sits under a prefix we know (`/visits/<id>/...`, `/out/<id>/...`, `/families/<id>/...`,
`/concerns/<id>/...`). A pattern with an id we don't know how to fill fails
`test_it_knows_how_to_fill_every_id_taking_pattern`: teach KIND_BY_PREFIX (or NOT_OBJECT_IDS) about it.

For each page and object the test signs in as
  (a) a user of ANOTHER school in every role (and a signed-in user of no school, e.g. a superuser), and
  (b) each role of the SAME school that must not see the object, and the safeguarding lead and
      admin of the school's own trust (a trust role opens no school page: the trust's are read-only),
and GETs and POSTs it. Each must get exactly what a non-existent id gets: a 404 (405 where the page
takes no such method for anyone) with the same body - not a 403 that confirms the object exists,
not a redirect, not the data - and a POST must change nothing.
"""

import re
import uuid

import pytest
from django.apps import apps

from accounts import roles
from safety.models import SafeguardingConcern
from visits.models import EventKind

from .routes import MISSING_ID, OBJECT_ROUTES, PLAIN_ROUTES, fill, kind_of

pytestmark = pytest.mark.django_db


# Same-school roles that must not see an object, beyond the defaults below (the page's own rule).
# Keys are URL names; values are the people of the scene fixture.
# The school's own trust's lead and admin: the trust pages only, never a school page.
TRUST = ["trust lead", "trust admin"]
DEFAULT_SAME_SCHOOL_DENIED = {
    "family": ["stranger", *TRUST],  # a visiting teacher with no visit to the family, not shared with them
    "visit": ["stranger", *TRUST],  # a visiting teacher not on the visit (and who did not plan it)
    "round": ["stranger", *TRUST],  # a visiting teacher not on the day's round (R-LUNCH)
    "concern": ["teacher", "ta", "stranger", "office", "admin", *TRUST],  # R-SAFEGUARD: the DSL and head only
    # What a resolved alarm was: the office, the head and the DSL say it (R-REVIEW).
    "alarm": ["teacher", "ta", "stranger", "admin", *TRUST],
    # The trust's read-only pages about a school: its trust's people only, none of the school's own.
    "school": ["teacher", "ta", "stranger", "office", "head", "dsl", "admin"],
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
ALLOWED = {"family": "head", "visit": "head", "concern": "dsl", "alarm": "office", "school": "trust lead",
           "round": "head"}

SECRET_WORDS = ("Quillfeather", "Zanzibar Mews", "Perpetua", "marigold-secret", "Bruise on the arm")


def test_it_knows_how_to_fill_every_id_taking_pattern():
    unknown = [f"{name} ({route})" for route, name in OBJECT_ROUTES if kind_of(route) is None]
    assert not unknown, ("New id-taking pages this walk can't fill; add their object to KIND_BY_PREFIX "
                         f"(or, if the parameter is not an object id, to NOT_OBJECT_IDS): {unknown}")


def test_the_walk_found_the_pages():
    names = {name for _, name in OBJECT_ROUTES}
    # The pages that exist today; a page may be added but these must still be walked.
    assert {"visits:visit-detail", "visits:family-detail", "visits:visit-letter", "safety:checkin",
            "safety:escalation", "safety:police-pack", "concerns:detail", "concerns:create",
            "reports:report", "reports:parent-copy", "trusts:board", "trusts:approvals", "trusts:alerts"} <= names


# --- The world --------------------------------------------------------------------------------


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
