"""What each role sees first: the day's work, reachable without knowing a URL.

Plain query functions taking `now`, so the pages stay thin and the numbers are testable.
"""

import dataclasses
import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import StaffProfile, role_names, school_of
from accounts.permissions import may_change_school_settings
from accounts.twofactor import two_factor_required
from safety.concerns import visible_concerns
from safety.models import ConcernStatus, Escalation
from visits import cover
from visits.localtime import local_day_bounds
from visits.models import OUT_STATES, VisitState
from visits.reports import reports_due, reports_overdue
from visits.scoping import visible_visits
from visits.services import submission_problems


def greeting(now) -> str:
    """By the school's clock (Europe/London, so BST and GMT alike): "Good evening" at 20:00."""
    hour = timezone.localtime(now).hour
    if 5 <= hour < 12:
        return "Good morning"
    if 12 <= hour < 18:
        return "Good afternoon"
    return "Good evening"


def week_bounds(now) -> tuple[datetime.datetime, datetime.datetime]:
    today = timezone.localdate(now)
    monday = today - datetime.timedelta(days=today.weekday())
    return local_day_bounds(monday)[0], local_day_bounds(monday + datetime.timedelta(days=6))[1]


# --- Visiting staff -----------------------------------------------------------------------------

# The one big button on a visiting member of staff's home page, by the state of their next visit.
NEXT_STEP = {
    VisitState.APPROVED: "",  # the visit's own departure_label ("Leaving now"), never "Sign out"
    VisitState.DEPARTED: "I've arrived",
    VisitState.ON_SITE: "Check in",
    VisitState.LEFT: "I'm back at school",
}


def staff_home(user, now) -> dict:
    mine = visible_visits(user).filter(staff=user).select_related("family")
    today_start, today_end = local_day_bounds(timezone.localdate(now))
    # A visit the user is already back from (the others still out) is not their next step (R-RETURN),
    # nor one their phone shows them back from (visits.cover, R-CODEWORD).
    next_visit = next((visit for visit in cover.visits_on_phone(
        # R-LUNCH: nor a round's visit they have gone on from (the one they are on is the next step).
        mine.filter(Q(state__in=OUT_STATES, staff_links__user=user, staff_links__returned_at__isnull=True,
                      handed_on_at__isnull=True)
                    | Q(state=VisitState.APPROVED, planned_start__gte=today_start, planned_start__lt=today_end))
        .order_by("planned_start", "pk")[:5], user) if not getattr(visit, "me_back", False)), None)
    week_start, week_end = week_bounds(now)
    week = cover.visits_on_phone(mine.filter(planned_start__gte=week_start, planned_start__lt=week_end)
                                 .exclude(state=VisitState.CANCELLED).prefetch_related("staff")
                                 .order_by("planned_start", "pk"), user)
    to_do = []
    drafts = (mine.filter(lead=user, state__in=[VisitState.DRAFT, VisitState.REFUSED], planned_start__gte=now)
              .select_related("family", "risk_assessment", "checklist").order_by("planned_start"))
    for visit in drafts:
        problems = submission_problems(visit)
        to_do.append({"visit": visit, "items": problems or ["Ready: submit it for approval."]})
    # R-REPORT: "report due" until it is filed.
    # ...and on a visit the phone shows as over after a duress PIN, as it would be (visits.cover, R-CODEWORD).
    due = [*reports_due(mine), *(visit for visit in cover.over_on_phone(mine.filter(report__isnull=True), user))]
    for visit in sorted(due, key=lambda visit: visit.returned_at):
        to_do.append({"visit": visit, "items": ["Report due: file the Home Visit Form."], "report_due": True})
    next_step = ""
    if next_visit:
        next_step = NEXT_STEP.get(next_visit.state) or next_visit.departure_label
    return {"next_visit": next_visit, "next_step": next_step,
            "week": week, "to_do": to_do}


# --- Head of school / DSL -----------------------------------------------------------------------

@dataclasses.dataclass
class WeekBar:
    monday: datetime.date
    made: int
    cancelled: int
    late: int
    escalations: int


def head_home(user, now) -> dict:
    visits = visible_visits(user)
    today_start, today_end = local_day_bounds(timezone.localdate(now))
    week_start, week_end = week_bounds(now)
    waiting = visits.filter(state=VisitState.SUBMITTED).select_related("family").order_by("planned_start", "pk")
    # One visit in trouble is one alert, at its highest level.
    open_escalations = (
        Escalation.objects.open_alerts().filter(visit__in=visits)
        .select_related("visit__family").order_by("-level", "created_at")
    )
    return {
        "waiting_count": waiting.count(),
        "waiting": list(waiting[:6]),
        "open_escalations": list(open_escalations),
        "today": list(visits.filter(planned_start__gte=today_start, planned_start__lt=today_end)
                      .exclude(state=VisitState.CANCELLED).select_related("family").prefetch_related("staff")
                      .order_by("planned_start", "pk")),
        "week_count": visits.filter(planned_start__gte=week_start, planned_start__lt=week_end)
        .exclude(state__in=[VisitState.CANCELLED, VisitState.REFUSED]).count(),
        "weeks": twelve_weeks(visits, now),
        "reports_overdue": reports_overdue(visits, now),
        "concerns_waiting": list(visible_concerns(user).filter(status=ConcernStatus.OPEN)
                                 .select_related("family").order_by("raised_at")),
    }


