from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

# Mounted at /accounts/. Everything under /accounts/password/reset/ is public (a forgotten
# password); the rest needs a signed-in user.
urlpatterns = [
    path("", views.account, name="account"),
    path("pins/", views.safety_pins, name="safety-pins"),
    path("location/", views.share_location, name="share-location"),
    path("two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("two-factor/backup-codes/", views.two_factor_backup_codes, name="two-factor-backup-codes"),
    path("two-factor/enrol/<uidb64>/<token>/", views.two_factor_enrol, name="two-factor-enrol"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # The worker sends the email (accounts.tasks), its links built from SITE_URL, never from the Host header.
    path("password/reset/", views.ResetRequestView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
