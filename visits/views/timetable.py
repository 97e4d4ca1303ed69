"""The week's timetable and the calendar feed (R-SCHEDULE)."""

import datetime

import icalendar
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import StaffProfile

from .. import cover
from ..forms import asked_week, week_start
from ..localtime import combine_local
from ..models import Visit, VisitState
from ..presenters import week_days
from ..scoping import may_export_csv, may_plan_visits, sees_all_visits, visible_families, visible_visits
from .common import own_school


def timetable(request):
    user = request.user
    own_school(user)
    monday = asked_week(request.GET.get("week"))
    start = combine_local(monday, datetime.time(0, 0))
    end = combine_local(monday + datetime.timedelta(days=7), datetime.time(0, 0))
    # R-CODEWORD: a visit they are on reads as their phone shows it (visits.cover).
    visits = cover.as_seen_by(
        visible_visits(user).filter(planned_start__gte=start, planned_start__lt=end)
        .select_related("family", "lead", "day_round").prefetch_related("staff").order_by("planned_start", "pk"), user
    )
    may_see = set(visible_families(user).filter(pk__in={v.family_id for v in visits}).values_list("pk", flat=True))
    profile = StaffProfile.objects.filter(user=user).first()
    feed_url = request.build_absolute_uri(
        reverse("visits:calendar-feed", args=[profile.calendar_token])) if profile else None
    return render(request, "visits/timetable.html", {
        "days": week_days(monday, visits), "monday": monday, "may_see": may_see,
        "previous": monday - datetime.timedelta(days=7), "next": monday + datetime.timedelta(days=7),
        "this_week": week_start(timezone.localdate()), "sees_all": sees_all_visits(user), "feed_url": feed_url,
        "may_export_csv": may_export_csv(user), "may_plan": may_plan_visits(user),
    })


def calendar_feed(request, token):
    """A staff member's visits as iCalendar, public by its secret token (revocable). Only "Home
    visit", times and a link: no address, child's name or code word (R-CONFIDENTIAL)."""
    profile = StaffProfile.objects.filter(calendar_token=token, user__is_active=True).select_related("user").first()
    if profile is None or not token:
        raise Http404("No such calendar")
    since = timezone.now() - datetime.timedelta(days=60)
    visits = (Visit.objects.filter(staff=profile.user, planned_start__gte=since)
              .exclude(state__in=[VisitState.CANCELLED, VisitState.REFUSED]).order_by("planned_start", "pk"))
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Home Visits//visits//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Home visits")
    base = settings.SITE_URL.rstrip("/")
    stamp = timezone.now()
    for visit in visits:
        event = icalendar.Event()
        event.add("uid", f"visit-{visit.pk}@homevisits")
        event.add("dtstamp", stamp)
        event.add("dtstart", visit.planned_start)
        event.add("dtend", visit.expected_return)
        event.add("summary", "Home visit" if visit.state != VisitState.SUBMITTED else "Home visit (awaiting approval)")
        event.add("status", "CONFIRMED" if visit.state not in (VisitState.DRAFT, VisitState.SUBMITTED) else "TENTATIVE")
        event.add("url", f"{base}{visit.get_absolute_url()}")
        event.add("description", f"Details (sign in needed): {base}{visit.get_absolute_url()}")
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def calendar_revoke(request):
    profile = get_object_or_404(StaffProfile, user=request.user)
    profile.revoke_calendar_token()
    messages.success(request, "Your old calendar link no longer works. Add the new link to your calendar.")
    return redirect("visits:timetable")
