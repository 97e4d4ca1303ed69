"""Take charge from the alert itself: every escalation alert carries a link bound to its person and
its alert, signed (Django's signing), expiring (TAKE_CHARGE_LINK_HOURS) and single-use. Opening it
asks for sign-in (and the second factor) like any page; one tap then acknowledges the alert through
safety.escalations.acknowledge, where the first to take charge wins and the others are told.

A link is refused as "not found" when its signature is wrong, when it was made for someone else
than the person signed in, or when the alert is not one the person may see (another school's):
never a hint of whose alert it was."""

import dataclasses

from django.core import signing

from accounts.permissions import may_keep_watch
from visits.lifecycle import EventKind
from visits.models import VisitEvent
from visits.scoping import visible_visits

from .escalations import acknowledge
from .links import SALT, max_age
from .models import Escalation


class LinkRefused(Exception):
    """A take-charge link that is not (or no longer) valid, with what to tell the person."""

    def __init__(self, message, gone=False):
        super().__init__(message)
        # gone: a good link that can no longer be used (expired, or used already); else "not found".
        self.message, self.gone = message, gone


@dataclasses.dataclass(frozen=True)
class TakeChargeLink:
    escalation: Escalation
    nonce: str

    @property
    def used(self) -> bool:
        """Single use: the acknowledgement it made is recorded on the visit with its nonce."""
        return VisitEvent.objects.filter(visit_id=self.escalation.visit_id, kind=EventKind.ACKNOWLEDGED,
                                         data__link=self.nonce).exists()


def read(token: str, user) -> TakeChargeLink:
    """The alert a link names, for the person signed in, or LinkRefused."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise LinkRefused("This take-charge link has expired: open the board to see the alert.", gone=True) from exc
    except signing.BadSignature as exc:
        raise LinkRefused("No such alert.") from exc
    if not isinstance(data, dict) or data.get("u") != user.pk or not may_keep_watch(user):
        raise LinkRefused("No such alert.")
    escalation = (Escalation.objects.select_related("visit__school", "acknowledged_by", "resolved_by")
                  .filter(pk=data.get("e"), visit__in=visible_visits(user)).first())
    if escalation is None:
        raise LinkRefused("No such alert.")
    return TakeChargeLink(escalation=escalation, nonce=str(data.get("n", "")))


def take_charge(token: str, user, now) -> Escalation:
    """Acknowledge the link's alert as `user` (ValidationError when it is closed or raised since;
    LinkRefused when the link is not valid or was used already). The first to take charge wins: the
    escalation row is locked, and a second person gets the alert back with the first one's name."""
    link = read(token, user)
    if link.used:
        raise LinkRefused("This link has been used already: open the board to see who has the alert.", gone=True)
    return acknowledge(link.escalation, user, now=now, link=link.nonce)
