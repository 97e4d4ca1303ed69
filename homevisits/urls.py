from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import SignInForm

from . import views

admin.site.site_header = "Home Visits administration"
admin.site.site_title = "Home Visits admin"

# The 400, 403 and 404 pages are Django's views with our templates; the 500 one is ours (views.py).
handler500 = "homevisits.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True,
                                                         authentication_form=SignInForm), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    # The installable app (static/js/pwa.js, notifications/serviceworker.js): public, from our own origin.
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.offline, name="offline"),
    path("accounts/working-for/", views.change_working_for, name="working-for"),
    path("accounts/", include("accounts.urls")),
    path("", include("accounts.settings_urls")),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
    path("", include("visits.urls")),
    path("", include("safety.urls")),
    path("", include("visits.report_urls")),
    path("", include("safety.concern_urls")),
    path("", include("audit.urls")),
    path("", include("misimport.urls")),
    path("", include("governors.urls")),
    path("", include("trusts.urls")),
]
