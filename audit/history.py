"""Change history (django-simple-history) of the records an auditor asks about: who changed what
and when. Every Historical* row is stamped with its school when written, so the audit page scopes
by school with one indexed filter (homevisits.history.SchoolStampedHistory)."""

import datetime
import json

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from accounts.models import AccountChange, SchoolSettingChange

# (key in URLs, app label, model name, how to reach the school id from an instance), in menu order.
TRACKED = (
    ("family", "visits", "Family", "school_id"),
    ("child", "visits", "Child", "family.school_id"),
    ("carer", "visits", "Carer", "family.school_id"),
    ("visit", "visits", "Visit", "school_id"),
    ("visitreport", "visits", "VisitReport", "visit.school_id"),
    ("incident", "visits", "Incident", "visit.school_id"),
    ("riskassessment", "visits", "RiskAssessment", "visit.school_id"),
    ("hazard", "visits", "Hazard", "assessment.visit.school_id"),
    ("escalation", "safety", "Escalation", "visit.school_id"),
    ("concern", "safety", "SafeguardingConcern", "school_id"),
)
_SCHOOL_PATHS = {(app, name): path for _key, app, name, path in TRACKED}


def tracked_models():
    """[(key, model, verbose name)] of every model with history."""
    return [(key, apps.get_model(app, name)) for key, app, name, _path in TRACKED]


# Changes to staff accounts are not django-simple-history rows but accounts.AccountChange (the
# accounts app sits below this one and records them itself); the audit page shows them alongside.
ACCOUNT_KEY = "account"
ACCOUNT_LABEL = "Staff accounts"
# Kinds that are a field changing from one value to another; the rest are events (a reset sent...).
ACCOUNT_FIELD_KINDS = {"roles", "school", "superuser", "staff", "active", "email", "mobile", "permissions",
                       "username"}


# Changes to the school's policy settings (the settings pages and the Django admin's school page) are
# accounts.SchoolSettingChange rows, one a save, each with its settings old -> new.
SETTINGS_KEY = "school_settings"
SETTINGS_LABEL = "School settings"


def settings_index(queryset):
    """SchoolSettingChange rows shaped like history rows for change_index."""
    return queryset.annotate(history_id=F("pk"), history_date=F("at"))


def account_index(queryset):
    """AccountChange rows shaped like history rows for change_index."""
    return queryset.annotate(history_id=F("pk"), history_date=F("at"))


def tracked_model(key):
    for k, model in tracked_models():
        if k == key:
            return model
    return None


def school_id_of(instance):
    path = _SCHOOL_PATHS.get((instance._meta.app_label, instance._meta.object_name))
    if path is None:
        return None
    value = instance
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


@receiver(pre_create_historical_record)
def _stamp_school(sender, instance, history_instance, **kwargs):
    history_instance.history_school_id = school_id_of(instance)


# --- The audit page: changes newest first, with what changed ---------------------------------

# Bookkeeping that changes on every save and says nothing to an auditor.
NOT_SHOWN = {"id", "updated_at", "created_at"}
# Safeguarding text is for the DSL and head only (R-CONFIDENTIAL); others see that it changed.
HIDDEN_UNLESS_CONCERN_READER = {"details", "dsl_notes", "cpoms_reference"}
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def change_index(history_querysets):
    """One query over every model's history: (model key, history id, date), newest first.

    `history_querysets` is [(key, queryset of Historical* rows already scoped and filtered)]."""
    parts = [qs.annotate(model_key=Value(key, output_field=CharField()))
             .values_list("model_key", "history_id", "history_date").order_by()
             for key, qs in history_querysets]
    if not parts:
        return []
    index = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return index.order_by("-history_date", "-history_id")


def _label(key, row):
    if key == "family":
        return row.display_name
    if key == "child":
        return f"{row.first_name} {row.last_name}".strip()
    if key == "carer":
        return row.name
    if key == "visit" and row.planned_start:
        return f"Visit on {timezone.localtime(row.planned_start):%a %d %b %Y %H:%M}"
    return f"#{row.id}"


def _show(field, row, users):
    """A value as a person reads it: choices by label, times in UK time, people by name."""
    if field.choices:
        return getattr(row, f"get_{field.name}_display")()
    value = getattr(row, field.attname)
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%a %d %b %Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d %b %Y")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if field.is_relation:
        if field.related_model is not None and field.related_model._meta.label == "auth.User":
            return users.get(value, f"user #{value}")
        return f"#{value}"
    return value


