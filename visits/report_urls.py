from django.urls import path

from .views import reports

app_name = "reports"

urlpatterns = [
    path("visits/<int:pk>/report/", reports.report_form, name="report"),
    path("visits/<int:pk>/report/parent-copy/", reports.parent_copy, name="parent-copy"),
    path("visits/<int:pk>/incident/", reports.incident_form, name="incident"),
]
