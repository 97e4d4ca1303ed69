from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("notifications/push/key/", views.push_public_key, name="push_public_key"),
]
