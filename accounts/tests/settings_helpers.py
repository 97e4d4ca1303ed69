"""Helpers for the tests of the school's settings pages: the address of a page, what a browser would
post back from it (every field with its current value), and the text beside a field."""

import re
from html import unescape

from django.urls import reverse

from .admin_forms import read_form


def url(school, page):
    return reverse("school-settings", args=[school.pk, page])


def form_of(client, school, page) -> dict:
    """The page's form as the browser would send it unchanged (the empty row's template left out)."""
    data, _ = read_form(client.get(url(school, page)).content.decode(), "settings-form")
    return {k: v for k, v in data.items() if "__prefix__" not in k}


def beside(html: str, field_id: str) -> str:
    """The text crispy-forms puts in the field's own box (its label, help and errors)."""
    start = html.index(f'id="div_id_{field_id}"')
    end = html.find('id="div_id_', start + 10)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end if end != -1 else None])))
