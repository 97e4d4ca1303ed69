"""The version of one viewer's live board, so that its poll can be answered "not changed" (HTTP 304,
no body) when nothing on it has changed since the version the page already shows.

How it is made, and why this way. The version is a keyed hash of the board as built for this
viewer (safety.board.live_board, and the rest of the view's context), walked field by field,
before it is turned into HTML. Two other ways were weighed and not taken:

- timestamps and counts over the school's rows, in one aggregate query: most of what the board
  shows has no "updated" time to take the maximum of (escalations are acknowledged, repeated and
  found to have reached nobody; notifications turn failed; a member of staff is back; a mobile
  number is corrected), the watchdog writes with bulk UPDATEs that skip `auto_now`, and counts
  can stay the same while the rows behind them change (one delivery failing as another recovers);
- a counter per school, bumped wherever something on the board changes: those places are in four
  apps, two of them below safety (which may not import it), and each new one (a new kind of
  alert, a set-based scan) would have to remember the bump. A forgotten bump is a board that
  stays calm while someone is in danger.

Hashing what the page is rendered from cannot miss a change the page would show, and it needs
no writes and no new places to keep right. It costs the board's own reads (a constant number of
indexed queries, whatever the number of visits) and the building of its rows, but not the
rendering, the compression or the sending of some 700 KiB, which are most of a poll.

What is left out, and only that, is what static/js/board.js redraws by itself every second from
the data attributes the board carries (the countdown's words, the bar's width, "3 min ago", the
time of the last update): those fields are marked `REDRAWN` where they are declared. Everything
else that depends on the clock is in the board as built, so the version moves when it does: a
row's colour and words at each deadline (due back soon, past expected return, R-LATE-15,
R-RETURN-30), "Not left yet" at a planned start, a failed delivery dropping off after 24 hours,
the day's schedule at midnight, the monitoring banner. A field left unmarked that needed no
marking only costs a body sent for nothing; never a change missed.

The version is per viewer: it is made from what this viewer's board holds (their school's visits,
as their role sees them, and what they may do, such as recording calls), and from nothing else,
so another school's changes leave it as it was. It is keyed (SECRET_KEY), so it says nothing
about the board to anyone who has not seen it.
"""

import dataclasses
import datetime
import functools
import hashlib
import operator

from django.db import models
from django.template.loader import get_template
from django.utils.crypto import salted_hmac

# Field metadata for what static/js/board.js redraws from the clock itself: not part of the version.
REDRAWN = {"board_version": "redrawn"}

BODY_TEMPLATE = "safety/_board_body.html"


@functools.cache
def template_fingerprint() -> str:
    """A new release's board is sent once, even to a board whose data has not changed."""
    return hashlib.blake2b(get_template(BODY_TEMPLATE).template.source.encode(), digest_size=16).hexdigest()


# Values taken as they are; anything else is walked into.
PLAIN = frozenset({str, int, float, bool, type(None), datetime.datetime, datetime.date})


@functools.cache
def _kept_fields(cls):
    """A dataclass's fields that are part of the version, as one C-level getter (hundreds of rows)."""
    names = [field.name for field in dataclasses.fields(cls) if field.metadata.get("board_version") != "redrawn"]
    getter = operator.attrgetter(*names)
    return getter if len(names) > 1 else (lambda value: (getter(value),))


def _walk(value, out: list, seen: dict) -> None:
    """Flatten `value` into `out` as plain values, in a fixed order."""
    kind = type(value)
    if kind in PLAIN:
        out.append(value)
    elif id(value) in seen:
        # The same person on many rows, or a profile and its user pointing at each other: in full
        # once, then by reference.
        out.append(("again", seen[id(value)]))
    elif dataclasses.is_dataclass(kind):
        seen[id(value)] = len(seen)
        out.append(kind.__name__)
        for item in _kept_fields(kind)(value):
            if type(item) in PLAIN:
                out.append(item)
            else:
                _walk(item, out, seen)
    elif isinstance(value, models.Model):
        seen[id(value)] = len(seen)
        out.append(value._meta.label)
        out.extend(repr(getattr(value, field.attname)) for field in value._meta.concrete_fields)
        for name, related in sorted(value._state.fields_cache.items()):  # select_related: shown too
            out.append(name)
            _walk(related, out, seen)
    elif isinstance(value, dict):
        out.append("{")
        try:
            keys = sorted(value)
        except TypeError:  # keys of mixed types
            keys = sorted(value, key=repr)
        for key in keys:
            _walk(key, out, seen)
            item = value[key]
            if type(item) in PLAIN:
                out.append(item)
            else:
                _walk(item, out, seen)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for item in value:
            if type(item) in PLAIN:
                out.append(item)
            else:
                _walk(item, out, seen)
        out.append("]")
    elif isinstance(value, str):  # a SafeString
        out.append(str(value))
    else:
        # Anything else by its repr: if that holds an address in memory, the version changes at
        # every poll and the body is always sent (the test of an unchanged board says so).
        out.append(repr(value))


def board_version(context: dict) -> str:
    """The version of the board rendered from `context` (the view's whole context, so a value
    added to it later is in the version without anyone remembering to add it)."""
    flat: list = [template_fingerprint()]
    _walk(context, flat, {})
    digest = hashlib.blake2b(repr(flat).encode(), digest_size=32).digest()
    return salted_hmac("safety.board_version", digest, algorithm="sha256").hexdigest()[:32]
