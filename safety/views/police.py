"""The police pack (R-POLICE): one printable page with what the police ask for."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from accounts.permissions import may_keep_watch
from visits.scoping import visible_visits

from .. import location
from ..models import ContactAttempt, Escalation
from ..presenters import last_checkin, last_known_location


class PolicePackView(View):
    """One printable page with what the police ask for (R-POLICE): office, head and DSL only."""

    def get(self, request, pk):
        if not may_keep_watch(request.user):
            raise Http404("No such visit")
        visit = get_object_or_404(
            visible_visits(request.user).select_related("school", "family", "vehicle_owner__profile", "lead"), pk=pk
        )
        last_event = visit.events.select_related("actor", "on_behalf_of").order_by("-at", "-pk").first()
        last_word = last_checkin(visit)
        links = visit.staff_links_with_people()
        context = {
            "visit": visit,
            "now": timezone.now(),
            # Those still out first: they are who the police are looking for (R-RETURN).
            "staff": [link for link in links if link.is_out] + [link for link in links if not link.is_out],
            "someone_back": visit.is_out and any(not link.is_out for link in links),
            # R-CONTACT-STEPS: every step already tried, so nobody repeats or skips one.
            "attempts": ContactAttempt.objects.filter(escalation__visit=visit).select_related("by", "escalation"),
            "vehicle": visit.vehicle_owner.profile if visit.vehicle_owner_id and visit.transport == "car" and hasattr(
                visit.vehicle_owner, "profile") else None,
            "last_event": last_event,
            "last_word": last_word,
            "last_known_location": last_known_location(visit),
            "phone_location": location.last_known(visit),
            "open_escalations": Escalation.objects.open_alerts().filter(visit=visit),
            "risks": visit.family.known_risks,
        }
        return render(request, "safety/police_pack.html", context)
