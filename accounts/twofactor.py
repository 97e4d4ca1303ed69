"""Two-factor sign-in: who needs it, who has it, setting it up, backup codes and resets (django-otp).

Setting up: each attempt gets its own fresh key, kept in that browser's (server-side) session and
nowhere else; the authenticator device is only written once a code from the app proves the key
was scanned. Nobody can see a key that someone else will later confirm. The first authenticator of
an account also needs the one-time link emailed to its owner (accounts.tokens): a password is not
enough. Every authenticator added, every new set of backup codes and every reset is recorded
(accounts.account_audit) and emailed to the person."""

import base64
import io
import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import account_audit, backup_codes, roles, tasks
from .models import AccountChangeKind, BackupCode, BackupCodeDevice, has_role, role_names, school_of

BACKUP_CODE_COUNT = backup_codes.CODE_COUNT
BACKUP_DEVICE_NAME = "Backup codes"
TOTP_DEVICE_NAME = "Authenticator app"


def two_factor_required(user) -> bool:
    """Must this user set up two-factor sign-in? Their role (TWO_FACTOR_REQUIRED_ROLES), superuser
    status while that list is not empty, or visiting staff at a school that asks it of them."""
    if not getattr(user, "is_authenticated", False):
        return False
    required = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    if required and (user.is_superuser or role_names(user) & required):
        return True
    if has_role(user, roles.VISITING_STAFF):
        school = school_of(user)
        return bool(school and school.two_factor_for_visiting_staff)
    return False


def has_two_factor(user) -> bool:
    """Has the user a confirmed authenticator app? (Backup codes alone don't count.)"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolment_link_needed(user) -> bool:
    """Adding a first authenticator needs the emailed one-time link; replacing one needs a code
    from the current one instead (a verified session)."""
    return not has_two_factor(user)


# --- Setting up --------------------------------------------------------------------------------

def new_setup_key() -> str:
    return random_hex(20)


def setup_device(user, key: str) -> TOTPDevice:
    """An unsaved device for showing the QR code and the key of a setup attempt."""
    return TOTPDevice(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True)


def _matching_step(device: TOTPDevice, code: str):
    """(time step, drift) of `code` for this key (as TOTPDevice.verify_token finds them, without
    saving anything), or None if it does not match."""
    code = "".join(str(code).split())
    if not (code.isdigit() and len(code) == device.digits):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return (totp.t(), totp.drift) if totp.verify(int(code), device.tolerance) else None


@transaction.atomic
def enrol_authenticator(user, key: str, code: str):
    """Confirm a setup attempt: if `code` is right for `key`, the key becomes the user's only
    authenticator and fresh backup codes are made. Returns (device, codes), or None."""
    device = setup_device(user, key)
    matched = _matching_step(device, code)
    if matched is None:
        return None
    # The code just used can't be used again to sign in.
    device.last_t, device.drift = matched
    device.save()
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _make_backup_codes(user)
    account_audit.record(user, user, AccountChangeKind.TWO_FACTOR_ENROLLED)
    account_audit.record(user, user, AccountChangeKind.BACKUP_CODES, new=f"{len(codes)} codes")
    _notify(user, "authenticator_added")
    return device, codes


# --- Backup codes ------------------------------------------------------------------------------

def _make_backup_codes(user) -> list[str]:
    BackupCodeDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()  # plaintext codes of the past, if any
    device = BackupCodeDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [backup_codes.new_code() for _ in range(BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(BackupCode(device=device, code_hash=backup_codes.hash_code(c)) for c in codes)
    return codes


@transaction.atomic
def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new ones, each working once; only
    their hashes are kept, so the returned list is the one time anyone sees them."""
    codes = _make_backup_codes(user)
    account_audit.record(user, user, AccountChangeKind.BACKUP_CODES, new=f"{len(codes)} codes")
    _notify(user, "backup_codes")
    return codes


def backup_codes_left(user) -> int:
    return BackupCode.objects.filter(device__user=user).count()


# --- Resetting (lost phone) --------------------------------------------------------------------

@transaction.atomic
def reset_two_factor(user, *, by) -> None:
    """Remove the user's authenticator and backup codes: they set it up again (with a new emailed
    link) at their next sign-in. Recorded, and the person is told."""
    TOTPDevice.objects.filter(user=user).delete()
    BackupCodeDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    account_audit.record(by, user, AccountChangeKind.TWO_FACTOR_RESET, old="Authenticator app and backup codes")
    _notify(user, "two_factor_reset", actor=(by.get_full_name() or by.get_username()) if by else "the system")


def _notify(user, kind, **details):
    tasks.send_security_notice.send_on_commit(user.pk, kind, timezone.now().isoformat(), **details)


# --- Signing in --------------------------------------------------------------------------------

def devices_to_try(user, code: str):
    """The confirmed devices a typed code is meant for: six digits are an authenticator code,
    anything else a backup code. Trying only the intended kind keeps a wrong guess from
    throttling the other."""
    wanted = TOTPDevice if (len(code) == 6 and code.isdigit()) else BackupCodeDevice
    return [d for d in devices_for_user(user, confirmed=True) if isinstance(d, wanted)]


def secret_for_typing(device: TOTPDevice) -> str:
    """The shared secret in base32, in groups of four, for typing into an app without a camera."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (drawn here, never by an outside service; CSP allows data: images)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
