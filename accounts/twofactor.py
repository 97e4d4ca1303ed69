"""Two-factor sign-in: who needs it, who has it, and their one-time backup codes (django-otp)."""

import base64
import io

from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import role_names

BACKUP_CODE_COUNT = 10
BACKUP_DEVICE_NAME = "Backup codes"
TOTP_DEVICE_NAME = "Authenticator app"


def two_factor_required(user) -> bool:
    """Does this user's role (or superuser status) require two-factor sign-in?"""
    required = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    if not required or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(role_names(user) & required)


def has_two_factor(user) -> bool:
    """Has the user a confirmed authenticator app? (Backup codes alone don't count.)"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device being set up, kept across page reloads so the QR code stays the same."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_totp_device(device: TOTPDevice) -> list[str]:
    """Make `device` the user's only authenticator and give them fresh backup codes (returned once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    return new_backup_codes(device.user)


@transaction.atomic
def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new ones; each works once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def devices_to_try(user, code: str):
    """The confirmed devices a typed code is meant for: six digits are an authenticator code,
    anything else a backup code. Trying only the intended kind keeps a wrong guess from
    throttling the other."""
    wanted = TOTPDevice if (len(code) == 6 and code.isdigit()) else StaticDevice
    return [d for d in devices_for_user(user, confirmed=True) if isinstance(d, wanted)]


def secret_for_typing(device: TOTPDevice) -> str:
    """The shared secret in base32, in groups of four, for typing into an app without a camera."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (drawn here, never by an outside service; CSP allows data: images)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


