from django.urls import path

from . import concern_views as views

app_name = "concerns"

urlpatterns = [
    path("concerns/", views.concern_list, name="list"),
    path("concerns/<int:pk>/", views.concern_detail, name="detail"),
    path("families/<int:family_pk>/concern/", views.concern_create, name="create"),
]
