"""Django settings for Accord. Configuration only: no domain logic lives here.

Everything a deployer changes comes from the environment:
  DATABASE_URL        postgres://user:password@host:5432/name (default: SQLite in ACCORD_DATA_DIR)
  ACCORD_DATA_DIR     where the SQLite database and the generated secret key live (default ./var)
  ACCORD_SECRET_KEY   the secret key (default: generated once into ACCORD_DATA_DIR/secret_key)
  ACCORD_DEBUG        1 for Django's debug pages (never in production)
  ACCORD_ALLOWED_HOSTS  comma-separated host names (default: 127.0.0.1,localhost)
  EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS
                      send real e-mail by SMTP; without EMAIL_HOST e-mail is printed to the console
  ACCORD_FROM_EMAIL   the sender of Accord's e-mail
  ACCORD_HTTPS        1 when Accord is served over HTTPS only: secure cookies, HSTS for a year
                      (ACCORD_HSTS_SECONDS; ACCORD_HSTS_SUBDOMAINS=0 and ACCORD_HSTS_PRELOAD=0 to
                      leave those out) and a redirect from plain HTTP; ACCORD_BEHIND_PROXY=1
                      when a proxy in front ends TLS and sets X-Forwarded-Proto
  ACCORD_EVIDENCE_MAX_BYTES  the largest security evidence file accepted (default 10 MiB)
  ACCORD_DATASET_MAX_BYTES   the largest CSV or Excel dataset accepted (default 512 MiB)
  ACCORD_SHARED_FILE_MAX_BYTES  the largest file shared under an agreement (default 100 MiB)
  ACCORD_EXCHANGE_KEY_FILE  the age identity that encrypts files shared under agreements
                      (default ACCORD_DATA_DIR/keys/exchange.agekey, made on first use); back it
                      up apart from the data directory: without it the files cannot be read
  ACCORD_DB_CONNECT_TIMEOUT  seconds to wait for PostgreSQL to answer a new connection (default 3)
  ACCORD_PRODUCTION   1 in production mode (set by `accord serve --production`): hashed, compressed
                      static files from `collectstatic`; ACCORD_WORKERS and ACCORD_THREADS size
                      gunicorn (docs/deployment.md)
  ACCORD_CHECKPOINT_KEY_FILE, ACCORD_CHECKPOINT_LOG, ACCORD_CHECKPOINT_SECONDS
                      the key that signs the logs' checkpoints, the file they are appended to,
                      and how often the worker signs one (see below and ADR 9)
  ACCORD_DATA_SOURCES  JSON naming the PostgreSQL databases providers may register tables from:
                      {"mis": {"url": "postgres://reader:...@host/db", "organisations": ["..."]}}
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ACCORD_DATA_DIR", "var")).resolve()


def _secret_key() -> str:
    if key := os.environ.get("ACCORD_SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("ACCORD_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("ACCORD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "accord.apps.accounts",
    "accord.apps.organisations",
    "accord.apps.audit",
    "accord.apps.initiatives",
    "accord.apps.evidence",
    "accord.apps.agreements",
    "accord.apps.exchange",
    "accord.apps.register",
    "accord.apps.transparency",
    "accord.apps.notices",
    "accord.apps.reviews",
    "accord.apps.incidents",
    "accord.apps.disposal",
    "django_tasks_db",
    "ninja",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # widget templates for the GOV.UK form renderer
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accord.web.middleware.CorrelationIdMiddleware",
    "accord.web.middleware.ApiHttpsOnlyMiddleware",
    "accord.web.middleware.SentFileNamesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accord.apps.accounts.middleware.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accord.apps.accounts.middleware.SessionLimitsMiddleware",
    "accord.apps.accounts.middleware.PrivatePagesMiddleware",
    "accord.apps.accounts.middleware.MfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, so that a lock-out is decided after authentication has been attempted.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "accord.web.urls"
WSGI_APPLICATION = "accord.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.web.context.navigation",
            ],
            "builtins": ["accord.web.templatetags.govuk"],
        },
    }
]
FORM_RENDERER = "accord.web.forms.GovukFormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'accord.sqlite3'}",
        conn_max_age=60,
        # A kept connection is checked before each request reuses it, so one the database
        # dropped (a restart, a failover) is replaced rather than failing the request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Wait for a writer rather than fail at once: the dev server and tests write concurrently.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A database that is down or unreachable fails a request within seconds (a 503 page, see
    # accord.web.errors), not after the operating system's TCP time-out of minutes. A
    # ?connect_timeout= in DATABASE_URL wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("ACCORD_DB_CONNECT_TIMEOUT", "3"))
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Accord's words, the trade's and the person's own (ASVS 6.2.11): core/passwords.py.
    {"NAME": "accord.apps.accounts.passwords.ContextWordsValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "initiatives:list"

# Sessions: an idle time-out (renewed by a request at most once a minute: SessionRenewalMiddleware)
# and an absolute limit enforced by SessionLimitsMiddleware, whatever the activity.
SESSION_COOKIE_AGE = int(os.environ.get("ACCORD_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_RENEW_SECONDS = 60
# How long a register page's results are kept in each process's cache. They are keyed by the
# head of the audit chain, so any change makes them stale at once (accord.apps.register.views);
# 0 turns the cache off.
ACCORD_REGISTER_CACHE_SECONDS = int(os.environ.get("ACCORD_REGISTER_CACHE_SECONDS", 300))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("ACCORD_SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
HTTPS = os.environ.get("ACCORD_HTTPS") == "1"
# Behind a reverse proxy: it sets X-Forwarded-Proto and appends the client to X-Forwarded-For.
BEHIND_PROXY = os.environ.get("ACCORD_BEHIND_PROXY") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
# Messages ("Your authenticator app is set up") are kept in the session, so the only cookies are
# the session's and CSRF's, both named and flagged below.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
if HTTPS:
    # The __Host- prefix: browsers accept the cookie only if it is Secure, for the whole site
    # and from this host alone, so a sibling subdomain cannot plant or overwrite it.
    SESSION_COOKIE_NAME, CSRF_COOKIE_NAME = "__Host-sessionid", "__Host-csrftoken"
if HTTPS:
    # Served over HTTPS only: browsers are told to use nothing else for a year (HSTS), and a
    # plain-HTTP request is redirected. A proxy in front that ends TLS says so in
    # X-Forwarded-Proto (ACCORD_BEHIND_PROXY=1), or every request would look like plain HTTP.
    SECURE_HSTS_SECONDS = int(os.environ.get("ACCORD_HSTS_SECONDS", 365 * 24 * 60 * 60))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("ACCORD_HSTS_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("ACCORD_HSTS_PRELOAD", "1") == "1"
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^api/"]  # refused instead: ApiHttpsOnlyMiddleware
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Security evidence files (accord.apps.evidence): the largest accepted. They are stored under
# DATA_DIR / "evidence", never under STATIC_ROOT. Uploads larger than Django's in-memory limit
# (FILE_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB) are spooled to a temporary file, not held in memory.
ACCORD_EVIDENCE_MAX_BYTES = int(os.environ.get("ACCORD_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))

# Throttled sign-in: 5 failures for one e-mail address from one IP address lock both for 15 min.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accord.web.viewhelpers.client_ip"  # the client, not the proxy
AXES_USERNAME_FORM_FIELD = "email"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Accord"

# E-mail (Django 6.1 mailers): the console unless an SMTP server is configured.
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", 25)),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": os.environ.get("EMAIL_USE_TLS") == "1",
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("ACCORD_FROM_EMAIL", "Accord <accord@localhost>")

# Background work (notices, the review sweep) goes through a queue kept in the database, so no
# other server is needed: `accord worker` runs it, and `make run` starts one beside the site.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# How often the worker looks for reviews falling due, lapsed evidence, changes in the law and
# notices to retry.
ACCORD_SWEEP_SECONDS = int(os.environ.get("ACCORD_SWEEP_SECONDS", 900))
# Signed checkpoints of the audit and disclosure logs (ADR 9): the worker signs one every
# ACCORD_CHECKPOINT_SECONDS when a log has grown. The Ed25519 key lives in a file, never in the
# database (default ACCORD_DATA_DIR/keys/checkpoint.pem, made on first use, mode 0600): back it
# up apart from the database. Each checkpoint is also appended to ACCORD_CHECKPOINT_LOG (default
# ACCORD_DATA_DIR/checkpoints.jsonl), so deleting one from the database does not go unseen.
ACCORD_CHECKPOINT_SECONDS = int(os.environ.get("ACCORD_CHECKPOINT_SECONDS", 3600))
ACCORD_CHECKPOINT_KEY_FILE = os.environ.get("ACCORD_CHECKPOINT_KEY_FILE", "")
ACCORD_CHECKPOINT_LOG = os.environ.get("ACCORD_CHECKPOINT_LOG", "")

# Security headers. The CSP allows only our own files, plus inline scripts carrying the nonce.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],  # no page sets a <base>
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("ACCORD_STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Production mode (`accord serve --production` sets ACCORD_PRODUCTION=1; see docs/deployment.md)
# serves what `collectstatic` wrote: names carrying a hash of the content, cached for a year,
# compressed. Otherwise files are served straight from the package.
PRODUCTION = os.environ.get("ACCORD_PRODUCTION") == "1"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "accord.web.staticfiles.StaticStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG
# Production mode's gunicorn: processes, and threads in each. Each thread may hold a database
# connection: machines x processes x threads (+ the workers') must stay under PostgreSQL's
# max_connections (docs/deployment.md).
ACCORD_WORKERS = int(os.environ.get("ACCORD_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
ACCORD_THREADS = int(os.environ.get("ACCORD_THREADS") or 4)

# Agreements: invitations expire; late signatories are reminded, then their deputies.
ACCORD_BASE_URL = os.environ.get("ACCORD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ACCORD_INVITATION_DAYS = int(os.environ.get("ACCORD_INVITATION_DAYS", "14"))
ACCORD_REMINDER_DAYS = int(os.environ.get("ACCORD_REMINDER_DAYS", "7"))

# The exchange (accord.apps.exchange).
# PostgreSQL tables and views are reached only through sources the operator names here, never a
# connection string typed into a web form: no secrets in the database, no requests to arbitrary
# hosts. Each source lists the organisations (by name) that may register tables from it.
ACCORD_DATA_SOURCES: dict[str, dict[str, object]] = json.loads(
    os.environ.get("ACCORD_DATA_SOURCES", "{}")
)
ACCORD_DATASET_MAX_BYTES = int(os.environ.get("ACCORD_DATASET_MAX_BYTES", 512 * 1024 * 1024))
ACCORD_SHARED_FILE_MAX_BYTES = int(
    os.environ.get("ACCORD_SHARED_FILE_MAX_BYTES", 100 * 1024 * 1024)
)
ACCORD_TOKEN_SECONDS = int(os.environ.get("ACCORD_TOKEN_SECONDS", "3600"))
# After a secret is rotated the old one keeps working this long, so a partner can redeploy.
ACCORD_SECRET_OVERLAP_HOURS = int(os.environ.get("ACCORD_SECRET_OVERLAP_HOURS", "24"))
# Each page of a stream is decided, counted and logged on its own: a suspension takes effect at
# the next page, within about 60 ms at this size (make bench), and the agreement's lock is held
# for one page's read.
ACCORD_STREAM_PAGE_ROWS = int(os.environ.get("ACCORD_STREAM_PAGE_ROWS", "50000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ACCORD_LOG_LEVEL", "WARNING")},
}
