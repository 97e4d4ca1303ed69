"""What the visits pages share: the user's own school, a visit they may see, a page's size."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import school_of

from ..scoping import visible_visits

PAGE_SIZE = 25


def own_school(user):
    school = school_of(user)
    if school is None:  # e.g. a superuser without a staff profile: nothing of any school to show
        raise Http404("No school")
    return school


def visible_visit(request, pk, *related):
    qs = visible_visits(request.user).select_related("family", "school", "lead", *related)
    return get_object_or_404(qs, pk=pk)


def messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)
