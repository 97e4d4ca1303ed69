"""WCAG 2 contrast from CSS colours: relative luminance, alpha painted over what is behind."""


def rgba(css: str) -> tuple[float, float, float, float]:
    """'rgb(1, 2, 3)', 'rgba(1, 2, 3, 0.5)', 'rgb(1 2 3 / 0.5)' or '#rrggbb'."""
    css = css.strip()
    if css.startswith("#"):
        digits = css[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), 1.0)
    inside = css[css.index("(") + 1:css.index(")")].replace("/", ",").replace(" ", ",")
    parts = [float(p) for p in inside.split(",") if p]
    return (*parts[:3], parts[3] if len(parts) > 3 else 1.0)


def over(top, below):
    """`top` (with its alpha) painted over the opaque colour `below`."""
    r, g, b, a = top
    return tuple(a * c + (1 - a) * d for c, d in zip((r, g, b), below, strict=True))


def luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(text_css: str, *backgrounds_nearest_first: str) -> float:
    """Contrast of text over its backgrounds (the nearest first; white below them all)."""
    background = (255.0, 255.0, 255.0)
    for layer in reversed(backgrounds_nearest_first):
        background = over(rgba(layer), background)
    text = over(rgba(text_css), background)
    lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
