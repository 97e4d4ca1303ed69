"""`{% after_visit_panel visit %}`: report, incident, parent copy and concern links on a visit's page."""

from django import template

from visits.presenters import after_visit_panel as panel

register = template.Library()


@register.inclusion_tag("reports/_after_visit_panel.html", takes_context=True)
def after_visit_panel(context, visit):
    return panel(context["request"].user, visit)
