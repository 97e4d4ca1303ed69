"""The readiness page (safety.readiness): the alert chain of the user's school, its gaps, and
"Send a test alert". For the head of school and the school admin; anyone else gets 404, since the
page lists the chain's email addresses and mobile numbers."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts.models import school_of

from ..models import TestAlertScope
from ..readiness import (
    FALSE_ALARM_DAYS,
    AlertTestRefused,
    false_alarms,
    may_check_readiness,
    readiness,
    recent_tests,
    send_test_alert,
)


@method_decorator(never_cache, name="dispatch")
class ReadinessView(View):
    def dispatch(self, request, *args, **kwargs):
        if not may_check_readiness(request.user):
            raise Http404("Not available")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        school = school_of(request.user)
        return render(request, "safety/readiness.html", {
            "ready": readiness(school), "tests": recent_tests(school), "scopes": TestAlertScope,
            "false_alarms": false_alarms(school), "false_alarm_days": FALSE_ALARM_DAYS,
        })

    def post(self, request):
        scope = request.POST.get("scope")
        if scope not in TestAlertScope.values:
            messages.error(request, "Choose who the test alert goes to.")
            return redirect("safety:readiness")
        try:
            alert = send_test_alert(request.user, scope)
        except AlertTestRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Test alert sent to {alert.people_count} "
                                      f"{'person' if alert.people_count == 1 else 'people'}. Each one shows "
                                      "below once it has gone through.")
        return redirect("safety:readiness")
