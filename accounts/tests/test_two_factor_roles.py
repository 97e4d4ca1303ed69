"""Everyone who sees family addresses or code words can turn on two-factor sign-in from their account
page, and a school can require it of its visiting staff too (off by default)."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts import roles
from accounts.twofactor import two_factor_required
from homevisits.factories import SchoolFactory, make_staff

from .admin_forms import read_form
from .twofactor_helpers import CODE_ITEM, SETUP, code_for_key, key_shown, link_path

pytestmark = pytest.mark.django_db

ENROL_LINK = re.compile(r"(http\S+/accounts/two-factor/enrol/\S+/)")


@pytest.mark.parametrize("role", [roles.VISITING_STAFF, roles.OFFICE, roles.HEAD, roles.DSL, roles.SCHOOL_ADMIN])
def test_every_role_that_sees_addresses_or_code_words_can_set_it_up_from_the_account_page(role, run_tasks):
    user = make_staff(SchoolFactory(), role)
    client = Client()
    client.force_login(user)
    account = client.get("/accounts/").content.decode()
    assert f'href="{SETUP}"' in account and "Set up two-factor sign-in" in account
    with run_tasks():
        client.post(SETUP, {"send_link": "1"})
    link = ENROL_LINK.search(mail.outbox[0].body).group(1)
    assert client.get(link_path(link))["Location"] == SETUP
    key = key_shown(client.get(SETUP).content.decode())
    done = client.post(SETUP, {"code": code_for_key(key)})
    assert len(CODE_ITEM.findall(done.content.decode())) == 10
    assert "badge text-bg-success\">On" in client.get("/accounts/").content.decode()


@pytest.mark.parametrize("required_roles", [["Head of school", "DSL", "Office", "School admin"], []])
def test_a_school_can_require_it_of_visiting_staff(settings, required_roles):
    settings.TWO_FACTOR_REQUIRED_ROLES = required_roles
    strict, relaxed = SchoolFactory(two_factor_for_visiting_staff=True), SchoolFactory()
    teacher = make_staff(strict, roles.VISITING_STAFF)
    elsewhere = make_staff(relaxed, roles.VISITING_STAFF)
    assert two_factor_required(teacher) and not two_factor_required(elsewhere)

    client = Client()
    client.force_login(teacher)
    response = client.get("/visits/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP + "?next=")
    client.force_login(elsewhere)
    assert client.get("/visits/").status_code == 200


def test_it_is_off_by_default_and_the_school_admin_switches_it_on(client):
    school = SchoolFactory()
    assert school.two_factor_for_visiting_staff is False
    school_admin = make_staff(school, roles.SCHOOL_ADMIN)
    school_admin.is_staff = True
    school_admin.save()
    client.force_login(school_admin)
    url = f"/admin/accounts/school/{school.pk}/change/"
    data, names = read_form(client.get(url).content.decode(), "school_form")
    assert "two_factor_for_visiting_staff" in names
    assert client.post(url, {**data, "two_factor_for_visiting_staff": "on"}).status_code == 302
    school.refresh_from_db()
    assert school.two_factor_for_visiting_staff is True
