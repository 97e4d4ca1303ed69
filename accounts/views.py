"""Sign-in extras: the lockout page, two-factor setup and verification, the account page."""

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice

from homevisits.redirects import safe_next

from . import lockout, proxies, twofactor
from .forms import CodeForm, SetupCodeForm

BACKUP_CODES_SESSION_KEY = "hv_backup_codes"
log = logging.getLogger("homevisits.security")


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password through the emailed link also lifts a lockout on that username: the
    lockout page sends people here, and the link proves they hold the account's email."""

    def form_valid(self, form):
        from axes.utils import reset

        response = super().form_valid(form)
        reset(username=form.user.get_username())
        return response


def locked_out(request, original_response=None, credentials=None):
    """Shown by django-axes instead of the sign-in page after too many failed tries (accounts/lockout.py)."""
    pause = lockout.cool_off(request)
    # Every try during a lockout starts the pause again, so it ends this long from now.
    until = timezone.localtime(timezone.now() + pause)
    context = {
        "pause": lockout.pause_text(pause),
        "until": until,
        "until_another_day": until.date() != timezone.localdate(),
        "per_address": lockout.is_per_address(request, credentials),
        "failure_limit": lockout.PER_ADDRESS_LIMIT,
    }
    return render(request, "registration/locked_out.html", context, status=429)


def csrf_failure(request, reason=""):
    """A form whose security token is out of date (signed in again in another tab, or a page left
    open for a long time): say it was not saved and how to go on, instead of Django's bare 403."""
    from homevisits.middleware import own_site_path

    back_to = own_site_path(request, request.headers.get("Referer")) or reverse("home")
    return render(request, "registration/csrf_failure.html", {"back_to": back_to}, status=403)


def client_ip(request):
    """The address a lockout counts from (AXES_CLIENT_IP_CALLABLE): X-Forwarded-For only as far as
    our own proxies (TRUSTED_PROXIES) wrote it; see accounts/proxies.py."""
    return proxies.client_address(request.META)


def _next_url(request, default="home"):
    return safe_next(request, reverse(default))


@login_required
@never_cache
def account(request):
    """The user's own security page: password and two-factor sign-in."""
    user = request.user
    return render(request, "accounts/account.html", {
        "has_two_factor": twofactor.has_two_factor(user),
        "two_factor_required": twofactor.two_factor_required(user),
        "backup_codes_left": twofactor.backup_codes_left(user),
    })


@login_required
@never_cache
@sensitive_post_parameters("code")
def two_factor_setup(request):
    """Scan the QR code (or type the secret), confirm one code, then see the backup codes once."""
    user = request.user
    if twofactor.has_two_factor(user) and not user.is_verified():
        # Someone with only the password must not be able to add their own authenticator.
        return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': reverse('two-factor-setup')})}")
    device = twofactor.pending_totp_device(user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _extra = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"]):
            codes = twofactor.confirm_totp_device(device)
            otp_login(request, device)
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            messages.success(request, "Two-factor sign-in is on. You will be asked for a code each time you sign in.")
            return redirect(f"{reverse('two-factor-backup-codes')}?{urlencode({'next': _next_url(request)})}")
        form.add_error("code", "That code did not match. Check the app shows Home Visits and try the newest code."
                       if allowed else "Too many wrong codes. Wait a minute and try again.")
    return render(request, "accounts/two_factor_setup.html", {
        "form": form,
        "qr_code": twofactor.qr_code_data_uri(device.config_url),
        "secret": twofactor.secret_for_typing(device),
        "required": twofactor.two_factor_required(user),
        "replacing": twofactor.has_two_factor(user),
        "next": _next_url(request),
    })


@login_required
@never_cache
def two_factor_backup_codes(request):
    """Shows new backup codes exactly once; a verified user may replace them (POST)."""
    user = request.user
    if request.method == "POST":
        if not (twofactor.has_two_factor(user) and user.is_verified()):
            return redirect("account")
        codes = twofactor.new_backup_codes(user)
    else:
        codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    response = render(request, "accounts/two_factor_backup_codes.html", {
        "codes": codes,
        "next": _next_url(request),
    })
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@sensitive_post_parameters("code")
def two_factor_verify(request):
    """The second step of signing in: a code from the app, or one backup code (used up)."""
    user = request.user
    if user.is_verified() or not twofactor.has_two_factor(user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        error = "That code did not work. Use the newest code from your app, or one of your backup codes."
        for device in twofactor.devices_to_try(user, code):
            allowed, extra = device.verify_is_allowed()
            if not allowed:
                error = "Too many wrong codes. Wait a minute before trying again."
                continue
            matched = verify_token(user, device.persistent_id, code)
            if matched is not None:
                otp_login(request, matched)
                if isinstance(matched, StaticDevice):
                    left = twofactor.backup_codes_left(user)
                    messages.warning(request, f"You used a backup code; {left} left. "
                                              "Make new ones on your account page if you are running low.")
                return redirect(_next_url(request))
        # No code in the log line, only who and from where (axes does the same for passwords).
        log.warning("Two-factor code refused for user id %s from %s", user.pk, client_ip(request))
        form.add_error("code", error)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)})


