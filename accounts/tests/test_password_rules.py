"""Password rules: at least 12 characters, not a common password, not like the user's own details."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from homevisits import factories

pytestmark = pytest.mark.django_db


def olivia_price(school):
    """The root world's office person, with a name and address her password could be like."""
    user = factories.person(school, "office", username="olivia.price")
    user.first_name, user.last_name, user.email = "Olivia", "Price", "olivia.price@school.example"
    user.save()
    return user


def messages_for(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def test_eleven_characters_are_too_few_and_twelve_are_enough(school):
    user = olivia_price(school)
    assert "at least 12 characters" in messages_for("kx7-pq2m-zr", user)
    assert messages_for("kx7-pq2m-zrw", user) == ""


def test_common_passwords_are_refused(school):
    user = olivia_price(school)
    assert "too common" in messages_for("password1234", user)
    assert "too common" in messages_for("qwerty123456", user)


def test_a_password_like_the_users_own_details_is_refused(school):
    user = olivia_price(school)
    assert "too similar" in messages_for("olivia.price1", user)


def test_an_all_number_password_is_refused(school):
    user = olivia_price(school)
    assert "entirely numeric" in messages_for("582039174629", user)


def test_the_change_password_page_applies_the_rules(client, school):
    user = olivia_price(school)
    user.set_password("old-password-long-enough")
    user.save()
    client.force_login(user)
    response = client.post("/accounts/password/change/", {
        "old_password": "old-password-long-enough", "new_password1": "short-pw", "new_password2": "short-pw"})
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("old-password-long-enough")
