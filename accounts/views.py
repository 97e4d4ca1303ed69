"""Sign-in extras: the lockout page, password reset, two-factor setup and verification, the account page."""

import datetime
import logging
from urllib.parse import urlencode

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import verify_token

from homevisits.redirects import own_site_path, safe_next

from . import account_audit, lockout, pins, proxies, tasks, throttle, twofactor
from .forms import CodeForm, ResetRequestForm, SafetyPinsForm, SetupCodeForm
from .models import AccountChangeKind, BackupCodeDevice, school_of
from .tokens import use_enrolment_token

log = logging.getLogger("homevisits.security")

# A setup attempt's own key, in this browser's server-side session only: {"user": pk, "key": hex}.
SETUP_KEY_SESSION_KEY = "hv_2fa_setup"
# The emailed set-up link was opened in this session: {"user": pk, "until": unix time}.
ENROL_GRANT_SESSION_KEY = "hv_2fa_grant"
ENROL_GRANT_SECONDS = 30 * 60
HOUR = datetime.timedelta(hours=1)
ENROLMENT_LINKS_PER_HOUR = 3


class ResetRequestView(auth_views.PasswordResetView):
    """The forgotten-password page. It only counts the request and queues it; the worker looks the
    address up and sends the email (accounts.tasks), so known and unknown addresses take the same
    time and get the same answer. Throttled per address and per source address (accounts.throttle):
    over the address's limit nothing more is sent, silently (the links already sent still work);
    over the source address's limit the page says so."""

    form_class = ResetRequestForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        source = client_ip(self.request) or "unknown"
        if not throttle.allow("reset-source", source, limit=settings.PASSWORD_RESET_PER_SOURCE_PER_HOUR, window=HOUR):
            log.warning("Password reset refused: too many requests from %s", source)
            form.add_error("email", "There have been too many reset requests from your network in the last hour. "
                                    "Try again later, or ask your school admin to send you a reset email.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if throttle.allow("reset-address", email, limit=settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR, window=HOUR):
            form.save()
        else:
            log.warning("Password reset not sent: the address is over its hourly limit (request from %s)", source)
        return HttpResponseRedirect(self.get_success_url())


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password through the emailed link also lifts a lockout on that username: the
    lockout page sends people here, and the link proves they hold the account's email."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        account_audit.record(form.user, form.user, AccountChangeKind.PASSWORD_SET, new="through the emailed link")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        account_audit.record(self.request.user, self.request.user, AccountChangeKind.PASSWORD_SET,
                             new="by the account's owner")
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
        "has_school": school_of(user) is not None,
        "pins_set_at": pins.pins_set_at(user),
        "pin_to_end_visit": getattr(school_of(user), "pin_to_end_visit", False),
        "share_location": getattr(getattr(user, "profile", None), "share_location", None),
    })


@login_required
@never_cache
@sensitive_post_parameters("password", "safety_pin", "safety_pin_again", "duress_pin", "duress_pin_again")
def safety_pins(request):
    """Set or change one's safety PIN and duress PIN (R-CODEWORD), with one's password."""
    user = request.user
    school = school_of(user)
    if school is None:
        return redirect("account")
    form = SafetyPinsForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        pins.set_pins(user, form.cleaned_data["safety_pin"], form.cleaned_data["duress_pin"])
        messages.success(request, "Your safety PIN and duress PIN are set.")
        return redirect("account")
    return render(request, "accounts/safety_pins.html", {
        "form": form, "pins_set_at": pins.pins_set_at(user), "school": school})


@login_required
@require_POST
def share_location(request):
    """Turn on or off sharing one's phone's location with check-ins (StaffProfile.share_location)."""
    profile = getattr(request.user, "profile", None)
    if profile is None:
        return redirect("account")
    on = request.POST.get("share") == "on"
    if profile.share_location != on:
        profile.share_location = on
        profile.save(update_fields=["share_location"])
    messages.success(request, "Your phone's location will go with your check-ins, SOS and PIN from now on." if on
                     else "Your phone's location is no longer taken with your check-ins.")
    return redirect("account")


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def _granted(request) -> bool:
    grant = request.session.get(ENROL_GRANT_SESSION_KEY) or {}
    return grant.get("user") == request.user.pk and grant.get("until", 0) > timezone.now().timestamp()


def _setup_key(request) -> str:
    """This session's key for setting up, made on the first visit and kept across reloads (so the QR
    code stays the same while the person scans it); never shared with another session."""
    pending = request.session.get(SETUP_KEY_SESSION_KEY) or {}
    if pending.get("user") != request.user.pk or not pending.get("key"):
        pending = {"user": request.user.pk, "key": twofactor.new_setup_key()}
        request.session[SETUP_KEY_SESSION_KEY] = pending
    return pending["key"]


