"""Personal data kept out of the logs: a query string can hold a family's name or postcode (the
family search), and a calendar feed's path holds its secret token (anyone with it reads that
person's visit times). Used by the web server's access log (homevisits/gunicorn_logging.py) and by
a filter on the app's own log handler, for Django's lines that name a path ("Not Found: ...")."""

import logging
import re

# /calendar/<token>.ics, wherever it appears (a path, a request line, a Referer, a message).
CALENDAR_TOKEN = re.compile(r"(/calendar/)[^/\s?#\"']+(\.ics)")
# A query string after a path or URL: "?" and everything up to the next space or quote.
QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']+")
CALENDAR_REDACTED = r"\1[token]\2"


def scrub(text: str) -> str:
    """`text` with calendar tokens replaced and query strings removed."""
    if not text:
        return text
    return QUERY.sub(r"\1", CALENDAR_TOKEN.sub(CALENDAR_REDACTED, text))


class ScrubPathsFilter(logging.Filter):
    """On a handler: every record it writes is scrubbed (the message is formatted first, so its
    arguments are covered too)."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the handler reports it as it would have
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
