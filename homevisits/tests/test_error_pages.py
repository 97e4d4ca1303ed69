"""The 400, 403, 404 and 500 pages with DEBUG off (as in production): the site's look, what
happened in plain words and a link home; never a record's name or anything about the user on the
500 page, which renders without the request (no context processor, no database)."""

import re

import pytest
from django.test import Client, RequestFactory

from accounts import roles
from homevisits import views
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_urls_and_debug")]


@pytest.fixture
def _urls_and_debug(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "homevisits.tests.error_urls"


def signed_in(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def assert_site_look(page):
    """Our stylesheet, the header with the site's name, one h1, and the way home."""
    assert "css/app.css" in page and "bootstrap.min.css" in page
    assert 'class="navbar-brand' in page and "Home Visits" in page
    assert len(re.findall(r"<h1\b", page)) == 1
    assert re.search(r'<a [^>]*href="/"[^>]*>Go to the home page</a>', page)


def test_not_found_for_another_schools_visit_says_nothing_about_it(teacher):
    other = VisitFactory(family=FamilyFactory(school=SchoolFactory(), display_name="Zielinski family",
                                              address_line1="99 Secret Street"))
    response = signed_in(teacher).get(f"/visits/{other.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert_site_look(page)
    assert "Page not found" in page
    assert "Zielinski" not in page and "Secret Street" not in page and f"/visits/{other.pk}/" not in page
    # Signed in, the menu is there to carry on from.
    assert 'id="mainnav"' in page


def test_not_found_for_a_mistyped_address(teacher):
    response = signed_in(teacher).get("/no-such-page/?q=Khan")
    assert response.status_code == 404
    page = response.content.decode()
    assert_site_look(page)
    assert "no-such-page" not in page and "Khan" not in page


def test_forbidden_says_why_in_the_sites_words(school):
    admin = make_staff(school, roles.SCHOOL_ADMIN)
    response = signed_in(admin).get("/visits/new/")
    assert response.status_code == 403
    page = response.content.decode()
    assert_site_look(page)
    assert "Your role can&#x27;t plan visits." in page


def test_forbidden_without_a_reason(teacher):
    response = signed_in(teacher).get("/test-errors/403/")
    assert response.status_code == 403
    page = response.content.decode()
    assert_site_look(page)
    assert 'data-testid="error-reason"' not in page


def test_bad_request_from_a_host_we_do_not_serve(teacher):
    response = signed_in(teacher).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert_site_look(response.content.decode())


def test_bad_request_from_a_view(teacher):
    response = signed_in(teacher).get("/test-errors/400/")
    assert response.status_code == 400
    page = response.content.decode()
    assert_site_look(page)
    assert "tampered" not in page


def test_server_error_has_the_look_and_nothing_about_the_user(school):
    head = make_staff(school, roles.HEAD)
    head.first_name = "Philippa"
    head.save()
    response = signed_in(head).get("/test-errors/500/")
    assert response.status_code == 500
    page = response.content.decode()
    assert_site_look(page)
    assert "Something went wrong" in page
    assert "Philippa" not in page and "Hunsbury" not in page and "a bug" not in page
    assert 'id="mainnav"' not in page  # no menu: it would need the user, and the database


def _boom(request):
    raise AssertionError("a context processor ran for the 500 page")


def test_server_error_needs_no_context_processor_and_no_database(settings, django_assert_num_queries):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {
        **settings.TEMPLATES[0]["OPTIONS"],
        "context_processors": [*settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                               "homevisits.tests.test_error_pages._boom"]}}]
    request = RequestFactory().get("/anything/")
    with django_assert_num_queries(0):
        response = views.server_error(request)
    assert response.status_code == 500
    assert_site_look(response.content.decode())


def test_server_error_when_even_its_template_fails(monkeypatch):
    def broken_template(name, *args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'css/app.css'")

    monkeypatch.setattr(views.loader, "get_template", broken_template)
    response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and '<a href="/">Go to the home page</a>' in page
    assert "<script" not in page and "style=" not in page



def test_an_error_page_leaves_waiting_messages_for_the_next_page(school):
    """A message meant for the page after a redirect is not shown on (or used up by) an error page."""
    client = signed_in(make_staff(school, roles.HEAD))
    visit = VisitFactory(family=FamilyFactory(school=school), state="returned")
    client.get(f"/visits/{visit.pk}/approve/")  # "This visit is returned." waits for the next page
    missing = client.get("/no-such-page/").content.decode()
    assert "This visit is" not in missing
    assert "This visit is" in client.get(f"/visits/{visit.pk}/").content.decode()
