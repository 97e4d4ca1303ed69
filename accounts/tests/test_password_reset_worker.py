"""The forgotten-password email is sent by a real Celery worker (through the configured broker: the
filesystem one by default, Redis when CELERY_BROKER_URL is set), not by the web request."""

import pytest
from django.test import Client

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff
from homevisits.realstack import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_real_worker_sends_the_reset_email_the_page_queued(tmp_path):
    user = make_staff(SchoolFactory(), roles.VISITING_STAFF, username="tom")
    user.email = "tom.baker@school.example"
    user.save()
    outbox = tmp_path / "mail"
    outbox.mkdir()
    def written():
        # Django's file backend creates the file, then writes the message and a line of 79 dashes:
        # wait for that line, not for the file, or a read can come between the two.
        return "".join(p.read_text() for p in outbox.iterdir())

    with celery_worker(tmp_path, EMAIL_URL="filemail://", EMAIL_FILE_PATH=str(outbox)) as worker:
        response = Client().post("/accounts/password/reset/", {"email": "Tom.Baker@school.example"})
        assert response.status_code == 302
        assert worker.wait_for(lambda: "-" * 79 in written(), seconds=60), worker.log()
    text = written()
    assert "To: tom.baker@school.example" in text
    assert "/accounts/password/reset/" in text
