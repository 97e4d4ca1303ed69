"""Home Visits settings: one module, everything that differs between machines read from the environment.

Embedded defaults (nothing set) give a working single-machine install: SQLite in WAL mode and
Celery's filesystem broker in ``var/``. Production sets DATABASE_URL (PostgreSQL) and
CELERY_BROKER_URL (Redis); see README.md for the full list.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

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
    "accounts.admin_config.TwoFactorAdminConfig",
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
    # Only for migrating its plain-text backup codes to accounts.BackupCodeDevice (hashed); nothing
    # writes to it any more.
    "django_otp.plugins.otp_static",
    "csp",
    "axes",
    "simple_history",
    "accounts",
    "notifications",
    "visits",
    "safety",
    "audit",
    "misimport",
    "governors",
    "trusts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Which school a member of staff of several schools is working for (accounts.models.school_of).
    "homevisits.middleware.WorkingForMiddleware",
    # Every response to a signed-in user: Cache-Control no-store, private (wraps everything below).
    "homevisits.middleware.PrivateResponsesMiddleware",
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
# Lockout (django-axes, rules in accounts/lockout.py): 5 failed sign-ins for one username from one
# address pause it there for 15 minutes; 20 for one username from any addresses pause it everywhere,
# for 15 minutes doubling with every 10 more that day (up to 24 hours). Every try during a pause
# counts and starts it again. Admins unlock in the admin (Access attempts, or the Users list's
# action) or with `manage.py axes_reset_username NAME`.
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# The address a lockout counts from: X-Forwarded-For is believed only from our own proxies
# (accounts/proxies.py): addresses or CIDR ranges, comma-separated.
TRUSTED_PROXIES = [p.strip() for p in env.list("TRUSTED_PROXIES", default=[]) if p.strip()]
AXES_CLIENT_IP_CALLABLE = "accounts.views.client_ip"
# Each successful sign-in is recorded (who, address, browser, when) and kept this many days
# (audit.tasks.forget_old_sign_ins, daily).
SIGN_IN_LOG_DAYS = env.int("SIGN_IN_LOG_DAYS", default=90)
# Two-factor sign-in (django-otp, TOTP + one-time backup codes). Users with any of these roles
# (accounts/roles.py names) must set it up before anything else, and so must superusers while the
# list is not empty; anyone who has set it up must give a code at every sign-in.
TWO_FACTOR_REQUIRED_ROLES = env.list(
    "TWO_FACTOR_REQUIRED_ROLES",
    default=["Head of school", "DSL", "Office", "School admin", "Trust safeguarding lead", "Trust admin"],
)
OTP_TOTP_ISSUER = "Home Visits"
# A first authenticator needs the one-time link emailed to the account's owner (accounts.tokens);
# it works once, within this many seconds.
TWO_FACTOR_ENROLMENT_LINK_SECONDS = env.int("TWO_FACTOR_ENROLMENT_LINK_SECONDS", default=60 * 60)
# Forgotten-password emails (sent by the worker): at most this many an hour to one address, and
# this many requests an hour from one source address (accounts.throttle, counted in the database).
PASSWORD_RESET_PER_ADDRESS_PER_HOUR = env.int("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", default=3)
PASSWORD_RESET_PER_SOURCE_PER_HOUR = env.int("PASSWORD_RESET_PER_SOURCE_PER_HOUR", default=20)
# Any multipart request larger than this is refused before it is read (homevisits.uploads): the MIS
# export's own limit (5 MB, misimport.reading) and room for the form around it.
REQUEST_UPLOAD_MAX_BYTES = env.int("REQUEST_UPLOAD_MAX_BYTES", default=6 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "homevisits.uploads.BoundedRequestUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
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
# The base of every link in a notification or email: SITE_URL in production. Unset, it is the address
# `make run` serves on (WEB_HOST and WEB_PORT, as the Procfile binds them), so a link never says
# :8000 when the app runs on another port.
WEB_PORT = env.int("WEB_PORT", default=8000)
_WEB_HOST = env.str("WEB_HOST", default="127.0.0.1")
_WEB_HOST = "127.0.0.1" if _WEB_HOST in ("", "0.0.0.0") else ("localhost" if _WEB_HOST == "::" else _WEB_HOST)  # noqa: S104 - not binding
if ":" in _WEB_HOST:
    _WEB_HOST = f"[{_WEB_HOST}]"
SITE_URL = env.str("SITE_URL", default="") or f"http://{_WEB_HOST}:{WEB_PORT}"
# The SMS backend from before SMS_PROVIDER (a class with send(to, body, reference)); when set while
# SMS_PROVIDER is "console" it carries SMS (notifications.sms.BackendSms). Empty: SMS_PROVIDER decides.
SMS_BACKEND = env.str("SMS_BACKEND", default="")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms.log"))
# Delivery is at least once (notifications.tasks). A pending notification the broker refused is handed
# over again by the next scan; one the broker took is handed over again only when that was this
# long ago and it is still not sent (no worker is taking it, or the broker lost it). The default
# matches the broker's own redelivery of a task whose worker died (visibility_timeout below), so
# with no worker running a notification has one task waiting, not one per scan.
NOTIFICATION_RESEND_AFTER_SECONDS = env.int("NOTIFICATION_RESEND_AFTER_SECONDS", default=600)
# At most this many notifications handed over again by one scan.
NOTIFICATION_RESEND_BATCH = env.int("NOTIFICATION_RESEND_BATCH", default=100)
# A worker that began handing a message to the provider this long ago and never recorded the
# result has died: the next scan hands it over again, and the next attempt asks the provider first
# where it can (notifications.tasks; elsewhere it may arrive twice, same Message-ID).
# Longer than a send can take (EMAIL_TIMEOUT, the SMS client's timeout).
NOTIFICATION_SEND_LEASE_SECONDS = env.int("NOTIFICATION_SEND_LEASE_SECONDS", default=60)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=EMAIL_CONFIG.get("EMAIL_TIMEOUT") or 30)

# --- Delivery providers (notifications/providers/) ------------------------------------------
# Which provider carries each channel: a short name from notifications.providers.PROVIDERS or a
# dotted path to a class. Unset, a laptop writes SMS, calls and pushes to the log and sends email
# through EMAIL_URL; production without a real SMS provider is a readiness gap, never silent.
SMS_PROVIDER = env.str("SMS_PROVIDER", default="console")
VOICE_PROVIDER = env.str("VOICE_PROVIDER", default="console")
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER", default="django")
PUSH_PROVIDER = env.str("PUSH_PROVIDER", default="webpush")
# One HTTP request to a provider takes at most this long (connect and read), so a slow provider
# holds up only its own channel's worker, and well inside NOTIFICATION_SEND_LEASE_SECONDS.
PROVIDER_TIMEOUT_SECONDS = env.float("PROVIDER_TIMEOUT_SECONDS", default=10.0)
# GOV.UK Notify (README: setting up a school's Notify service). One template per channel whose whole
# content is ((body)) (email: subject ((subject))). NOTIFY_CALLBACK_TOKEN is the bearer token entered
# in the service's delivery-receipt callback settings.
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_SMS_TEMPLATE_ID = env.str("NOTIFY_SMS_TEMPLATE_ID", default="")
NOTIFY_EMAIL_TEMPLATE_ID = env.str("NOTIFY_EMAIL_TEMPLATE_ID", default="")
NOTIFY_SMS_SENDER_ID = env.str("NOTIFY_SMS_SENDER_ID", default="")
NOTIFY_EMAIL_REPLY_TO_ID = env.str("NOTIFY_EMAIL_REPLY_TO_ID", default="")
NOTIFY_CALLBACK_TOKEN = env.str("NOTIFY_CALLBACK_TOKEN", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
# Twilio: SMS and voice calls. The auth token also checks the signature of Twilio's callbacks.
# TWILIO_FROM_NUMBER is a Twilio number in E.164 form (calls and SMS); TWILIO_MESSAGING_SERVICE_SID,
# when set, sends SMS through a messaging service instead. TWILIO_REGION/TWILIO_EDGE pick Twilio's
# data centre; TWILIO_API_BASE_URL replaces https://api.twilio.com (a test's fake server).
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_REGION = env.str("TWILIO_REGION", default="") or None
TWILIO_EDGE = env.str("TWILIO_EDGE", default="") or None
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="")
# How long a call rings before it counts as not answered, and how long it waits for the key press.
TWILIO_CALL_RING_SECONDS = env.int("TWILIO_CALL_RING_SECONDS", default=30)
TWILIO_CALL_GATHER_SECONDS = env.int("TWILIO_CALL_GATHER_SECONDS", default=10)
# Web push (VAPID). VAPID_PRIVATE_KEY (the raw P-256 key, URL-safe base64, or a PEM), else a key
# generated on first start into the var directory beside secret_key. VAPID_SUBJECT is a mailto: or
# https: address push services can reach us at. Pushes live PUSH_TTL_SECONDS (at least an hour: a
# phone asleep drops a push with a short TTL).
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_KEY_FILE = VAR_DIR / "vapid_private_key.pem"
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="")
PUSH_TTL_SECONDS = max(3600, env.int("PUSH_TTL_SECONDS", default=4 * 3600))
# The push services a browser's subscription may point at (a leading dot: any subdomain): Chrome and
# Android (FCM), Firefox, Edge/Windows, Safari/iOS. A subscription elsewhere is refused, so a crafted
# one cannot make the server post into its own network. Plain-http endpoints only for tests.
PUSH_SERVICE_HOSTS = env.list("PUSH_SERVICE_HOSTS", default=[
    "fcm.googleapis.com", "updates.push.services.mozilla.com", ".notify.windows.com", ".push.apple.com",
])
PUSH_ALLOW_HTTP_ENDPOINTS = env.bool("PUSH_ALLOW_HTTP_ENDPOINTS", default=False)
# How an escalation's alert reaches each person: their channels in this order, per alert level (1-3),
# each tried when the one before was not confirmed delivered within NOTIFICATION_FALLBACK_SECONDS of
# that level (at once when it failed for good). A channel the person lacks (no device, no mobile) is
# skipped. NOTIFICATION_CHANNEL_ORDER_1..3 (comma-separated) override a level's order.
_CHANNEL_ORDER_DEFAULT = {1: "push,sms,email", 2: "push,sms,email", 3: "push,sms,voice,email"}
NOTIFICATION_CHANNEL_ORDER = {
    level: env.list(f"NOTIFICATION_CHANNEL_ORDER_{level}", default=default.split(","))
    for level, default in _CHANNEL_ORDER_DEFAULT.items()
}
NOTIFICATION_FALLBACK_SECONDS = {
    1: env.int("NOTIFICATION_FALLBACK_SECONDS_1", default=300),
    2: env.int("NOTIFICATION_FALLBACK_SECONDS_2", default=120),
    3: env.int("NOTIFICATION_FALLBACK_SECONDS_3", default=60),
}
# How long the "Take charge" link in an alert stays valid (safety.links); each link is used once.
TAKE_CHARGE_LINK_HOURS = env.int("TAKE_CHARGE_LINK_HOURS", default=12)

# --- Security -------------------------------------------------------------------------------
# Code words are stored encrypted (homevisits/crypto.py) with keys kept outside the database:
# FIELD_ENCRYPTION_KEYS (comma-separated, the first encrypts, all decrypt), else a key generated
# on first start into the var directory beside secret_key.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_ENCRYPTION_KEY_FILE = VAR_DIR / "field_encryption_key"
# HTTPS is on by default outside DEBUG; `make run` on a laptop serves plain http://127.0.0.1 and
# turns it off explicitly.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# Under HTTPS the cookies carry the __Host- prefix: a browser then keeps them only if they are Secure,
# for this exact host (no Domain) and Path=/, so neither a plain-http page nor a sibling subdomain can
# plant or overwrite them (accounts.checks holds the three conditions).
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
# Behind a TLS-terminating proxy (on by default once TRUSTED_PROXIES names it): X-Forwarded-Proto says
# whether the browser used HTTPS.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=bool(TRUSTED_PROXIES))
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
# The staff's own check-in page may ask for the phone's location, for those who opted in (safety.location).
PERMISSIONS_POLICY_CHECK_IN = PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")
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
# Each alert channel's deliveries have their own queue (notifications.tasks.queue_for), so a slow or
# failing provider never delays another channel's messages; the scan and the rest use "celery". A
# worker started without -Q (the Procfile's) consumes every queue listed here; one worker per queue
# (-Q notifications.sms) isolates the channels' processes too.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name) for name in ("celery", "notifications.push", "notifications.sms",
                                                "notifications.voice", "notifications.email")]
# How often beat runs the overdue scan (seconds). The monitoring banner and /health/ turn red
# when the last scan is older than WATCHDOG_STALE_INTERVALS of these.
WATCHDOG_INTERVAL_SECONDS = env.int("WATCHDOG_INTERVAL_SECONDS", default=10)
WATCHDOG_STALE_INTERVALS = env.int("WATCHDOG_STALE_INTERVALS", default=3)
# The watchdog watched from outside (safety.pings): after each scan the worker GETs this URL (a
# healthchecks-compatible check; URL + "/fail" when the scan raised). Empty: no ping. The ping
# waits at most HEARTBEAT_PING_TIMEOUT_SECONDS, kept below WATCHDOG_INTERVAL_SECONDS.
HEARTBEAT_PING_URL = env.str("HEARTBEAT_PING_URL", default="")
HEARTBEAT_PING_TIMEOUT_SECONDS = env.float("HEARTBEAT_PING_TIMEOUT_SECONDS", default=5.0)
# How often the office's live board (/out/) asks the server for its body (seconds).
BOARD_POLL_SECONDS = env.int("BOARD_POLL_SECONDS", default=10)
CELERY_BEAT_SCHEDULE = {
    # Retention (UK GDPR): anonymise what is past its school's retention period, weekly (Sunday 02:30 UTC).
    "apply-retention": {
        "task": "audit.tasks.apply_retention",
        "schedule": crontab(minute=30, hour=2, day_of_week="sunday"),
    },
    # Sign-in records (django-axes' access log: user, address, browser, times) older than this go daily.
    "forget-old-sign-ins": {
        "task": "audit.tasks.forget_old_sign_ins",
        "schedule": crontab(minute=15, hour=3),
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
    # No query strings (a family search) or calendar tokens in a log line (homevisits/logredact.py).
    "filters": {"scrub_paths": {"()": "homevisits.logredact.ScrubPathsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub_paths"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every step of every PDF at INFO; its warnings (a stylesheet it cannot read) still show.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"}},
}
