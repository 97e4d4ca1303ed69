from django.urls import path

from .views import concerns

app_name = "concerns"

urlpatterns = [
    path("concerns/", concerns.concern_list, name="list"),
    path("concerns/<int:pk>/", concerns.concern_detail, name="detail"),
    path("families/<int:family_pk>/concern/", concerns.concern_create, name="create"),
]
