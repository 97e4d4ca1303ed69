from django.urls import path

from . import views

app_name = "misimport"

urlpatterns = [
    path("school/import/", views.start, name="start"),
    path("school/import/done/", views.done, name="done"),
    path("school/import/<str:token>/columns/", views.columns_view, name="columns"),
    path("school/import/<str:token>/", views.preview, name="preview"),
    path("school/import/<str:token>/confirm/", views.confirm, name="confirm"),
    path("school/import/<str:token>/cancel/", views.cancel, name="cancel"),
]
