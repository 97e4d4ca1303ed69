"""Shared helpers for the tests of the office's live board (safety:board and its polled body)."""

import re

from django.urls import reverse

from safety.watchdog import check_in
from visits.models import EventKind

from .pages import at

BOARD, BODY = reverse("safety:board"), reverse("safety:board-body")


def signed_out(world, start, back, **extra):
    """A visit by the teacher and the TA, signed out at its planned start."""
    visit = world.visit(start=start, back=back, **extra)
    check_in(visit, EventKind.DEPARTED, world.teacher, now=start)
    visit.refresh_from_db()
    return visit


def poll(client):
    """What htmx asks for every BOARD_POLL_SECONDS."""
    return client.get(BODY, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{BOARD}")


def poll_with(client, etag):
    """The poll as board.js sends it: with the version of the board the page shows (If-None-Match)."""
    return client.get(BODY, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{BOARD}",
                      HTTP_IF_NONE_MATCH=etag)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def row_order(html: str) -> list[int]:
    """The visits of the "out now" rows, top to bottom."""
    return [int(pk) for pk in re.findall(r'data-testid="board-row" data-visit="(\d+)"', html)]


def row_of(html: str, visit) -> str:
    """The markup of one visit's row on the board."""
    start = html.rindex("<li", 0, html.index(f'data-testid="board-row" data-visit="{visit.pk}"'))
    end = html.find('<li class="hv-row', start + 3)
    if end == -1:
        end = html.index("</ol>", start)
    return html[start:end]


__all__ = ["at"]
