"""The school stamp every historical (django-simple-history) row carries, so the audit page can scope
it in one query. App-free: a string reference to accounts.School, no import of any app, so every
app (the lowest included) can base its history on it. audit.history sets the stamp when a row is
written."""

from django.db import models


class SchoolStampedHistory(models.Model):
    """Abstract base of every Historical* model: the school the row belongs to, set when the row is
    written (audit.history), so the audit page never joins through a record that may be gone."""

    history_school = models.ForeignKey(
        "accounts.School", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )

    class Meta:
        abstract = True
