"""The school's logo for its letters: an uploaded image checked and drawn again on the server.

Only a PNG or JPEG photo or drawing is taken, no larger than MAX_BYTES, its size read from the header
before any pixel is decoded (a small file can claim a huge picture). Pillow decodes it and a fresh PNG
is made from the pixels alone, at most MAX_WIDTH x MAX_HEIGHT: whatever else the file carried
(metadata, a second frame, bytes after the image, a script in an SVG posing as one) is not kept,
because nothing of the file is kept. The letter embeds that PNG (SchoolLogo.data_uri)."""

import hashlib
import io

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 1024 * 1024
MAX_WIDTH, MAX_HEIGHT = 600, 240
# Decoding more pixels than this is refused outright (a "decompression bomb").
MAX_SOURCE_PIXELS = 25_000_000
ACCEPTED_FORMATS = ("PNG", "JPEG")

TOO_BIG = (f"The logo is larger than {MAX_BYTES // (1024 * 1024)} MB: save it smaller (a letterhead needs only a "
           "few hundred pixels).")
NOT_AN_IMAGE = "That file is not a PNG or JPEG picture. Save the logo as a PNG or JPEG and upload it again."
NO_SVG = "SVG drawings can't be used (they can carry code): save the logo as a PNG or JPEG and upload it again."


def make_png(upload) -> tuple[bytes, int, int, str]:
    """(png bytes, width, height, sha-256) made from an uploaded file, or ValidationError saying why not."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(TOO_BIG, code="logo_too_big")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_BIG, code="logo_too_big")
    start = data[:512].lstrip().lower()
    if start.startswith((b"<?xml", b"<svg", b"<!doctype")) or b"<svg" in start:
        raise ValidationError(NO_SVG, code="logo_svg")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(NOT_AN_IMAGE, code="logo_format")
            width, height = probe.size
            if width < 1 or height < 1 or width * height > MAX_SOURCE_PIXELS:
                raise ValidationError("That picture is too large to use: save it at a few hundred pixels across.",
                                      code="logo_pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # a phone photo the right way up
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
            image.thumbnail((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)  # no metadata carried over
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(NOT_AN_IMAGE, code="logo_unreadable") from exc
    png = out.getvalue()
    return png, image.width, image.height, hashlib.sha256(png).hexdigest()


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
