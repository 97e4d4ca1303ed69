"""The family pages: the list and search, a family's record, and its form (children, carers, sharing)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import DetailView, ListView

from .. import cover, services
from ..forms import CarerFormSet, ChildFormSet, FamilyForm
from ..models import Family
from ..scoping import (
    AccessKind,
    may_edit_families,
    may_export_family,
    may_plan_visits,
    may_share_families,
    note_read,
    search_families,
    visible_families,
    visible_visits,
)
from .common import PAGE_SIZE, own_school


class FamilyListView(ListView):
    template_name = "visits/family_list.html"
    context_object_name = "families"
    paginate_by = PAGE_SIZE

    def search(self) -> str:
        # A NUL character can't be sent to PostgreSQL at all (it answered 500); nobody types one.
        return self.request.GET.get("q", "").replace("\x00", "").strip()

    def get_queryset(self):
        qs = visible_families(self.request.user).annotate(child_count=Count("children", distinct=True))
        return search_families(qs, self.search()).order_by("display_name", "pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["q"] = self.search()
        ctx["may_edit"] = may_edit_families(self.request.user)
        return ctx


class FamilyDetailView(DetailView):
    template_name = "visits/family_detail.html"
    context_object_name = "family"

    def get_queryset(self):
        return visible_families(self.request.user).prefetch_related("children", "carers")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # R-CODEWORD: a visit they are on reads as their phone shows it (visits.cover).
        ctx["visits"] = cover.as_seen_by(visible_visits(self.request.user).filter(family=self.object)
                                         .prefetch_related("staff").order_by("-planned_start"), self.request.user)
        ctx["may_edit"] = may_edit_families(self.request.user)
        ctx["may_plan"] = may_plan_visits(self.request.user)
        ctx["may_export"] = may_export_family(self.request.user)
        # R-CONFIDENTIAL: every read of a family's record is logged (audit page).
        note_read(self.request, AccessKind.FAMILY, self.object, family_id=self.object.pk)
        return ctx


def family_form(request, pk=None):
    user = request.user
    school = own_school(user)
    if pk is not None:
        family = get_object_or_404(visible_families(user), pk=pk)
    else:
        family = Family(school=school)
    if not may_edit_families(user):
        raise PermissionDenied("Your role can't change family records.")
    creating = family.pk is None
    share = {"school": school, "may_share": may_share_families(user)}
    if request.method == "POST":
        form = FamilyForm(request.POST, instance=family, **share)
        children = ChildFormSet(request.POST, instance=family, prefix="children")
        carers = CarerFormSet(request.POST, instance=family, prefix="carers")
        if form.is_valid() and children.is_valid() and carers.is_valid():
            with transaction.atomic():  # nothing half-saved
                family = form.save()
                children.instance = carers.instance = family
                children.save()
                carers.save()
                if "shared_with" in form.fields:
                    services.share_family(family, form.cleaned_data["shared_with"], user)
                if creating:
                    services.family_created(family, user)
            messages.success(request, f"{family.display_name} saved.")
            return redirect(family)
    else:
        form = FamilyForm(instance=family, **share)
        children = ChildFormSet(instance=family, prefix="children")
        carers = CarerFormSet(instance=family, prefix="carers")
    return render(request, "visits/family_form.html",
                  {"form": form, "children_formset": children, "carers_formset": carers, "family": family,
                   "creating": creating})
