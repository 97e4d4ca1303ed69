"""Upload an MIS export, match its columns, preview, confirm (misimport.plan does the work).

Nothing is written before the confirmation. The file waits on the server (misimport.reading); the
session only remembers which file is this person's, for which school. Anyone but the school admin
or head of a school gets 404, as does a file that is not theirs.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import columns, reading
from .access import import_school
from .forms import MappingForm, UploadForm
from .plan import NotImported, make_plan, run
from .tasks import invite_after_commit

SESSION_KEY = "misimport"
MAX_PENDING = 3


def _school(request):
    school = import_school(request.user)
    if school is None:
        raise Http404("No import here.")
    return school


def _pending(request, token):
    school = _school(request)
    item = request.session.get(SESSION_KEY, {}).get(token)
    if not item or item.get("school") != school.pk or item.get("user") != request.user.pk:
        raise Http404("No such import.")
    return school, item


def _save(request, token, item):
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = item
    request.session[SESSION_KEY] = pending


def _drop(request, token):
    pending = request.session.get(SESSION_KEY, {})
    item = pending.pop(token, None)
    if item:
        reading.forget(token, item["format"])
    request.session[SESSION_KEY] = pending


def start(request):
    school = _school(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # An earlier upload of this person's that was never confirmed goes.
        for old in list(request.session.get(SESSION_KEY, {}))[: -MAX_PENDING + 1 or None]:
            _drop(request, old)
        try:
            token, fmt = reading.keep(form.cleaned_data["file"])
        except reading.ReadError as exc:
            form.add_error("file", str(exc))
        else:
            try:
                table = reading.read(token, fmt)
            except reading.ReadError as exc:
                reading.forget(token, fmt)
                form.add_error("file", str(exc))
            else:
                kind, source = form.cleaned_data["kind"], form.cleaned_data["source"]
                mapping = columns.guess_mapping(kind, source, table.headings)
                _save(request, token, {"school": school.pk, "user": request.user.pk, "format": fmt, "kind": kind,
                                       "source": source, "mapping": mapping,
                                       "name": form.cleaned_data["file"].name[:100]})
                if source == columns.OTHER or columns.missing_required(kind, mapping):
                    return redirect("misimport:columns", token=token)
                return redirect("misimport:preview", token=token)
    templates = [(label, [(kind_label, columns.template_headings(kind, source)) for kind, kind_label in columns.KINDS])
                 for source, label in columns.SOURCES if source != columns.OTHER]
    return render(request, "misimport/start.html", {"form": form, "school": school, "templates": templates,
                                                    "max_mb": reading.max_bytes() // (1024 * 1024)})


def _table(request, token, item):
    try:
        return reading.read(token, item["format"])
    except reading.ReadError:
        _drop(request, token)
        raise Http404("The uploaded file is no longer here.") from None


def columns_view(request, token):
    school, item = _pending(request, token)
    table = _table(request, token, item)
    form = MappingForm(request.POST or None, kind=item["kind"], headings=table.headings,
                       initial_mapping=item["mapping"])
    if request.method == "POST" and form.is_valid():
        item["mapping"] = form.mapping
        _save(request, token, item)
        return redirect("misimport:preview", token=token)
    return render(request, "misimport/columns.html", {"form": form, "item": item, "token": token, "school": school})


def preview(request, token):
    school, item = _pending(request, token)
    table = _table(request, token, item)
    plan = make_plan(item["kind"], school, table, item["mapping"], request.user)
    return render(request, "misimport/preview.html", _preview_context(school, item, token, plan))


def _preview_context(school, item, token, plan):
    labels = dict(columns.KINDS)
    return {"school": school, "item": item, "token": token, "plan": plan, "kind_label": labels[item["kind"]],
            "changes": [c for c in plan.changes if c.action != "unchanged"][:500],
            "mapped": [(c.label, item["mapping"].get(c.key)) for c in columns.columns_for(item["kind"])]}


@require_POST
def confirm(request, token):
    school, item = _pending(request, token)
    table = _table(request, token, item)
    try:
        plan = run(item["kind"], school, table, item["mapping"], request.user, invite_after_commit)
    except NotImported as exc:
        return render(request, "misimport/preview.html", _preview_context(school, item, token, exc.plan), status=409)
    _drop(request, token)
    request.session["misimport_done"] = {
        "kind": item["kind"], "name": item["name"],
        "counts": {what: vars(c) for what, c in plan.counts.items()},
    }
    return redirect("misimport:done")


@require_POST
def cancel(request, token):
    _pending(request, token)
    _drop(request, token)
    return redirect("misimport:start")


def done(request):
    school = _school(request)
    result = request.session.pop("misimport_done", None)
    if result is None:
        return redirect("misimport:start")
    return render(request, "misimport/done.html", {"school": school, "result": result,
                                                   "kind_label": dict(columns.KINDS)[result["kind"]]})
