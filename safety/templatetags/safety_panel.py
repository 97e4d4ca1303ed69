"""`{% safety_visit_panel visit %}`: the check-in links and the escalation panel on a visit's page."""

from django import template

from accounts.permissions import may_keep_watch, may_record_calls
from visits import cover

from .. import checkins
from ..models import Escalation
from ..presenters import escalation_panel

register = template.Library()


@register.inclusion_tag("safety/_visit_panel.html", takes_context=True)
def safety_visit_panel(context, visit):
    request = context["request"]
    user = request.user
    live = visit.can_check_in
    on_staff = visit.staff.filter(pk=user.pk).exists()
    out = {
        "visit": visit,
        "checkin": live and on_staff,
        "record_call": live and may_record_calls(user) and checkins.may_record_for(user, visit),
        "keeper": may_keep_watch(user),
        "panel": None,
    }
    # R-CODEWORD: the visit's page is a page of the phone of each of its staff, a DSL or head among them:
    # after a duress signal it shows nothing of the alert (visits.cover); the board and the escalation page do.
    hidden = on_staff and cover.has_signal(visit)
    out["escalation_link"] = out["keeper"] and not hidden and visit.escalations.exists()
    if out["keeper"] and not hidden and (visit.escalation_level
                                         or Escalation.objects.open_alerts().filter(visit=visit).exists()):
        out["panel"] = escalation_panel(user, visit, next_url=request.get_full_path())
    return out
