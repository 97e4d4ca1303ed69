from django.conf import settings
from django.contrib.auth.views import redirect_to_login

# Paths that must answer without a login: signing in itself, the health probe, static files, and
# the personal calendar feed (authenticated by its own secret token).
PUBLIC_PREFIXES = ("/accounts/login/", "/health/", "/static/", "/calendar/")


class LoginRequiredEverywhereMiddleware:
    """Every page needs a login unless it is on the short public list above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
