"""Safeguarding concerns (R-SAFEGUARD): straight to the DSL and head, seen by nobody else
(R-CONFIDENTIAL)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import school_of
from accounts.permissions import may_read_concerns
from notifications.models import Channel
from notifications.outbox import queue, school_people

from .models import SafeguardingConcern


def visible_concerns(user):
    """DSL and head of the school only; everyone else sees none (and so gets 404)."""
    school = school_of(user)
    if school is None or not may_read_concerns(user):
        return SafeguardingConcern.objects.none()
    return SafeguardingConcern.objects.filter(school=school)


def raise_concern(family, details: str, by, visit=None, now=None) -> SafeguardingConcern:
    now = now or timezone.now()
    if school_of(by) != family.school:
        raise PermissionDenied("Not your school.")
    if not (details or "").strip():
        raise ValidationError({"details": ["Write down what you saw or heard, in the words used."]})
    with transaction.atomic():
        concern = SafeguardingConcern.objects.create(school=family.school, family=family, visit=visit,
                                                     details=details.strip(), raised_by=by, raised_at=now)
        # At once, to the DSL and the head: who raised it and a link, never the details.
        link = f"{settings.SITE_URL.rstrip('/')}{reverse('concerns:detail', args=[concern.pk])}"
        subject = "Safeguarding concern raised"
        body = f"{by.get_full_name() or by.username} raised a safeguarding concern. Read it now: {link}"
        people = school_people(family.school, *permissions.LEADS)
        queue([dict(dedupe_key=f"concern:{concern.pk}:{p.pk}:{channel}", recipient=p, channel=channel,
                    subject=subject, body=body, visit=visit)
               for p in people for channel in (Channel.EMAIL, Channel.SMS)], now)
    return concern


def update_concern(concern: SafeguardingConcern, by, *, status: str, cpoms_reference: str, dsl_notes: str):
    if not may_read_concerns(by) or school_of(by) != concern.school:
        raise PermissionDenied("Only the DSL or the head update concerns.")
    concern.status, concern.cpoms_reference, concern.dsl_notes = status, cpoms_reference.strip(), dsl_notes
    concern.save()
    return concern
