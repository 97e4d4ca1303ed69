from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.changes, name="changes"),
    path("audit/reads/", views.reads, name="reads"),
    path("families/<int:pk>/subject-access/", views.subject_access_page, name="subject-access"),
    path("families/<int:pk>/subject-access.json", views.subject_access_json, name="subject-access-json"),
]
