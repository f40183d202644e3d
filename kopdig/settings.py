"""Kopdig settings: every value that differs between installations comes from the environment.

The defaults run Kopdig embedded: a SQLite file under ``data/`` (WAL, busy timeout, foreign
keys on) and a secret key generated once into that folder. Production sets ``DATABASE_URL``,
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DEBUG`` and nothing else differs.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KOPDIG_DATA_DIR", BASE_DIR / "data"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # Embedded mode: one random key per installation, kept beside the database, never in git.
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
# Served to the world over HTTPS (behind a proxy that terminates TLS): strict transport
# security, cookies only over HTTPS. Off by default so the embedded laptop install and the
# demo work over plain http://127.0.0.1.
PRODUCTION = _env_bool("KOPDIG_PRODUCTION", False)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "core",
    "registry",
    "members",
    "ledger",
    "savings",
    "loans",
    "closing",
    "migration",
    "notify",
    "django_tasks",
    "django_tasks_db",
    "dashboard",
    # After the dashboard: its demo step writes the district's sample adoption first, then the
    # portal's activates the demo members who sign in (portal/demo.py).
    "portal",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, precompressed, end here
    # Pages compressed for phones on 3G (a 45 KB chart of accounts travels as about 6 KB);
    # Django's GZip adds random padding to each response against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "registry.middleware.PasswordChangeRequired",
    "core.middleware.NoStoreWhenSignedIn",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kopdig.urls"
WSGI_APPLICATION = "kopdig.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kopdig" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "registry.access.context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_OPTIONS = {
    # One writer at a time, waiting (not failing) for the lock: BEGIN IMMEDIATE + busy timeout.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=20000;"
        # 64 MB page cache (the default is 2 MB): a koperasi's books outgrow 2 MB quickly, and
        # each page missed costs every insert into the ledger's indexes (bench/ledger.py).
        "PRAGMA cache_size=-65536;"
    ),
}

_database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kopdig.sqlite3'}"
# Connections are kept for a minute (checked before reuse): opening one costs more than a whole
# counter deposit's queries, and on SQLite a new connection also loses its page cache.
DATABASES = {
    "default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background jobs ----------------------------------------------------------------------
# django-tasks (the backport of Django 6's tasks) with its database backend: jobs wait in a
# table, run by ``kopdig db_worker`` beside the web server; no broker. The tests run them at
# once (tests/closing/conftest.py).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("KOPDIG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Notifications (the outbox: core/outbox.py, core/notify/backends.py) -------------------------
# ``console`` prints each message (the default, the demo); ``http`` posts it as JSON to a
# WhatsApp/SMS gateway at KOPDIG_NOTIFY_URL with the bearer token KOPDIG_NOTIFY_TOKEN.
KOPDIG_NOTIFY = {
    "BACKEND": os.environ.get("KOPDIG_NOTIFY_BACKEND", "console"),
    "URL": os.environ.get("KOPDIG_NOTIFY_URL", ""),
    "TOKEN": os.environ.get("KOPDIG_NOTIFY_TOKEN", ""),
    "TIMEOUT": float(os.environ.get("KOPDIG_NOTIFY_TIMEOUT", "10")),
    "MAX_ATTEMPTS": int(os.environ.get("KOPDIG_NOTIFY_MAX_ATTEMPTS", "8")),
}
# The public receipt check (/k/<kode>/cek/): look-ups per address per window (in the cache).
KOPDIG_RECEIPT_CHECK_LIMIT = int(os.environ.get("KOPDIG_RECEIPT_CHECK_LIMIT", "30"))
KOPDIG_RECEIPT_CHECK_WINDOW = int(os.environ.get("KOPDIG_RECEIPT_CHECK_WINDOW", "600"))

# --- Auth -----------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Every password set in Kopdig passes these (the demo command alone writes its shared password
# around them): not like the username or name, not a common one, at least 10 characters, not
# digits only, and not the product's name or the demo's password.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "registry.passwords.KnownWordsValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five wrong passwords for one username from one address lock it for 15 min;
# ten from one address, whatever the usernames, lock the address (registry/lockout.py).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
KOPDIG_LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("KOPDIG_LOGIN_IP_FAILURE_LIMIT", "10"))
AXES_HANDLER = "registry.lockout.LoginLockHandler"
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registry/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The refusal of a stale form, in Indonesian inside the layout (kopdig/errors.py).
CSRF_FAILURE_VIEW = "kopdig.errors.csrf_failure"

# --- Headers --------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    # The proxy in front (nginx, Caddy) says the request came over HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script anywhere: scripts are static files from this site. Styles may be inline
# (``style=""`` attributes; htmx's indicator style), which cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kopdig" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Makassar"  # WITA; a koperasi may choose another zone of its own
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names after ``kopdig collectstatic`` (cached for a year, gzip and brotli beside
    # each); a file not collected yet keeps its plain name (core/staticstorage.py).
    "staticfiles": {"BACKEND": "core.staticstorage.StaticStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
