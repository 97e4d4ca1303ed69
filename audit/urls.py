from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.changes, name="changes"),
    path("audit/reads/", views.reads, name="reads"),
]
