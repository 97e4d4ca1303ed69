"""Audit and data protection (R-CONFIDENTIAL): who read which record.

A home of its own because it spans visits and safety: the access log records reads of families
(visits) and safeguarding concerns (safety), which those apps announce with the record_read signal
(visits.scoping; audit.signals writes the row). The school stamp of historical rows is
homevisits.history.SchoolStampedHistory, app-free so the lower apps can base their history on it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import school_of
from homevisits.append_only import AppendOnly
from visits.scoping import AccessKind, may_audit


class AccessLog(AppendOnly, models.Model):
    """One read of a confidential record: who, when, what. Append-only; holds ids, never the
    personal data it points at."""

    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=AccessKind.choices)
    object_id = models.PositiveBigIntegerField()
    # The family the record is about (the family itself, or the concern's), for "who read this family".
    family_id = models.PositiveBigIntegerField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"]), models.Index(fields=["school", "family_id"])]

    append_only_label = "The access log's entries"

    def __str__(self):
        return f"{self.user} read {self.get_kind_display()} {self.object_id}"

    @property
    def is_concern(self) -> bool:
        return self.kind == AccessKind.CONCERN


def log_access(request_or_user, kind: str, obj, *, family_id=None, school=None, path: str = "") -> AccessLog:
    """Record that someone read `obj` (a Family, SafeguardingConcern, or the family exported)."""
    user = getattr(request_or_user, "user", request_or_user)
    if not path and hasattr(request_or_user, "get_full_path"):
        path = request_or_user.get_full_path()[:300]
    return AccessLog.objects.create(
        school_id=school.pk if school is not None else obj.school_id, user=user, kind=kind, object_id=obj.pk,
        family_id=family_id, path=path,
    )


def visible_access_logs(user):
    """Who read which family or concern, at the auditor's school only."""
    if not may_audit(user):
        return AccessLog.objects.none()
    return AccessLog.objects.filter(school=school_of(user))
