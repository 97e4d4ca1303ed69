"""The governors' report as a PDF made on the server by WeasyPrint, where it and its system
libraries (Pango) are installed; where not, the page says so and still prints from the browser.

Nothing outside the document is fetched: the stylesheet is inlined, the charts are data: URIs and
any other URL is refused, so the PDF can never be made to reach another server."""

import base64

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

try:
    import weasyprint
    import weasyprint.urls
except (ImportError, OSError):  # not installed, or its system libraries are missing
    weasyprint = None


def available() -> bool:
    return weasyprint is not None


def url_fetcher():
    """WeasyPrint's fetcher allowed data: URLs only, failing loudly on anything else."""
    return weasyprint.urls.URLFetcher(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True)


def data_url(svg: bytes | str) -> str:
    raw = svg.encode() if isinstance(svg, str) else svg
    return "data:image/svg+xml;base64," + base64.b64encode(raw).decode()


def render(context) -> bytes:
    with open(finders.find("governors/report.css"), encoding="utf-8") as f:
        css = f.read()
    html = render_to_string("governors/year_pdf.html", {**context, "css": css})
    return weasyprint.HTML(string=html, url_fetcher=url_fetcher()).write_pdf()
