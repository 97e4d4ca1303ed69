"""Setting the safety PIN and the duress PIN on one's own account page (R-CODEWORD): with one's
password, 4 to 8 digits, the two different, typed twice; kept only as salted hashes."""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.db import connection
from django.urls import reverse

from accounts import pins
from accounts.models import AccountChange, AccountChangeKind, RateLimitHit, SafetyPins

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
URL = reverse("safety-pins")


def form(password=PASSWORD, safety="739146", duress="582073", safety_again=None, duress_again=None):
    return {"password": password, "safety_pin": safety, "safety_pin_again": safety if safety_again is None else safety_again,
            "duress_pin": duress, "duress_pin_again": duress if duress_again is None else duress_again}


def errors_beside(response, field):
    page = response.content.decode()
    at = page.index(f'id="id_{field}"')
    return page[at:page.find("</div>", page.find("invalid-feedback", at)) + 1] if "invalid-feedback" in page[at:] else ""


def test_the_account_page_says_whether_the_pins_are_set(client, teacher):
    client.force_login(teacher)
    page = client.get(reverse("account")).content.decode()
    assert "Not set" in page and reverse("safety-pins") in page
    client.post(URL, form())
    page = client.get(reverse("account")).content.decode()
    assert 'data-testid="pins-state"><span class="badge text-bg-success">Set</span>' in page


def test_pins_are_set_with_the_password_and_kept_only_as_salted_hashes(client, teacher):
    client.force_login(teacher)
    response = client.post(URL, form())
    assert response.status_code == 302 and response["Location"] == reverse("account")
    row = SafetyPins.objects.get(user=teacher)
    for pin, stored in (("739146", row.safety_pin), ("582073", row.duress_pin)):
        assert pin not in stored and identify_hasher(stored) is not None
        assert check_password(pin, stored)
    # Salted: the same PIN twice is two different hashes.
    assert pins.set_pins(teacher, "111111", "222222") and SafetyPins.objects.get(user=teacher).safety_pin != \
        pins.set_pins(teacher, "111111", "222222").safety_pin
    # The raw row in the database: hashes, nothing else.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_safetypins")
        raw = " ".join(str(value) for value in cursor.fetchone())
    assert "111111" not in raw and "222222" not in raw
    # The account change log says only that they were set.
    change = AccountChange.objects.filter(account=teacher, kind=AccountChangeKind.SAFETY_PINS).first()
    assert change is not None and change.old == "" and change.new == ""


def test_a_wrong_password_sets_nothing_and_says_so_beside_the_field(client, teacher):
    client.force_login(teacher)
    response = client.post(URL, form(password="not-it"))
    assert response.status_code == 200
    assert "That is not your password." in errors_beside(response, "password")
    assert not SafetyPins.objects.filter(user=teacher).exists()


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"safety": "123"}, "safety_pin", "at least 4 characters"),
    ({"safety": "123456789"}, "safety_pin", "at most 8 characters"),
    ({"duress": "12a4"}, "duress_pin", "4 to 8 digits, nothing else"),
    ({"safety": "4455", "duress": "4455"}, "duress_pin", "must be different from the safety PIN"),
    ({"safety_again": "739147"}, "safety_pin_again", "not the same PIN"),
    ({"duress_again": "582074"}, "duress_pin_again", "not the same PIN"),
])
def test_bad_pins_are_refused_beside_their_field(client, teacher, fields, field, message):
    client.force_login(teacher)
    response = client.post(URL, form(**fields))
    assert response.status_code == 200
    assert message in errors_beside(response, field)
    assert not SafetyPins.objects.filter(user=teacher).exists()


def test_changing_them_needs_the_password_again_and_replaces_both(client, teacher):
    client.force_login(teacher)
    client.post(URL, form())
    before = SafetyPins.objects.get(user=teacher)
    refused = client.post(URL, form(password="", safety="1010", duress="2020"))
    assert refused.status_code == 200
    assert SafetyPins.objects.get(user=teacher).safety_pin == before.safety_pin
    client.post(URL, form(safety="1010", duress="2020"))
    after = SafetyPins.objects.get(user=teacher)
    assert check_password("1010", after.safety_pin) and check_password("2020", after.duress_pin)
    assert not check_password("739146", after.safety_pin)


def test_wrong_passwords_are_throttled(client, teacher):
    client.force_login(teacher)
    for _ in range(pins.WRONG_PINS_ALLOWED):
        client.post(URL, form(password="guess"))
    response = client.post(URL, form())  # the right password, too late
    assert "Too many wrong passwords" in errors_beside(response, "password")
    assert not SafetyPins.objects.filter(user=teacher).exists()
    assert RateLimitHit.objects.filter(scope=pins.WRONG_PASSWORD_SCOPE).count() == pins.WRONG_PINS_ALLOWED


def test_the_pins_page_is_for_signed_in_staff_only(client, teacher):
    assert client.get(URL).status_code == 302
    client.force_login(teacher)
    page = client.get(URL)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]


def test_the_pins_are_never_in_a_log_or_an_error_report(client, teacher, caplog):
    client.force_login(teacher)
    client.post(URL, form(password="guess"))
    client.post(URL, form())
    assert "739146" not in caplog.text and "582073" not in caplog.text
