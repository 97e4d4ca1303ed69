from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from misimport import samples


def upload(client, content: bytes, *, name="export.csv", kind="pupils", source="sims", follow=True):
    return client.post(reverse("misimport:start"), {
        "kind": kind, "source": source, "file": SimpleUploadedFile(name, content, content_type="text/csv"),
    }, follow=follow)


def token_of(response) -> str:
    path = response.redirect_chain[-1][0]
    return path.rstrip("/").split("/")[-1] if not path.endswith("columns/") else path.rstrip("/").split("/")[-2]


def confirm(client, token, follow=True):
    return client.post(reverse("misimport:confirm", args=[token]), follow=follow)


def pupils_csv(rows=None, **kwargs) -> bytes:
    return samples.to_csv(rows if rows is not None else samples.pupil_rows(**kwargs))
