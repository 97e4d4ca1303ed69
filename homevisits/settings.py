"""Home Visits settings: one module, everything that differs between machines read from the environment.

Embedded defaults (nothing set) give a working single-machine install: SQLite in WAL mode and
Celery's filesystem broker in ``var/``. Production sets DATABASE_URL (PostgreSQL) and
CELERY_BROKER_URL (Redis); see README.md for the full list.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("HOMEVISITS_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# The environment wins; otherwise the key `make run` generated and keeps for this install.
_KEY_FILE = VAR_DIR / "secret_key"
SECRET_KEY = env.str("SECRET_KEY", default="") or (_KEY_FILE.read_text().strip() if _KEY_FILE.is_file() else "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(`make run` generates one in var/secret_key on first start)."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if not DEBUG else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The Django admin, on a site that also wants a verified second factor (accounts/admin_site.py).
    "accounts.admin_site.TwoFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "bootstrap",
    "js_lib_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "axes",
    "simple_history",
    "accounts",
    "visits",
    "safety",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Who made a change, for the change history (django-simple-history; audit page).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "homevisits.middleware.PermissionsPolicyMiddleware",
    "homevisits.middleware.SessionLimitsMiddleware",
    "homevisits.middleware.LoginRequiredEverywhereMiddleware",
    "homevisits.middleware.TwoFactorMiddleware",
    # Last: turns a lockout flagged during authentication into the friendly lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "homevisits.urls"
WSGI_APPLICATION = "homevisits.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "homevisits.context_processors.school_and_role",
                "homevisits.context_processors.monitoring",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Web, worker and beat write at once, so the embedded SQLite runs in WAL mode with IMMEDIATE
# transactions (a writer takes the lock up front instead of failing half-way) and a busy timeout.
SQLITE_PATH = VAR_DIR / "homevisits.sqlite3"
_DB_HELP = "Use e.g. postgres://user:password@host:5432/name, or unset it for the embedded SQLite file."
try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL ({exc}). {_DB_HELP}") from exc
if DATABASES["default"]["ENGINE"] not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured(f"DATABASE_URL must point at PostgreSQL or SQLite. {_DB_HELP}")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file, not :memory:, so a real Celery worker started by a test can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_homevisits.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Axes first: it refuses a locked-out username + IP before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Lockout (django-axes): 5 failed sign-ins for one username from one IP address, then 15 minutes
# off; every further try during the lockout starts the 15 minutes again. Admins unlock in the
# admin (Access attempts) or with `manage.py axes_reset_username NAME`.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Behind a proxy every request comes from the proxy's address; the client's is the last one the
# proxy appended to X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "accounts.views.client_ip"
# Two-factor sign-in (django-otp, TOTP + one-time backup codes). Users with any of these roles
# (accounts/roles.py names) must set it up before anything else, and so must superusers while the
# list is not empty; anyone who has set it up must give a code at every sign-in.
TWO_FACTOR_REQUIRED_ROLES = env.list(
    "TWO_FACTOR_REQUIRED_ROLES", default=["Head of school", "DSL", "Office", "School admin"]
)
OTP_TOTP_ISSUER = "Home Visits"
# Sessions: 30 minutes idle (every request moves the expiry on), 12 hours at most from sign-in;
# staff out on a visit keep their session until they are back (homevisits.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60

# --- Time: aware datetimes, UTC in the database, Europe/London on screen ----------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "GB"
PHONENUMBER_DEFAULT_FORMAT = "E164"

# --- Static files: from registry wheels, served by whitenoise from our own origin ------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
# Files browsers ask for at the site's root: /favicon.ico (static/img/favicon.svg drawn at 16, 32 and
# 48 px), served by whitenoise before any sign-in check, so no page's first load meets a 404.
WHITENOISE_ROOT = BASE_DIR / "public"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# For the file backend (filemail://): django-environ drops the leading slash of a path in the URL.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Home Visits <homevisits@localhost>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SMS_BACKEND = env.str("SMS_BACKEND", default="safety.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms.log"))
# A notification still waiting this long after it was recorded is handed to the worker again by
# the next scan (the broker may have been down when it was first queued, or the worker killed).
NOTIFICATION_RESEND_AFTER_SECONDS = env.int("NOTIFICATION_RESEND_AFTER_SECONDS", default=60)

# --- Security -------------------------------------------------------------------------------
# HTTPS is on by default outside DEBUG; `make run` on a laptop serves plain http://127.0.0.1 and
# turns it off explicitly.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"
# Content Security Policy (django-csp 4): our own origin only, no inline script or style anywhere
# (htmx's inline indicator style is switched off in base.html); data: images for Bootstrap's icons
# and the two-factor QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features the app does not use are switched off for every page.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), " \
    "hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), browsing-topics=()"
SILENCED_SYSTEM_CHECKS = [] if HTTPS else ["security.W004", "security.W008", "security.W012", "security.W016"]

# --- Celery ---------------------------------------------------------------------------------
CELERY_DATA_DIR = VAR_DIR / "celery-broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (CELERY_DATA_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(CELERY_DATA_DIR / "control"),
    }
else:
    # A task not acknowledged within this long is redelivered; it must exceed the task time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"  # Celery's own clock; the school's time only matters on screen.
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True  # a task is only gone from the queue once it has finished
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a worker killed mid-task hands the task back
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often beat runs the overdue scan (seconds). The monitoring banner and /health/ turn red
# when the last scan is older than WATCHDOG_STALE_INTERVALS of these.
WATCHDOG_INTERVAL_SECONDS = env.int("WATCHDOG_INTERVAL_SECONDS", default=10)
WATCHDOG_STALE_INTERVALS = env.int("WATCHDOG_STALE_INTERVALS", default=3)
# How often the office's live board (/out/) asks the server for its body (seconds).
BOARD_POLL_SECONDS = env.int("BOARD_POLL_SECONDS", default=10)
CELERY_BEAT_SCHEDULE = {
    # Retention (UK GDPR): anonymise what is past its school's retention period, weekly (Sunday 02:30 UTC).
    "apply-retention": {
        "task": "audit.tasks.apply_retention",
        "schedule": crontab(minute=30, hour=2, day_of_week="sunday"),
    },
    "watchdog-scan": {
        "task": "safety.tasks.scan_overdue",
        "schedule": float(WATCHDOG_INTERVAL_SECONDS),
        # Every scan looks at the state of all visits, so a backlog of stale scans after an outage
        # is pointless: the next one catches up on its own.
        "options": {"expires": float(WATCHDOG_INTERVAL_SECONDS)},
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
