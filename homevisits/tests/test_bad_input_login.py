"""Bad input on the sign-in page: odd usernames are a form error (or a refused sign-in), never a 500."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TOO_LONG = pytest.param("x" * 1000, id="1000 characters")


@pytest.mark.parametrize("username", ["nul\x00name", TOO_LONG, "<script>alert(1)</script>", "محمد", "' OR 1=1 --"])
def test_an_odd_username_is_refused_not_500(client, username):
    response = client.post(reverse("login"), {"username": username, "password": "whatever it is"})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "<script>alert(1)</script>" not in response.content.decode()
