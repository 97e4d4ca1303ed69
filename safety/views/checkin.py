"""The phone check-in page (R-DEPART .. R-RETURN), the office's phone recording of what staff said, and
visiting staff's visits of the day."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from accounts import pins
from accounts.models import school_of
from accounts.permissions import may_record_calls
from homevisits.forms import add_service_errors
from homevisits.offline import keep_offline
from notifications import outbox
from visits import cover
from visits.lifecycle import OUT_STATES, EventKind
from visits.localtime import local_day_bounds
from visits.models import RecordedHow, Visit, VisitEvent, VisitReport, VisitStaff, VisitState
from visits.reports import may_file_report
from visits.scoping import visible_visits

from .. import checkins
from ..forms import CheckInForm, PhoneCheckInForm, suggested_return_time
from ..presenters import (
    call_buttons,
    confirmation,
    last_checkin,
    offered_kinds,
    phone_watch,
    school_has_seen,
    school_is_chasing,
    wait_countdown,
)


def _on_staff(user, visit) -> bool:
    return visit.staff.filter(pk=user.pk).exists()


@method_decorator(sensitive_post_parameters("pin"), name="dispatch")
class _CheckInBase(View):
    by_phone = False

    def get_visit(self, request, pk) -> Visit:
        visit = get_object_or_404(
            visible_visits(request.user).select_related("school", "family", "lead"), pk=pk
        )
        # Only staff on the visit, or the office and head after a phone call (R-CONFIDENTIAL).
        if not checkins.may_record_for(request.user, visit):
            raise Http404("No such visit")
        if self.by_phone and not may_record_calls(request.user):
            raise Http404("No such visit")
        return visit

    def make_form(self, visit, now, data=None, kind=None):
        form_class = PhoneCheckInForm if self.by_phone else CheckInForm
        kwargs = {"now": now}
        if self.by_phone:
            kwargs["visit"] = visit
        if data is not None and not self.by_phone:
            # The same ids as the form drawn for its kind, so a refused one reads the same (the PIN's error beside it).
            posted = data.get("kind") if data.get("kind") in checkins.CHECKIN_KINDS else "checkin"
            form = form_class(data, auto_id=f"id_{posted}_%s", **kwargs)
        elif data is not None:
            form = form_class(data, **kwargs)
        else:
            initial = {"kind": kind or "", "idempotency_key": uuid.uuid4()}
            if kind in (EventKind.LATE, None):
                initial["new_expected_return"] = suggested_return_time(visit.expected_return, now)
            form = form_class(initial=initial, auto_id=f"id_{kind or 'checkin'}_%s", **kwargs)
        kind = kind or (data or {}).get("kind")
        if kind == EventKind.ABANDONED:
            form.fields["note"].label = "Why are you abandoning the visit? (required)"
        elif not self.by_phone:
            form.fields["note"].label = "Note (optional)"
        return form

    def post(self, request, pk):
        now = timezone.now()
        visit = self.get_visit(request, pk)
        if not self.by_phone and not _on_staff(request.user, visit):
            return redirect("safety:record-call", pk=visit.pk)
        form = self.make_form(visit, now, data=request.POST)
        # A tap the phone kept without signal, sent now by static/js/offline-taps.js: answered in JSON.
        kept = not self.by_phone and request.headers.get("X-Kept-Tap") == "1"
        if form.is_valid():
            data = form.cleaned_data
            key = str(data["idempotency_key"])
            # Only for the message: the service itself records a key once (and on its own visit only).
            duplicate = VisitEvent.objects.filter(idempotency_key=key, visit=visit).exists()
            failures_before = outbox.broker_failures()
            try:
                event = checkins.check_in(
                    visit, data["kind"], request.user, now=now, note=data["note"],
                    new_expected_return=data["new_expected_return_at"],
                    how=RecordedHow.PHONE if self.by_phone else RecordedHow.SELF,
                    on_behalf_of=data.get("on_behalf_of"), idempotency_key=key, pin=data.get("pin"),
                    position=(data.get("location_lat"), data.get("location_lon"), data.get("location_accuracy")),
                    tapped_at=None if self.by_phone else data.get("tapped_at"),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                raise Http404("No such visit") from exc
            else:
                visit.refresh_from_db()
                # R-CODEWORD: a duress PIN is answered with what its check-in would have said (visits.cover).
                stand_in = cover.stand_in(event) if not self.by_phone else None
                shown = visit if self.by_phone else cover.as_the_phone_shows(visit)
                said = confirmation(stand_in or event, shown, duplicate=duplicate)
                if kept:
                    return JsonResponse({"recorded": True, "message": said})
                if stand_in is not None:
                    messages.success(request, said)
                    return redirect(request.path)
                messages.success(request, said)
                if outbox.broker_failures() > failures_before:
                    # Saved, but the alerts could not be handed over yet: say so (they go out when it is back).
                    messages.warning(request, "Saved. The alert service is not reachable right now, so the office "
                                              "and head have not been messaged yet: it will send as soon as it is "
                                              f"back. Ring the school office on {visit.school.office_phone.as_national}.")
                return redirect(request.path)
        if any(name in form.errors for name in ("kind", "idempotency_key")):
            # Hidden fields: say something the person can act on.
            form.add_error(None, "This page is out of date: reload it and tap again.")
        if kept:
            # Nothing was recorded: the phone stops sending it and says so, with the reasons.
            reasons = [str(error) for errors in form.errors.values() for error in errors]
            return JsonResponse({"recorded": False, "errors": reasons}, status=409)
        return self.render_page(request, visit, now, failed=form)


class CheckInView(_CheckInBase):
    """R-DEPART .. R-RETURN from the phone of a member of staff on the visit: one big button each."""

    template_name = "safety/checkin.html"

    def get(self, request, pk):
        visit = self.get_visit(request, pk)
        if not _on_staff(request.user, visit):
            # The office and head are not on the visit: they record what staff tell them by phone.
            return redirect("safety:record-call", pk=visit.pk)
        return self.render_page(request, visit, timezone.now())

    def render_page(self, request, visit, now, failed=None):
        real = visit
        # R-CODEWORD: the phone shows the visit as its staff would see it had no duress signal been
        # given (visits.cover); the office's pages show it as it is.
        visit = cover.as_the_phone_shows(visit)
        links = visit.staff_links_with_people()
        mine = next((link for link in links if link.user_id == request.user.pk), None)
        # Someone already back gives no more word for the visit (R-RETURN, R-CHECKIN).
        offered = offered_kinds(visit, now) if mine is None or mine.is_out else []
        forms = {kind: self.make_form(visit, now, kind=kind) for kind in offered}
        failed_kind = failed.data.get("kind") if failed is not None else None
        if failed is not None and failed_kind in forms:
            forms[failed_kind] = failed
        context = {
            "visit": visit,
            "school": visit.school,
            "now": now,
            "offered": offered,
            "forms": forms,
            "failed": failed,
            "last_word": last_checkin(visit, on_phone=True),
            "wait": wait_countdown(visit, now),
            "school_has_seen": school_has_seen(real) if visit.is_out else None,
            # Late, and nobody at school has taken charge yet: the first thing on the page is to call.
            "school_chasing": visit.is_out and (mine is None or mine.is_out) and school_is_chasing(real),
            # Past their time (R-LATE-15): the new-time form comes next, before everything else.
            "late_first": EventKind.LATE in forms and visit.expected_return < now,
            # What watch applies while out and why (by the visit's risk), and their own next check-in.
            "watch": phone_watch(visit, mine),
            # R-CODEWORD: the PIN to end a visit, where the school asks for it.
            "pin_asked": visit.school.pin_to_end_visit and pins.has_pins(request.user),
            "pin_not_set": visit.school.pin_to_end_visit and not pins.has_pins(request.user),
            "returned_label": "Finished: I'm home safe" if visit.ends_at_home else "Back at school",
            "me_back": mine is not None and not mine.is_out,
            "my_link": mine,
            "others_out": [link for link in links if link.is_out and link.user_id != request.user.pk],
            "others_back": [link for link in links if not link.is_out and link.user_id != request.user.pk],
            # R-REPORT: once everyone is back, the next thing to do is the report.
            "report_due": (visit.state == VisitState.RETURNED and may_file_report(request.user, visit)
                           and not VisitReport.objects.filter(visit=visit).exists()),
            # safety.location: the phone's location goes with a check-in only for someone who opted in.
            # A refused "abandon" (no reason given) opens its fold again, with the message beside the field.
            "abandon_refused": failed_kind == EventKind.ABANDONED,
            "share_location": visit.is_out and getattr(getattr(request.user, "profile", None), "share_location", False),
        }
        response = render(request, self.template_name, context)
        # The one page that may ask for the phone's location (everywhere else it is switched off).
        response["Permissions-Policy"] = settings.PERMISSIONS_POLICY_CHECK_IN
        # Their own check-in page, kept on their phone to open without signal (never a refused post's page).
        return keep_offline(response) if failed is None else response


class RecordCallView(_CheckInBase):
    """The office or head records an event a member of staff gave by phone (how=phone, on_behalf_of)."""

    by_phone = True
    template_name = "safety/record_call.html"

    def get(self, request, pk):
        return self.render_page(request, self.get_visit(request, pk), timezone.now())

    def render_page(self, request, visit, now, failed=None):
        offered = offered_kinds(visit, now)
        # A refused post recorded nothing, so its key may be used again for the retry.
        form = failed if failed is not None else self.make_form(visit, now)
        context = {
            "visit": visit,
            "school": visit.school,
            "now": now,
            "offered": offered,
            "form": form,
            "buttons": call_buttons(offered, visit),
            "duress_offered": EventKind.DURESS in offered,
            "last_word": last_checkin(visit),
            "links": visit.staff_links_with_people(),
        }
        return render(request, self.template_name, context)


class MyVisitsView(View):
    """Visiting staff: today's visits they are on, each a tap away from its check-in page."""

    def get(self, request):
        today = timezone.localdate()
        start, end = local_day_bounds(today)
        visits = cover.visits_on_phone(
            visible_visits(request.user).filter(staff=request.user)
            .filter(Q(planned_start__gte=start, planned_start__lt=end, state=VisitState.APPROVED)
                    | Q(state__in=OUT_STATES))
            .select_related("family").order_by("planned_start", "pk")
            # R-RETURN: a visit they are back from while colleagues are still out says so.
            .annotate(me_back=Exists(VisitStaff.objects.filter(visit=OuterRef("pk"), user=request.user,
                                                               returned_at__isnull=False))),
            request.user,
        )
        # R-CODEWORD: a visit their phone shows as over is gone from the list, as it would be.
        visits = [visit for visit in visits if not visit.is_returned]
        # Kept on their phone, with the school's number, to open without signal (the app's start page).
        return keep_offline(render(request, "safety/my_visits.html",
                                   {"visits": visits, "today": today, "school": school_of(request.user)}))
