from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("families/<int:pk>/", views.FamilyDetailView.as_view(), name="family-detail"),
    path("visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit-detail"),
]