def entries(page_rows, *, show_concern_text: bool):
    """The audit entries for one page of change_index rows, each with its changed fields (diffed
    against the object's previous historical row). Two queries per model present on the page, plus
    one for the names of people: the same count for any page size."""
    by_key = {}
    for key, history_id, _date in page_rows:
        by_key.setdefault(key, []).append(history_id)
    accounts = _account_entries(by_key.pop(ACCOUNT_KEY, []))
    setting_changes = _settings_entries(by_key.pop(SETTINGS_KEY, []))
    rows, previous = {}, {}
    for key, ids in by_key.items():
        hist = tracked_model(key).history
        # The previous write of the same object (history ids grow with every write).
        prev_id = Subquery(hist.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
                           .order_by("-history_id").values("history_id")[:1])
        for row in hist.filter(history_id__in=ids).annotate(prev_history_id=prev_id):
            rows[(key, row.history_id)] = row
        prev_ids = [r.prev_history_id for (k, _), r in rows.items() if k == key and r.prev_history_id]
        for row in hist.filter(history_id__in=prev_ids):
            previous[(key, row.history_id)] = row

    user_ids = {r.history_user_id for r in rows.values() if r.history_user_id}
    for row in list(rows.values()) + list(previous.values()):
        for field in row._meta.fields:
            if field.is_relation and field.related_model is not None \
                    and field.related_model._meta.label == "auth.User" and not field.name.startswith("history_"):
                if getattr(row, field.attname):
                    user_ids.add(getattr(row, field.attname))
    users = {u.pk: (u.get_full_name() or u.get_username())
             for u in get_user_model().objects.filter(pk__in=user_ids)}

    result = []
    for key, history_id, _date in page_rows:
        if key == ACCOUNT_KEY:
            if history_id in accounts:
                result.append(accounts[history_id])
            continue
        if key == SETTINGS_KEY:
            if history_id in setting_changes:
                result.append(setting_changes[history_id])
            continue
        row = rows.get((key, history_id))
        if row is None:
            continue
        before = previous.get((key, row.prev_history_id)) if row.prev_history_id else None
        changes = []
        if row.history_type == "~" and before is not None:
            for field in row._meta.fields:
                if field.name.startswith("history_") or field.name in NOT_SHOWN:
                    continue
                if getattr(row, field.attname) == getattr(before, field.attname):
                    continue
                hidden = key == "concern" and field.name in HIDDEN_UNLESS_CONCERN_READER and not show_concern_text
                changes.append({
                    "field": str(field.verbose_name),
                    "old": "(safeguarding text, hidden)" if hidden else _show(field, before, users),
                    "new": "(safeguarding text, hidden)" if hidden else _show(field, row, users),
                })
        result.append({
            "key": key,
            "model": tracked_model(key)._meta.verbose_name,
            "object_id": row.id,
            "label": _label(key, row),
            "action": ACTIONS.get(row.history_type, row.history_type),
            "at": row.history_date,
            "who": users.get(row.history_user_id, "the system") if row.history_user_id else "the system",
            "reason": row.history_change_reason or "",
            "changes": changes,
        })
    return result


def _account_entries(ids):
    """Audit entries for AccountChange rows, by id: whose account, who did it, what changed."""
    entries = {}
    for change in AccountChange.objects.filter(pk__in=ids).select_related("actor", "account"):
        account = change.account
        field_change = change.kind in ACCOUNT_FIELD_KINDS
        entries[change.pk] = {
            "key": ACCOUNT_KEY,
            "model": "staff account",
            "object_id": account.pk,
            "label": f"{account.get_full_name() or account.get_username()} ({account.get_username()})",
            "action": "Changed" if field_change else change.get_kind_display(),
            "at": change.at,
            "who": (change.actor.get_full_name() or change.actor.get_username()) if change.actor else "the system",
            "reason": "" if field_change else (change.new or change.old),
            "changes": [{"field": change.get_kind_display(), "old": change.old or "—", "new": change.new or "—"}]
            if field_change else [],
        }
    return entries


def _settings_entries(ids):
    """Audit entries for SchoolSettingChange rows, by id: which page, who, each setting old -> new."""
    entries = {}
    for change in SchoolSettingChange.objects.filter(pk__in=ids).select_related("actor"):
        entries[change.pk] = {
            "key": SETTINGS_KEY,
            "model": "school settings",
            "object_id": change.school_id,
            "label": change.section,
            "action": "Changed",
            "at": change.at,
            "who": (change.actor.get_full_name() or change.actor.get_username()) if change.actor else "the system",
            "reason": "",
            "changes": [{"field": c.get("setting", ""), "old": c.get("old", "") or "—", "new": c.get("new", "") or "—"}
                        for c in change.changes],
        }
    return entries
