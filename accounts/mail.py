"""The emails of the accounts app, rendered and sent by the Celery worker (accounts.tasks): password
reset links, two-factor set-up links and security notices. Links are built from SITE_URL, never
from a request's Host header."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .tokens import enrolment_tokens

# What each security notice tells the person: (subject, sentence); never a code, a key or a password.
NOTICES = {
    "authenticator_added": ("an authenticator app was added",
                            "An authenticator app was added to your Home Visits account"),
    "backup_codes": ("new backup codes were made",
                     "New backup codes were made for your Home Visits account (the old ones no longer work)"),
    "two_factor_reset": ("your two-factor sign-in was reset",
                         "Two-factor sign-in was reset on your Home Visits account by {actor}"),
    "email_changed": ("your email address was changed",
                      "The email address of your Home Visits account was changed by {actor} to {new_email}"),
}


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def users_for_address(email: str):
    """Active accounts with this email address (any case), as Django's reset form finds them, but also
    those with no password yet (made by a school admin: the link sets their first one)."""
    return [u for u in get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
            if u.email.lower() == email.lower()]


def send_password_reset(user) -> bool:
    if not user.email or not user.is_active:
        return False
    context = {"user": user, "uid": _uid(user), "token": default_token_generator.make_token(user),
               "site_url": _site()}
    subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
    body = render_to_string("registration/password_reset_email.html", context)
    send_mail(subject, body, None, [user.email])
    return True


def enrolment_link(user) -> str:
    path = reverse("two-factor-enrol", kwargs={"uidb64": _uid(user), "token": enrolment_tokens.make_token(user)})
    return _site() + path


def send_enrolment_link(user) -> bool:
    if not user.email or not user.is_active:
        return False
    context = {"user": user, "link": enrolment_link(user),
               "minutes": settings.TWO_FACTOR_ENROLMENT_LINK_SECONDS // 60,
               "password_change": _site() + reverse("password_change")}
    body = render_to_string("accounts/email/enrolment_link.txt", context)
    send_mail("Home Visits: set up two-factor sign-in", body, None, [user.email])
    return True


def send_security_notice(user, kind: str, at, *, to: str = "", **details) -> bool:
    address = to or user.email
    if not address:
        return False
    subject, sentence = NOTICES[kind]
    context = {"user": user, "what": sentence.format(**details), "at": timezone.localtime(at), "site_url": _site()}
    body = render_to_string("accounts/email/security_notice.txt", context)
    send_mail(f"Home Visits: {subject}", body, None, [address])
    return True
