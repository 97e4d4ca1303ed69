"""Two-factor test helpers: the code an app shows, a finished enrolment, the emailed link."""

import base64
import re

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mail, twofactor

PASSWORD = "correct-horse-battery"
SETUP, VERIFY, CODES = "/accounts/two-factor/setup/", "/accounts/two-factor/verify/", "/accounts/two-factor/backup-codes/"
CODE_ITEM = re.compile(r'<li class="list-group-item font-monospace fs-5">([a-z2-7]{8})</li>')


def code_for_key(key_hex: str, drift: int = 0) -> str:
    """The code an app that scanned this key shows now."""
    return f"{totp(bytes.fromhex(key_hex), step=30, t0=0, digits=6, drift=drift):06d}"


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def key_shown(html: str) -> str:
    """The key of the setup page (typed-in form, as a person without a camera would), as hex."""
    shown = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return base64.b32decode(shown + "=" * (-len(shown) % 8)).hex()


def with_two_factor(user):
    """A user who finished setting up a while ago: returns (device, backup codes). (The code used to
    confirm it would otherwise be refused as a replay by a test whose clock stands still.)"""
    key = twofactor.new_setup_key()
    device, codes = twofactor.enrol_authenticator(user, key, code_for_key(key))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return device, codes


def sign_in(client, user, password=PASSWORD):
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def open_enrolment_link(client, user):
    """What the owner does with the emailed link: open it in their signed-in browser."""
    return client.get(link_path(mail.enrolment_link(user)))


def link_path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]
