"""The invitation a member of staff gets when the import makes their account: a link to choose
their first password. It is Django's password-reset link (accounts' reset pages and token), with
wording for someone new; sent by the Celery worker after the import commits."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.tasks import MAIL_RETRY


def invitation_link(user) -> str:
    path = reverse("password_reset_confirm", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                                                     "token": default_token_generator.make_token(user)})
    return settings.SITE_URL.rstrip("/") + path


def send_invitation_now(user) -> bool:
    if not user.email or not user.is_active or user.has_usable_password():
        return False  # someone who has set a password already signs in as usual
    school = user.profile.school
    body = render_to_string("misimport/email/invitation.txt",
                            {"user": user, "school": school, "link": invitation_link(user),
                             "site_url": settings.SITE_URL.rstrip("/")})
    send_mail(f"Home Visits: your account at {school.name}", body, None, [user.email])
    return True


@shared_task(name="misimport.tasks.send_invitation", **MAIL_RETRY)
def send_invitation(user_id: int) -> bool:
    user = get_user_model()._default_manager.filter(pk=user_id).select_related("profile__school").first()
    return bool(user) and send_invitation_now(user)


def invite_after_commit(user) -> None:
    send_invitation.send_on_commit(user.pk)
