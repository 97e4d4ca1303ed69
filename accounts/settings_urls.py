from django.urls import path

from . import settings_views

# A school's settings pages (its school admin, or a superuser): /schools/<id>/settings/<page>/.
urlpatterns = [
    path("school/settings/", settings_views.own_settings, name="own-school-settings"),
    path("schools/<int:pk>/settings/<slug:page>/", settings_views.settings_page, name="school-settings"),
]
