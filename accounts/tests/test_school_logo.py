"""The school's logo for its letters (R-INFORM): a PNG or JPEG of at most 1 MB, drawn again as a fresh
PNG on the server; anything else (not a picture, too big, an SVG with a script in it, a picture that
claims a vast size) is refused beside the field and nothing is saved."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import logo
from accounts.models import SchoolLogo

from .settings_helpers import beside, form_of, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_admin(client, school_admin):
    client.force_login(school_admin)
    return client


def picture(fmt="PNG", size=(1200, 400), colour=(10, 80, 160), mode="RGB", **save):
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format=fmt, **save)
    return out.getvalue()


def post_logo(client, school, content, name="logo.png", content_type="image/png", **extra):
    data = form_of(client, school, "letters")
    data.update(extra)
    data["logo_file"] = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(url(school, "letters"), data)


def test_a_png_is_redrawn_to_fit_the_letterhead(as_admin, school):
    response = post_logo(as_admin, school, picture(size=(1200, 400)) + b"<script>trailing bytes</script>")
    assert response.status_code == 302
    stored = SchoolLogo.objects.get(school=school)
    assert (stored.width, stored.height) == (600, 200)
    assert bytes(stored.png).startswith(b"\x89PNG") and b"<script>" not in bytes(stored.png)
    with Image.open(io.BytesIO(bytes(stored.png))) as again:
        assert again.format == "PNG" and again.size == (600, 200)
    html = as_admin.get(url(school, "letters")).content.decode()
    assert 'data-testid="logo-preview"' in html and "data:image/png;base64," in html


def test_a_jpeg_with_metadata_keeps_only_its_pixels(as_admin, school):
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    jpeg = picture("JPEG", size=(300, 100), exif=exif.tobytes())
    assert b"secret description" in jpeg
    assert post_logo(as_admin, school, jpeg, name="logo.jpg", content_type="image/jpeg").status_code == 302
    stored = SchoolLogo.objects.get(school=school)
    assert (stored.width, stored.height) == (300, 100)
    assert b"secret description" not in bytes(stored.png)


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>')


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"%PDF-1.4 not a picture at all", "logo.png", logo.NOT_AN_IMAGE),
    (SVG, "logo.svg", logo.NO_SVG),
    (b"   \n" + SVG[21:], "logo.png", logo.NO_SVG),
    (picture("GIF", size=(20, 20)), "logo.gif", logo.NOT_AN_IMAGE),
    (picture(size=(40, 40))[:60], "logo.png", logo.NOT_AN_IMAGE),  # cut short
], ids=["pdf", "svg-with-script", "svg-named-png", "gif", "truncated"])
def test_what_is_not_a_png_or_jpeg_is_refused_beside_the_field(as_admin, school, content, name, message):
    school.letter_greeting = "Dear"
    school.save()
    response = post_logo(as_admin, school, content, name=name, letter_greeting="Hello")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html and message in beside(html, "logo_file")
    assert not SchoolLogo.objects.exists()
    school.refresh_from_db()
    assert school.letter_greeting == "Dear"  # nothing of the page saved


def test_a_file_over_the_limit_is_refused(as_admin, school, settings):
    big = picture(size=(600, 200)) + b"\0" * (logo.MAX_BYTES + 1)
    response = post_logo(as_admin, school, big)
    assert response.status_code == 200
    assert logo.TOO_BIG in beside(response.content.decode(), "logo_file")
    assert not SchoolLogo.objects.exists()


def test_a_picture_claiming_a_vast_size_is_refused_before_it_is_decoded(as_admin, school):
    # A small file of 6000 x 6000 pixels (one bit each): refused from its header alone.
    bomb = picture("PNG", size=(6000, 6000), colour=0, mode="1")
    assert len(bomb) < logo.MAX_BYTES
    response = post_logo(as_admin, school, bomb)
    assert response.status_code == 200
    assert "too large to use" in beside(response.content.decode(), "logo_file")
    assert not SchoolLogo.objects.exists()


def test_the_logo_is_replaced_and_removed(as_admin, school):
    post_logo(as_admin, school, picture(size=(100, 50)))
    post_logo(as_admin, school, picture(size=(200, 50), colour=(200, 0, 0)))
    assert SchoolLogo.objects.get(school=school).width == 200
    data = form_of(as_admin, school, "letters")
    data["remove_logo"] = "on"
    assert as_admin.post(url(school, "letters"), data).status_code == 302
    assert not SchoolLogo.objects.filter(school=school).exists()


def test_uploading_and_removing_at_once_is_refused(as_admin, school):
    post_logo(as_admin, school, picture(size=(100, 50)))
    response = post_logo(as_admin, school, picture(size=(300, 50)), remove_logo="on")
    assert "not both" in beside(response.content.decode(), "remove_logo")
    assert SchoolLogo.objects.get(school=school).width == 100
