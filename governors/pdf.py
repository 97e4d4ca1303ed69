"""The governors' report as a PDF made on the server by WeasyPrint, where it and its system
libraries (Pango) are installed; where not, the page says so and still prints from the browser.

Nothing outside the document is fetched: the stylesheets are read from our static files, the charts are data: URIs and
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


STYLESHEETS = ("governors/report.css", "governors/report_pdf.css")


def stylesheets():
    """The page's own stylesheet and the PDF's A4 layout, read from our static files (no <style> in
    a template: one rule for every template, whichever reads it)."""
    sheets = []
    for name in STYLESHEETS:
        with open(finders.find(name), encoding="utf-8") as f:
            sheets.append(weasyprint.CSS(string=f.read(), url_fetcher=url_fetcher()))
    return sheets


def render(context, template="governors/year_pdf.html") -> bytes:
    """The PDF of `template` (the governors' report, or the trust's: trusts app) with the report's stylesheets."""
    html = render_to_string(template, context)
    return weasyprint.HTML(string=html, url_fetcher=url_fetcher()).write_pdf(stylesheets=stylesheets())
