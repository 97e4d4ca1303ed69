"""Start-up checks of the settings this app reads (`manage.py check`, `check --deploy`)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .proxies import trusted_networks


@checks.register(checks.Tags.security)
def trusted_proxies_are_addresses(app_configs, **kwargs):
    try:
        trusted_networks(tuple(settings.TRUSTED_PROXIES))
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="accounts.E001")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def a_proxy_is_named_when_behind_one(app_configs, **kwargs):
    if settings.BEHIND_PROXY and not settings.TRUSTED_PROXIES:
        return [checks.Warning(
            "BEHIND_PROXY is on but TRUSTED_PROXIES is empty, so X-Forwarded-For is ignored and every sign-in "
            "counts from the proxy's address: five wrong passwords from anyone would pause that username for all.",
            hint="Set TRUSTED_PROXIES to the address(es) of the proxy in front of the app, e.g. 10.0.0.5.",
            id="accounts.W001",
        )]
    return []


@checks.register(checks.Tags.security)
def host_prefixed_cookies_keep_their_conditions(app_configs, **kwargs):
    """A __Host- cookie that is not Secure, has a Domain or a path other than / is thrown away by the
    browser: nobody could stay signed in (or post a form)."""
    errors = []
    for kind in ("SESSION", "CSRF"):
        name = getattr(settings, f"{kind}_COOKIE_NAME")
        if not name.startswith("__Host-"):
            continue
        secure = getattr(settings, f"{kind}_COOKIE_SECURE")
        domain = getattr(settings, f"{kind}_COOKIE_DOMAIN")
        path = getattr(settings, f"{kind}_COOKIE_PATH")
        if not secure or domain is not None or path != "/":
            errors.append(checks.Error(
                f"{kind}_COOKIE_NAME {name!r} has the __Host- prefix, so it must be Secure, have no Domain and "
                f"Path=/ (it is secure={secure}, domain={domain!r}, path={path!r}).",
                id="accounts.E002",
            ))
    return errors
