from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("notifications/push/key/", views.push_public_key, name="push_public_key"),
    path("notifications/push/devices/", views.push_devices, name="push_devices"),
    path("notifications/push/devices/list/", views.push_device_list, name="push_device_list"),
    path("notifications/push/devices/test/", views.push_test, name="push_test"),
    path("notifications/push/devices/<int:pk>/remove/", views.push_unsubscribe, name="push_unsubscribe"),
    # Providers' callbacks: public, each checked by its own credential (homevisits.middleware).
    path("notifications/receipts/notify/", views.notify_receipt, name="notify_receipt"),
    path("notifications/receipts/twilio/status/", views.twilio_status, name="twilio_status"),
    path("notifications/receipts/twilio/gather/", views.twilio_gather, name="twilio_gather"),
    path("notifications/receipts/push/<str:token>/", views.push_receipt, name="push_receipt"),
    path("notifications/texts/notify/", views.notify_received_text, name="notify_received_text"),
    path("notifications/texts/twilio/", views.twilio_received_text, name="twilio_received_text"),
]
