"""Production defaults of the security settings, read by a fresh interpreter with nothing set but a
key and a host (the test suite itself relaxes two of them in homevisits/testenv.py)."""



from accounts import roles

from .settings_probe import production_settings


def test_production_defaults():
    s = production_settings()
    assert s["SESSION_COOKIE_AGE"] == "1800" and s["SESSION_SAVE_EVERY_REQUEST"] == "True"
    assert s["SESSION_ABSOLUTE_SECONDS"] == str(12 * 3600)
    assert s["SESSION_COOKIE_SECURE"] == s["CSRF_COOKIE_SECURE"] == s["SESSION_COOKIE_HTTPONLY"] == "True"
    assert s["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert s["SECURE_SSL_REDIRECT"] == "True" and s["SECURE_HSTS_SECONDS"] == "31536000"
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] == "True"
    assert s["SECURE_REFERRER_POLICY"] == "same-origin" and s["X_FRAME_OPTIONS"] == "DENY"
    assert s["TWO_FACTOR_REQUIRED_ROLES"] == str([roles.HEAD, roles.DSL, roles.OFFICE, roles.SCHOOL_ADMIN,
                                                roles.TRUST_SAFEGUARDING_LEAD, roles.TRUST_ADMIN])
    # Lockout: per username + address and per username from anywhere (accounts/lockout.py).
    assert s["AXES_LOCKOUT_PARAMETERS"] == str([["username", "ip_address"], "username"])
    assert s["AXES_FAILURE_LIMIT"] == "accounts.lockout.failure_limit"
    assert s["AXES_COOLOFF_TIME"] == "accounts.lockout.cool_off"
    assert s["AXES_HANDLER"] == "accounts.lockout.LockoutHandler"
    # No proxy is believed until one is named.
    assert s["TRUSTED_PROXIES"] == "[]" and s["BEHIND_PROXY"] == "False"


def test_naming_the_proxies_trusts_them_and_their_https_header():
    s = production_settings(TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16")
    assert s["TRUSTED_PROXIES"] == str(["10.0.0.5", "10.1.0.0/16"]) and s["BEHIND_PROXY"] == "True"
