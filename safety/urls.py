from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("monitoring/status/", views.monitoring_status, name="monitoring"),
]
