from django.urls import path

from . import report_views as views

app_name = "reports"

urlpatterns = [
    path("visits/<int:pk>/report/", views.report_form, name="report"),
    path("visits/<int:pk>/report/parent-copy/", views.parent_copy, name="parent-copy"),
    path("visits/<int:pk>/incident/", views.incident_form, name="incident"),
]
