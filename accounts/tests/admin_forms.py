"""What a browser would send back from an admin page's form: every field with its current value, so
a test changes one or adds a forged one and posts the rest unchanged."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data, self.names = form_id, False, {}, []
        self._select = self._textarea = None
        self._multiple = False

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or attrs.get("id") == self.form_id
            return
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            self.names.append(attrs["name"])
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(attrs["name"], attrs.get("value", "on"))
                return
            self._add(attrs["name"], attrs.get("value", ""))
        elif tag == "select":
            self._select, self._multiple = attrs["name"], "multiple" in attrs
            self.names.append(attrs["name"])
            self.data.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.names.append(attrs["name"])
            self._add(self._textarea, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def read_form(html: str, form_id: str | None = None):
    """(data to post, names of every field the form offers)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    data = {k: (v if len(v) != 1 else v[0]) for k, v in reader.data.items() if v != []}
    return data, set(reader.names)
