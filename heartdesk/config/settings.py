"""Heartdesk settings: everything comes from environment variables with safe defaults.

HEARTDESK_DATA_DIR (./var)   SQLite database, secret key, uploaded files
DATABASE_URL                 postgres://… switches from SQLite to PostgreSQL
REDIS_URL                    redis://… switches the job queue (and cache) to Redis
HEARTDESK_DEBUG              development mode (false)
HEARTDESK_HTTPS              served over HTTPS: secure cookies, HSTS, redirect (false)
HEARTDESK_ALLOWED_HOSTS      comma-separated host names (127.0.0.1,localhost)
EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL
"""

from pathlib import Path

import dj_database_url

from heartdesk.config.secret import load_or_create_secret_key
from heartdesk.core.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent
DATA_DIR = Path(env_str("HEARTDESK_DATA_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("HEARTDESK_DEBUG", False)
HTTPS = env_bool("HEARTDESK_HTTPS", False)
SECRET_KEY = env_str("HEARTDESK_SECRET_KEY") or load_or_create_secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("HEARTDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("HEARTDESK_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "heartdesk.core",
    "heartdesk.accounts",
    "heartdesk.calendars",
    "heartdesk.customers",
    "heartdesk.messaging",
    "heartdesk.tickets",
    "heartdesk.webhooks",
    "heartdesk.surveys",
    "heartdesk.portal",
    "heartdesk.reporting",
    "heartdesk.api",
    "heartdesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "heartdesk.api.middleware.ApiProblemMiddleware",
]

ROOT_URLCONF = "heartdesk.config.urls"
WSGI_APPLICATION = "heartdesk.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "heartdesk.config.navigation.navigation",
                "heartdesk.messaging.context_processors.notifications",
            ],
        },
    }
]

# --- Data -----------------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "heartdesk.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
                # writers queue on the busy timeout instead of failing with "database is locked" mid-transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    INSTALLED_APPS.append("django_rq")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "heartdesk_cache"}}
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("HEARTDESK_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/files/"

# --- People ---------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tickets:queue"
LOGOUT_REDIRECT_URL = "accounts:login"
# Login throttling: after AXES_FAILURE_LIMIT failures for a username from one address, refuse for the cool-off.
AXES_FAILURE_LIMIT = env_int("HEARTDESK_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("HEARTDESK_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
API_TOKEN_DAYS = env_int("HEARTDESK_API_TOKEN_DAYS", 365)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HEARTDESK_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("HEARTDESK_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Locale ---------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = env_str("HEARTDESK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Front-end libraries come from the npm lock (package-lock.json), never copied into the repository.
NODE_MODULES = Path(env_str("HEARTDESK_NODE_MODULES", str(BASE_DIR / "node_modules")))
if (NODE_MODULES / "htmx.org" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"))
if (NODE_MODULES / "chart.js" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"))

# --- Mail -----------------------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Heartdesk <support@localhost>")

# --- Help desk ------------------------------------------------------------------------------------------------
TICKET_PREFIX = env_str("HEARTDESK_TICKET_PREFIX", "HD")
# Address customers write to and replies come from; the domain also names our Message-IDs.
SUPPORT_ADDRESS = env_str("HEARTDESK_SUPPORT_ADDRESS", "support@heartdesk.localhost")
# Mail from an address with no contact: "create" one, or "refuse" the message (logged, never answered).
UNKNOWN_SENDERS = env_str("HEARTDESK_UNKNOWN_SENDERS", "create")
MAIL_MAX_BYTES = env_int("HEARTDESK_MAIL_MAX_BYTES", 25 * 1024 * 1024)
ATTACHMENT_MAX_BYTES = env_int("HEARTDESK_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
# A customer reply within this many days of solving reopens the ticket; later it opens a follow-up ticket.
REOPEN_WINDOW_DAYS = env_int("HEARTDESK_REOPEN_WINDOW_DAYS", 7)
# First contact resolution: solved after one agent reply and not reopened within this many days.
FCR_WINDOW_DAYS = env_int("HEARTDESK_FCR_WINDOW_DAYS", 7)
# Promise reminders go to the agent this many minutes before the promised time.
PROMISE_REMINDER_MINUTES = env_int("HEARTDESK_PROMISE_REMINDER_MINUTES", 15)
# Public web form: at most this many tickets per address per hour.
WEB_FORM_PER_HOUR = env_int("HEARTDESK_WEB_FORM_PER_HOUR", 5)

# --- Surveys --------------------------------------------------------------------------------------------------
# The address customers reach the site at: survey links in emails start with it.
PUBLIC_URL = env_str("HEARTDESK_PUBLIC_URL", "http://127.0.0.1:8000")
# A poor survey answer opens a follow-up due this many hours later.
FOLLOW_UP_HOURS = env_int("HEARTDESK_FOLLOW_UP_HOURS", 24)
# Customer portal: an emailed sign-in link works once, for this many minutes.
PORTAL_LINK_MINUTES = env_int("HEARTDESK_PORTAL_LINK_MINUTES", 30)

# --- Limits ---------------------------------------------------------------------------------------------------
IMPORT_MAX_BYTES = env_int("HEARTDESK_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("HEARTDESK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