def _backup_codes_page(request, codes, next_url):
    """New backup codes, shown in the response that made them and nowhere else (kept only as hashes)."""
    response = render(request, "accounts/two_factor_backup_codes.html", {"codes": codes, "next": next_url})
    response["Cache-Control"] = "no-store"
    return response


def _enrolment_link_page(request, next_url):
    """A first authenticator needs the one-time link emailed to the account's owner: a stolen
    password alone can't add one (accounts.tokens)."""
    user = request.user
    if request.method == "POST" and "send_link" in request.POST and user.email:
        if throttle.allow("enrolment-link", user.pk, limit=ENROLMENT_LINKS_PER_HOUR, window=HOUR):
            tasks.send_enrolment_link.send_on_commit(user.pk)
            account_audit.record(user, user, AccountChangeKind.ENROLMENT_LINK_SENT, new=_masked(user.email))
            messages.success(request, f"We have emailed a link to {_masked(user.email)}. Open it in this browser "
                                      "to carry on; it works once.")
        else:
            messages.warning(request, "We have already sent you several links in the last hour. "
                                      "Use the newest one, or try again later.")
        return redirect(f"{reverse('two-factor-setup')}?{urlencode({'next': next_url})}")
    return render(request, "accounts/two_factor_link.html", {
        "email": _masked(user.email) if user.email else "",
        "minutes": settings.TWO_FACTOR_ENROLMENT_LINK_SECONDS // 60,
        "required": twofactor.two_factor_required(user),
        "next": next_url,
    })


@login_required
@never_cache
@sensitive_post_parameters("code")
def two_factor_setup(request):
    """Set up an authenticator: (for a first one, open the emailed link first), scan the QR code or
    type the key, confirm one code, then see the backup codes once."""
    user = request.user
    if twofactor.has_two_factor(user) and not user.is_verified():
        # Someone with only the password must not be able to add their own authenticator.
        return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': reverse('two-factor-setup')})}")
    next_url = _next_url(request)
    if twofactor.enrolment_link_needed(user) and not _granted(request):
        return _enrolment_link_page(request, next_url)
    key = _setup_key(request)
    device = twofactor.setup_device(user, key)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolled = twofactor.enrol_authenticator(user, key, form.cleaned_data["code"])
        if enrolled is not None:
            device, codes = enrolled
            otp_login(request, device)
            request.session.pop(SETUP_KEY_SESSION_KEY, None)
            request.session.pop(ENROL_GRANT_SESSION_KEY, None)
            messages.success(request, "Two-factor sign-in is on. You will be asked for a code each time you sign in.")
            return _backup_codes_page(request, codes, next_url)
        form.add_error("code", "That code did not match. Check the app shows Home Visits and try the newest code.")
    return render(request, "accounts/two_factor_setup.html", {
        "form": form,
        "qr_code": twofactor.qr_code_data_uri(device.config_url),
        "secret": twofactor.secret_for_typing(device),
        "required": twofactor.two_factor_required(user),
        "replacing": twofactor.has_two_factor(user),
        "next": next_url,
    })


@login_required
@never_cache
def two_factor_enrol(request, uidb64, token):
    """The emailed set-up link: opened in a session signed in as its owner, it lets that session
    set up a first authenticator (for ENROL_GRANT_SECONDS). It works once."""
    user = request.user
    try:
        uid = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        uid = None
    if uid != user.pk:
        return render(request, "accounts/two_factor_link_invalid.html", {"other_account": True}, status=403)
    if twofactor.has_two_factor(user):
        messages.info(request, "Two-factor sign-in is already on for your account.")
        return redirect("account")
    if not use_enrolment_token(user, token):
        log.warning("Two-factor set-up link refused for user id %s from %s", user.pk, client_ip(request))
        return render(request, "accounts/two_factor_link_invalid.html", {"other_account": False}, status=400)
    request.session[ENROL_GRANT_SESSION_KEY] = {"user": user.pk,
                                                "until": timezone.now().timestamp() + ENROL_GRANT_SECONDS}
    return redirect("two-factor-setup")


@login_required
@never_cache
def two_factor_backup_codes(request):
    """A verified user makes new backup codes (POST): shown in this response only. Nothing is kept
    to show again, so GET only explains."""
    user = request.user
    codes = None
    if request.method == "POST":
        if not (twofactor.has_two_factor(user) and user.is_verified()):
            return redirect("account")
        codes = twofactor.new_backup_codes(user)
    return _backup_codes_page(request, codes, _next_url(request))


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
                if isinstance(matched, BackupCodeDevice):
                    left = twofactor.backup_codes_left(user)
                    messages.warning(request, f"You used a backup code; {left} left. "
                                              "Make new ones on your account page if you are running low.")
                return redirect(_next_url(request))
        # No code in the log line, only who and from where (axes does the same for passwords).
        log.warning("Two-factor code refused for user id %s from %s", user.pk, client_ip(request))
        form.add_error("code", error)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)})
