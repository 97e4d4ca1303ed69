"""The web server's access log without personal data (Procfile: gunicorn --logger-class).

Gunicorn's combined format logs the request line with its query string and the Referer; here the
query string is dropped and a calendar feed's token redacted (homevisits/logredact.py), in the request
line (%(r)s), the path (%(U)s), the query (%(q)s, always empty) and the Referer (%(f)s). The header,
environ and response-header atoms ({name}i, {name}e, {name}o) are not offered at all: they repeat the
same data, the cookies and redirect locations."""

from gunicorn.glogging import Logger

from homevisits.logredact import scrub


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = scrub(environ.get("PATH_INFO") or "/")
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        atoms["U"] = path
        atoms["q"] = ""
        atoms["f"] = scrub(environ.get("HTTP_REFERER") or "-")
        for key in [key for key in atoms if key.startswith("{")]:
            del atoms[key]
        return atoms
