"""The report's charts, drawn on the server as SVG by pygal: no script runs (they are shown as
images, and their responses forbid scripts), nothing is fetched from anywhere, and they print."""

import pygal
from pygal.style import Style

# The site's blues and greys; readable on paper in black and white (the values are printed too).
STYLE = Style(background="white", plot_background="white", foreground="#212529", foreground_strong="#212529",
              foreground_subtle="#6c757d", colors=("#0b3d91", "#9aa5b1"), font_family="sans-serif",
              label_font_size=13, major_label_font_size=13, legend_font_size=13, value_font_size=12,
              title_font_size=16)


def _bars(title, labels, this_year, last_year, this_label, last_label, height):
    chart = pygal.HorizontalBar(js=[], style=STYLE, width=760, height=height, print_values=True,
                                show_y_guides=False, legend_at_bottom=True, truncate_label=-1,
                                disable_xml_declaration=False, explicit_size=False)
    chart.title = title
    # Whole numbers on the axis: counts, not fractions of a visit.
    top = max([1, *this_year, *last_year])
    step = -(-top // 6)
    chart.y_labels = list(range(0, top + step, step))
    chart.x_labels = labels
    chart.add(this_label, this_year)
    chart.add(last_label, last_year)
    return chart.render()


def purposes(this, last) -> bytes:
    labels = [k for k in this.by_purpose if this.by_purpose[k] or last.by_purpose.get(k)] or ["No visits"]
    return _bars("Visits made by purpose", labels, [this.by_purpose.get(k, 0) for k in labels],
                 [last.by_purpose.get(k, 0) for k in labels], this.label, last.label, 120 + 34 * len(labels))


def alerts(this, last) -> bytes:
    labels = ["Late returns", *this.escalations_by_level, "Cancelled for safety"]
    this_values = [this.late_returns, *this.escalations_by_level.values(), this.cancelled_for_safety]
    last_values = [last.late_returns, *last.escalations_by_level.values(), last.cancelled_for_safety]
    return _bars("Staff safety: late returns, alerts by level, cancellations for safety", labels,
                 this_values, last_values, this.label, last.label, 120 + 40 * len(labels))


CHARTS = {"purposes": purposes, "alerts": alerts}