def twelve_weeks(visits, now) -> list[WeekBar]:
    """R-REVIEW in small: visits made, cancelled, late returns and escalations in each of the last
    12 weeks (Monday to Sunday, school time), three queries whatever the numbers."""
    this_monday = timezone.localdate(now) - datetime.timedelta(days=timezone.localdate(now).weekday())
    first_monday = this_monday - datetime.timedelta(weeks=11)
    since = local_day_bounds(first_monday)[0]
    escalated = Escalation.objects.filter(visit=OuterRef("pk"))
    rows = (
        visits.filter(planned_start__gte=since)
        .annotate(week=TruncWeek("planned_start", tzinfo=timezone.get_current_timezone()),
                  was_escalated=Exists(escalated))
        .values("week")
        .annotate(made=Count("pk", filter=Q(state=VisitState.RETURNED)),
                  cancelled=Count("pk", filter=Q(state=VisitState.CANCELLED)),
                  late=Count("pk", filter=Q(was_escalated=True)))
    )
    by_week = {timezone.localtime(r["week"]).date() if isinstance(r["week"], datetime.datetime) else r["week"]: r
               for r in rows}
    # An alert raised from level 1 to 2 is one escalation of that visit, counted at its top level.
    escalations = (
        Escalation.objects.filter(visit__in=visits, created_at__gte=since, raised_to__isnull=True)
        .annotate(week=TruncWeek("created_at", tzinfo=timezone.get_current_timezone()))
        .values("week").annotate(n=Count("pk"))
    )
    esc_by_week = {timezone.localtime(r["week"]).date() if isinstance(r["week"], datetime.datetime) else r["week"]:
                   r["n"] for r in escalations}
    bars = []
    for i in range(12):
        monday = first_monday + datetime.timedelta(weeks=i)
        r = by_week.get(monday, {})
        bars.append(WeekBar(monday, r.get("made", 0), r.get("cancelled", 0), r.get("late", 0),
                            esc_by_week.get(monday, 0)))
    return bars


def chart_geometry(bars: list[WeekBar], width=600, height=160) -> dict:
    """Coordinates for a server-rendered SVG bar chart (no script, works offline and in print)."""
    series = ("made", "cancelled", "late", "escalations")
    top = max([1] + [getattr(b, s) for b in bars for s in series])
    group = width / max(1, len(bars))
    bar_w = group / (len(series) + 1)
    out = []
    for i, bar in enumerate(bars):
        rects = []
        for j, s in enumerate(series):
            value = getattr(bar, s)
            h = round(value / top * (height - 20), 1)
            rects.append({"series": s, "value": value, "x": round(i * group + j * bar_w + bar_w / 2, 1),
                          "y": round(height - h, 1), "w": round(bar_w, 1), "h": h})
        out.append({"bar": bar, "rects": rects, "label_x": round(i * group + group / 2, 1)})
    return {"groups": out, "width": width, "height": height, "top": top}


# --- School admin ------------------------------------------------------------------------------

@dataclasses.dataclass
class StaffRow:
    profile: StaffProfile
    roles: list[str]
    two_factor_on: bool
    two_factor_needed: bool
    user_url: str = ""  # their page in the Django admin (sign-in, roles), if the viewer may open it
    profile_url: str = ""  # their staff profile there (mobile, car, training)

    @property
    def user(self):
        return self.profile.user

    @property
    def no_mobile(self) -> bool:
        # R-PHONE: nobody goes on a visit, or gets a text alert, without a mobile on record.
        return not self.profile.mobile

    @property
    def no_training(self) -> bool:
        # R-TRAINING: safe-working training on record before anyone visits.
        return self.profile.training_date is None

    @property
    def missing_two_factor(self) -> bool:
        return self.two_factor_needed and not self.two_factor_on


def school_admin_home(user, now) -> dict:
    """The school admin's day: their school's staff and what is missing on their records (mobile,
    training date, two-factor sign-in where the role needs it), with the admin pages they use.
    Three queries whatever the number of staff."""
    school = school_of(user)
    if school is None:
        return {"school": None, "staff": [], "links": []}
    profiles = list(StaffProfile.objects.filter(school=school, user__is_active=True)
                    .select_related("user", "school").prefetch_related("user__groups"))
    with_app = set(TOTPDevice.objects.filter(user__profile__school=school, confirmed=True)
                   .values_list("user_id", flat=True))
    may_users, may_profiles = user.has_perm("auth.change_user"), user.has_perm("accounts.change_staffprofile")
    rows = [StaffRow(profile, sorted(role_names(profile.user)), profile.user_id in with_app,
                     two_factor_required(profile.user),
                     reverse("admin:auth_user_change", args=[profile.user_id]) if may_users else "",
                     reverse("admin:accounts_staffprofile_change", args=[profile.pk]) if may_profiles else "")
            for profile in profiles]
    links = [(label, reverse(name, args=args)) for perm, label, name, args in (
        ("auth.view_user", "Staff, roles and sign-in (unlock, reset two-factor)", "admin:auth_user_changelist", ()),
        ("accounts.view_staffprofile", "Staff profiles: mobiles, cars, training dates",
         "admin:accounts_staffprofile_changelist", ()),
        ("accounts.change_school", "The school in the Django admin (its name)", "admin:accounts_school_change",
         (school.pk,)),
    ) if user.has_perm(perm)]
    if may_change_school_settings(user, school):
        # The school's policy settings, on the site's own pages (accounts.settings_views).
        links.insert(0, ("Settings: alerts, roster and office hours, planning rules, letters, records",
                         reverse("school-settings", args=[school.pk, "alerts"])))
    return {
        "school": school,
        "staff": rows,
        "no_mobile": [r for r in rows if r.no_mobile],
        "no_training": [r for r in rows if r.no_training],
        "no_two_factor": [r for r in rows if r.missing_two_factor],
        "links": links,
    }
