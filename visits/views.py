from django.views.generic import DetailView

from .scoping import may_see_code_word, visible_families, visible_visits


class FamilyDetailView(DetailView):
    template_name = "visits/family_detail.html"
    context_object_name = "family"

    def get_queryset(self):
        return visible_families(self.request.user).prefetch_related("children", "carers")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["visits"] = (visible_visits(self.request.user).filter(family=self.object)
                         .prefetch_related("staff").order_by("-planned_start"))
        return ctx


class VisitDetailView(DetailView):
    template_name = "visits/visit_detail.html"
    context_object_name = "visit"

    def get_queryset(self):
        return visible_visits(self.request.user).select_related("family", "lead", "office_contact", "school")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        visit = self.object
        ctx["staff"] = visit.staff.select_related("profile")
        ctx["events"] = visit.events.select_related("actor", "on_behalf_of")
        ctx["escalations"] = visit.escalations.all()
        ctx["show_code_word"] = may_see_code_word(self.request.user) or visit.staff.filter(
            pk=self.request.user.pk).exists()
        ctx["risk_assessment"] = getattr(visit, "risk_assessment", None)
        return ctx
