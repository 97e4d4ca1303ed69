"""Print a one-time two-factor set-up link for an account, for whoever runs the server: the first
superuser of a new install, or someone whose email does not arrive. Whoever can run this on the
server can do anything anyway; the link is recorded on the audit page like an emailed one."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import account_audit, mail, twofactor
from accounts.models import AccountChangeKind


class Command(BaseCommand):
    help = "Print a one-time link with which USERNAME sets up their first authenticator app."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model()._default_manager.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active account with the username {username!r}.")
        if twofactor.has_two_factor(user):
            raise CommandError(f"{username} already has two-factor sign-in; reset it in the admin first.")
        account_audit.record(None, user, AccountChangeKind.ENROLMENT_LINK_SENT, new="printed on the server")
        self.stdout.write(mail.enrolment_link(user))
        self.stderr.write("It works once, signed in as that user, within the time TWO_FACTOR_ENROLMENT_LINK_SECONDS "
                          "allows.")
