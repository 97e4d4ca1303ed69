"""A multipart request too large for any form of ours is refused before it is read, wherever it is
sent (the public sign-in page included), so nothing of it is written to the server's disk."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from misimport import reading

BIG = 7 * 1024 * 1024  # above REQUEST_UPLOAD_MAX_BYTES' 6 MB


def _spy_on_disk():
    """Watches Django's handler that writes an upload to a temporary file, which still does its work."""
    return mock.patch.object(TemporaryFileUploadHandler, "new_file", autospec=True,
                             side_effect=TemporaryFileUploadHandler.new_file)


def _big_file(name="export.csv"):
    return SimpleUploadedFile(name, b"a" * BIG, content_type="text/csv")


@pytest.mark.django_db
def test_a_huge_upload_to_the_public_sign_in_page_is_refused_unread(client):
    with _spy_on_disk() as to_disk:
        response = client.post("/accounts/login/", {"username": "x", "password": "y", "file": _big_file()})
    assert response.status_code == 400
    to_disk.assert_not_called()


def test_a_huge_mis_export_is_refused_before_it_is_kept(client, school_admin):
    client.force_login(school_admin)
    with mock.patch.object(reading, "keep") as keep, \
            _spy_on_disk() as to_disk:
        response = client.post("/school/import/", {"kind": "pupils", "file": _big_file()})
    assert response.status_code == 400
    keep.assert_not_called()
    to_disk.assert_not_called()


def test_an_upload_within_the_limit_still_reaches_the_form(client, school_admin, settings):
    settings.MIS_IMPORT_MAX_BYTES = 1024  # the form's own limit, with its message beside the field
    client.force_login(school_admin)
    response = client.post("/school/import/", {"kind": "pupils",
                                                "file": SimpleUploadedFile("e.csv", b"a" * 4096)})
    assert response.status_code == 200 and "larger than" in response.content.decode()
