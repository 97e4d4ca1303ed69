from django.urls import path

from .views import approvals, exports, families, letters, plans, rounds, timetable

app_name = "visits"

urlpatterns = [
    path("families/", families.FamilyListView.as_view(), name="family-list"),
    path("families/new/", families.family_form, name="family-create"),
    path("families/<int:pk>/", families.FamilyDetailView.as_view(), name="family-detail"),
    path("families/<int:pk>/edit/", families.family_form, name="family-edit"),
    path("visits/", plans.VisitListView.as_view(), name="visit-list"),
    path("visits/new/", plans.visit_form, name="visit-create"),
    path("visits/gates/", plans.visit_gates_preview, name="visit-gates"),
    path("visits/form-part/<slug:part>/", plans.visit_form_part, name="visit-form-part"),
    path("visits/<int:pk>/", plans.VisitDetailView.as_view(), name="visit-detail"),
    path("visits/<int:pk>/edit/", plans.visit_form, name="visit-edit"),
    path("visits/<int:source_pk>/plan-again/", plans.visit_form, name="visit-plan-again"),
    path("visits/<int:pk>/cancel/", plans.visit_cancel, name="visit-cancel"),
    path("visits/<int:pk>/submit/", plans.visit_submit, name="visit-submit"),
    path("visits/<int:pk>/risk-assessment/", plans.risk_assessment, name="risk-assessment"),
    path("visits/<int:pk>/checklist/", plans.checklist, name="checklist"),
    path("rounds/new/", rounds.round_form, name="round-create"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round-detail"),
    path("rounds/<int:pk>/edit/", rounds.round_form, name="round-edit"),
    path("rounds/<int:pk>/submit/", rounds.round_submit, name="round-submit"),
    path("rounds/<int:pk>/decide/", rounds.round_decide, name="round-decide"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("visits/<int:pk>/approve/", approvals.visit_approve, name="visit-approve"),
    path("visits/<int:pk>/refuse/", approvals.visit_refuse, name="visit-refuse"),
    path("visits/<int:pk>/letter/", letters.visit_letter, name="visit-letter"),
    path("visits/<int:pk>/letter/sent/", letters.visit_letter_sent, name="visit-letter-sent"),
    path("visits/<int:pk>/slip/", letters.visit_slip, name="visit-slip"),
    path("timetable/", timetable.timetable, name="timetable"),
    path("timetable/csv/", exports.timetable_csv, name="timetable-csv"),
    path("timetable/reports-csv/", exports.reports_csv, name="reports-csv"),
    path("timetable/calendar-link/revoke/", timetable.calendar_revoke, name="calendar-revoke"),
    # Public by its secret token (the login middleware lets /calendar/ through). Tokens are URL-safe
    # base64 (secrets.token_urlsafe): anything else is 404 before a query (a NUL byte was a 500 on PostgreSQL).
    path("calendar/<slug:token>.ics", timetable.calendar_feed, name="calendar-feed"),
]
