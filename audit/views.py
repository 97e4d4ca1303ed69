"""The audit page (R-CONFIDENTIAL): who changed what and when, and who read which family or
concern. Head of school and school admin, their own school only; everyone else gets 404."""

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.models import school_of
from safety.concerns import may_read_concerns
from visits.models import Family
from visits.scoping import (
    exportable_families,
    may_audit,
    visible_account_changes,
    visible_history,
    visible_setting_changes,
)

from . import history, subject_access
from .forms import ChangeFilterForm, ReadFilterForm
from .models import AccessKind, log_access, visible_access_logs

PAGE_SIZE = 50


def _auditor(request):
    if not may_audit(request.user):
        raise Http404("No audit page here.")
    return school_of(request.user)


def _filtered(qs, person, start, end, who="actor", when="at"):
    """The change rows the filter asks for: by `person` (in the field `who`), from `start` up to `end`."""
    if person:
        qs = qs.filter(**{who: person})
    if start:
        qs = qs.filter(**{f"{when}__gte": start})
    if end:
        qs = qs.filter(**{f"{when}__lt": end})
    return qs


def changes(request):
    school = _auditor(request)
    form = ChangeFilterForm(request.GET or None, school=school)
    start, end = form.bounds()
    key, person = form.value("model"), form.value("person")
    querysets = []
    for k, model in history.tracked_models():
        if key and k != key:
            continue
        qs = _filtered(visible_history(request.user, model), person, start, end, who="history_user",
                       when="history_date")
        querysets.append((k, qs))
    if not key or key == history.ACCOUNT_KEY:
        qs = _filtered(visible_account_changes(request.user), person, start, end)
        querysets.append((history.ACCOUNT_KEY, history.account_index(qs)))
    if not key or key == history.SETTINGS_KEY:
        qs = _filtered(visible_setting_changes(request.user), person, start, end)
        querysets.append((history.SETTINGS_KEY, history.settings_index(qs)))
    page = Paginator(history.change_index(querysets), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = history.entries(list(page.object_list), show_concern_text=may_read_concerns(request.user))
    return render(request, "audit/changes.html", {
        "form": form, "page_obj": page, "entries": rows, "tab": "changes", "query": _query(request)})


def reads(request):
    school = _auditor(request)
    form = ReadFilterForm(request.GET or None, school=school)
    start, end = form.bounds()
    qs = visible_access_logs(request.user).select_related("user")
    if form.value("kind"):
        qs = qs.filter(kind=form.value("kind"))
    if form.value("person"):
        qs = qs.filter(user=form.value("person"))
    if start:
        qs = qs.filter(at__gte=start)
    if end:
        qs = qs.filter(at__lt=end)
    page = Paginator(qs.order_by("-at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(Family.objects.filter(school=school, pk__in={log.family_id for log in page.object_list})
                 .values_list("pk", "display_name"))
    logs = [{"log": log, "family_name": names.get(log.family_id)} for log in page.object_list]
    return render(request, "audit/reads.html", {
        "form": form, "page_obj": page, "logs": logs, "tab": "reads", "query": _query(request)})


def _query(request):
    """The filters, to carry over to the next and previous pages."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- Subject-access export (UK GDPR art. 15): head and DSL only, every export logged ------------

def _exported_family(request, pk):
    family = get_object_or_404(exportable_families(request.user).select_related("school"), pk=pk)
    log_access(request, AccessKind.EXPORT, family, family_id=family.pk)
    return family, subject_access.family_export(family)


def subject_access_page(request, pk):
    family, data = _exported_family(request, pk)
    sections = [node for node in subject_access.as_tree(data)["items"] if node["label"] not in ("Exported at", "School")]
    return render(request, "audit/subject_access.html", {
        "family": family, "tree": sections, "exported_at": timezone.localtime()})


def subject_access_json(request, pk):
    family, data = _exported_family(request, pk)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="subject-access-family-{family.pk}.json"'
    return response
