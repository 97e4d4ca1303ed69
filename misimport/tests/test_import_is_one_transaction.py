"""The import is one transaction: a failure part-way through leaves nothing behind, and the upload
stays so the person can try again."""

import pytest

from misimport import samples
from visits.models import Carer, Child, Family

from .helpers import confirm, pupils_csv, token_of, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_gmt", "import_dir")]


def test_a_failure_half_way_leaves_nothing(admin_client, monkeypatch):
    token = token_of(upload(admin_client, pupils_csv(samples.pupil_rows(50))))
    saved = []
    real_save = Carer.save

    def failing_save(self, *args, **kwargs):
        saved.append(self)
        if len(saved) == 30:
            raise RuntimeError("the database went away")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Carer, "save", failing_save)
    admin_client.raise_request_exception = False
    response = confirm(admin_client, token, follow=False)
    assert response.status_code == 500
    assert not Family.objects.exists() and not Child.objects.exists() and not Carer.objects.exists()
    monkeypatch.setattr(Carer, "save", real_save)
    admin_client.raise_request_exception = True
    confirm(admin_client, token)
    assert Child.objects.count() == 50
