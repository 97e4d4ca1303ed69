from django.urls import path

from . import export_views, views

app_name = "visits"

urlpatterns = [
    path("families/", views.FamilyListView.as_view(), name="family-list"),
    path("families/new/", views.family_form, name="family-create"),
    path("families/<int:pk>/", views.FamilyDetailView.as_view(), name="family-detail"),
    path("families/<int:pk>/edit/", views.family_form, name="family-edit"),
    path("visits/", views.VisitListView.as_view(), name="visit-list"),
    path("visits/new/", views.visit_form, name="visit-create"),
    path("visits/gates/", views.visit_gates_preview, name="visit-gates"),
    path("visits/form-part/<slug:part>/", views.visit_form_part, name="visit-form-part"),
    path("visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit-detail"),
    path("visits/<int:pk>/edit/", views.visit_form, name="visit-edit"),
    path("visits/<int:source_pk>/plan-again/", views.visit_form, name="visit-plan-again"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="visit-cancel"),
    path("visits/<int:pk>/submit/", views.visit_submit, name="visit-submit"),
    path("visits/<int:pk>/risk-assessment/", views.risk_assessment, name="risk-assessment"),
    path("visits/<int:pk>/checklist/", views.checklist, name="checklist"),
    path("approvals/", views.approvals, name="approvals"),
    path("visits/<int:pk>/approve/", views.visit_approve, name="visit-approve"),
    path("visits/<int:pk>/refuse/", views.visit_refuse, name="visit-refuse"),
    path("visits/<int:pk>/letter/", views.visit_letter, name="visit-letter"),
    path("visits/<int:pk>/letter/sent/", views.visit_letter_sent, name="visit-letter-sent"),
    path("visits/<int:pk>/slip/", views.visit_slip, name="visit-slip"),
    path("timetable/", views.timetable, name="timetable"),
    path("timetable/csv/", export_views.timetable_csv, name="timetable-csv"),
    path("timetable/reports-csv/", export_views.reports_csv, name="reports-csv"),
    path("timetable/calendar-link/revoke/", views.calendar_revoke, name="calendar-revoke"),
    # Public by its secret token (the login middleware lets /calendar/ through). Tokens are URL-safe
    # base64 (secrets.token_urlsafe): anything else is 404 before a query (a NUL byte was a 500 on PostgreSQL).
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar-feed"),
]
