"""Essayons settings: read from environment variables only.

Each variable is documented in docs/configuration.md; a test fails when one is not.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from essayons.lib.env import envbool, envint, envlist, envstr, secret_from_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("ESSAYONS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY") or secret_from_file(VAR_DIR / "secret_key")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "essayons.ops",
    "essayons.accounts",
    "essayons.diagnostic",
    "essayons.brand",
    "essayons.planner",
    "essayons.connectors",
    "essayons.publishing",
    "essayons.inbox",
    "essayons.tracking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "essayons.urls"
WSGI_APPLICATION = "essayons.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "essayons" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "essayons.accounts.context_processors.current_business",
            ],
        },
    },
]

# Storage: SQLite (WAL) under ./var/ by default, PostgreSQL when DATABASE_URL says so.
DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "essayons.sqlite3"),
            "OPTIONS": {
                # WAL lets the web server read while the worker writes;
                # IMMEDIATE takes the write lock at BEGIN so conditional updates never deadlock.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login guessing: lock an (address, account) pair after a few failures for a while.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# E-mails sent on request (password resets, invitations): at most this many per hour asked
# from one visitor address; per recipient the forms have their own, lower, limits.
EMAILS_PER_HOUR_PER_IP = envint("EMAILS_PER_HOUR_PER_IP", 20)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "essayons" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Paris"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "essayons" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Oversized posts answer 400 instead of being read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("MAX_REQUEST_BYTES", 2_500_000)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# E-mail: the console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = envstr("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Essayons <essayons@localhost>")

# Background work: django-tasks (Django 6's task framework, backported); the backend is a setting.
TASKS_BACKEND = envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
REDIS_URL = envstr("REDIS_URL", "redis://127.0.0.1:6379/0")
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default"]}}
if TASKS_BACKEND.startswith("django_tasks_rq"):
    # django_rq provides the `rqworker` command that `launch` starts for this backend.
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}

INVITATION_DAYS = envint("INVITATION_DAYS", 7)

# Networks: the self-hoster's own app credentials (docs/connectors/<network>.md).
FACEBOOK_APP_ID = envstr("FACEBOOK_APP_ID")
FACEBOOK_APP_SECRET = envstr("FACEBOOK_APP_SECRET")
FACEBOOK_WEBHOOK_VERIFY_TOKEN = envstr("FACEBOOK_WEBHOOK_VERIFY_TOKEN")
META_GRAPH_VERSION = envstr("META_GRAPH_VERSION", "v26.0")
GOOGLE_CLIENT_ID = envstr("GOOGLE_CLIENT_ID")
GOOGLE_CLIENT_SECRET = envstr("GOOGLE_CLIENT_SECRET")
LINKEDIN_CLIENT_ID = envstr("LINKEDIN_CLIENT_ID")
LINKEDIN_CLIENT_SECRET = envstr("LINKEDIN_CLIENT_SECRET")
LINKEDIN_API_VERSION = envstr("LINKEDIN_API_VERSION", "202605")
BLUESKY_PDS_URL = envstr("BLUESKY_PDS_URL", "https://bsky.social")

# Publishing (docs/adr/0005).
PUBLISH_TICK_SECONDS = envint("PUBLISH_TICK_SECONDS", 5)
PUBLISH_THREADS = envint("PUBLISH_THREADS", 16)
PUBLISH_LEASE_SECONDS = envint("PUBLISH_LEASE_SECONDS", 900)
PUBLISH_QUEUE_LEASE_SECONDS = envint("PUBLISH_QUEUE_LEASE_SECONDS", 600)
PUBLISH_LATE_ALERT_MINUTES = envint("PUBLISH_LATE_ALERT_MINUTES", 10)
PUBLISH_MAX_ATTEMPTS = envint("PUBLISH_MAX_ATTEMPTS", 5)
PUBLISH_TICK_LIMIT = envint("PUBLISH_TICK_LIMIT", 2000)

# Tracked links: the redirect (see docs/redirect.md for the lean server used at scale).
TRACKING_ANONYMISE_IP = envbool("TRACKING_ANONYMISE_IP", True)
REDIRECT_CACHE_SECONDS = envint("REDIRECT_CACHE_SECONDS", 10)
# How often the inbox reads the networks that do not push (Google reviews, Instagram, …).
INBOX_POLL_MINUTES = envint("INBOX_POLL_MINUTES", 15)
REDIRECT_FLUSH_MS = envint("REDIRECT_FLUSH_MS", 200)
REDIRECT_BATCH_SIZE = envint("REDIRECT_BATCH_SIZE", 250)

# Production hardening, switched on by HTTPS=true behind a TLS-terminating proxy.
HTTPS = envbool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
