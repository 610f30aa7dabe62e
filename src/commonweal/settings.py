"""All settings of commonweal, read from environment variables with documented defaults.

Every setting has a default that suits the embedded, single-machine installation (SQLite in a data folder).
Production mode (``COMMONWEAL_PRODUCTION=1``) refuses to start without an explicit secret key and allowed hosts.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Generic Django classes (forms.ModelChoiceField[SurveyRound], QuerySet[...]) can be subscripted at run time, as
# their type hints are.
django_stubs_ext.monkeypatch()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent

# COMMONWEAL_DATA_DIR: where the embedded database, generated secrets and uploads live. Default: ./data
DATA_DIR = Path(os.environ.get("COMMONWEAL_DATA_DIR", Path.cwd() / "data")).resolve()

# COMMONWEAL_PRODUCTION: 1 in production. Secrets must then be given explicitly; cookies are HTTPS-only.
PRODUCTION = _env_bool("COMMONWEAL_PRODUCTION", False)

# COMMONWEAL_DEBUG: Django's debug pages. Never in production. Default: off.
DEBUG = _env_bool("COMMONWEAL_DEBUG", False) and not PRODUCTION


def _secret_key() -> str:
    key = os.environ.get("COMMONWEAL_SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "COMMONWEAL_SECRET_KEY must be set in production mode (COMMONWEAL_PRODUCTION=1): "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    # The embedded default keeps a generated key in the data folder, so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# COMMONWEAL_SECRET_KEY: signs sessions and CSRF tokens. Generated into the data folder when not production.
SECRET_KEY = _secret_key()

# COMMONWEAL_ALLOWED_HOSTS: comma-separated host names the server answers to. Default: localhost only.
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("COMMONWEAL_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
if PRODUCTION and not os.environ.get("COMMONWEAL_ALLOWED_HOSTS"):
    raise ImproperlyConfigured(
        "COMMONWEAL_ALLOWED_HOSTS must be set in production mode, e.g. 'commonweal.example.org'."
    )

# COMMONWEAL_CSRF_TRUSTED_ORIGINS: comma-separated origins (scheme://host) allowed to post forms behind a proxy.
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("COMMONWEAL_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# COMMONWEAL_TRUSTED_PROXIES: comma-separated addresses or networks of the reverse proxies in front of the app.
# From these, the client's address is taken from X-Forwarded-For (for per-address rate limits and lock-outs).
# Default: none, so the connection's own address counts.
TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("COMMONWEAL_TRUSTED_PROXIES", "").split(",") if p.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "commonweal.core",
    "commonweal.accounts",
    "commonweal.systems",
    "commonweal.conversations",
    "commonweal.network",
    "commonweal.reports",
    "commonweal.pulse",
    "commonweal.communities",
    "commonweal.strategy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of the pages: the one a person chose in the switcher (a cookie), else their browser's.
    "django.middleware.locale.LocaleMiddleware",
    "commonweal.core.middleware.StaffPagesInEnglishMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "commonweal.core.middleware.SecurityHeadersMiddleware",
    "commonweal.core.middleware.RequestLimitsMiddleware",
    "commonweal.core.middleware.ErrorPageMiddleware",
]
# COMMONWEAL_MAX_QUERY_STRING: the longest query string (the part of an address after '?', in characters) the
# app answers; a longer one is refused with 414 query_too_long. Below gunicorn's own limit on the request line
# (8,190 bytes), so that the refusal is the app's, in its one error shape. Default: 4096.
MAX_QUERY_STRING = int(os.environ.get("COMMONWEAL_MAX_QUERY_STRING", "4096"))

ROOT_URLCONF = "commonweal.urls"
WSGI_APPLICATION = "commonweal.wsgi.application"

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
                "commonweal.core.context_processors.site",
            ],
        },
    }
]

# COMMONWEAL_DATABASE_URL: e.g. postgres://user:pass@host:5432/commonweal. Default: SQLite in the data folder.
DATABASE_URL = os.environ.get("COMMONWEAL_DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    # COMMONWEAL_DB_PREPARED_STATEMENTS: bind parameters on the server, so psycopg prepares the statements a
    # connection runs again and again (a vote's, a next statement's): PostgreSQL then parses and plans each once
    # per connection instead of on every request, which halves its CPU per vote. Turn it off (0) behind a
    # connection pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
    # Default: on.
    if _env_bool("COMMONWEAL_DB_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "commonweal.sqlite3"),
            "OPTIONS": {
                # WAL lets readers work while one writer commits; IMMEDIATE avoids upgrade deadlocks.
                # synchronous=FULL: a vote acknowledged to a participant survives a power cut, not only a crash.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; "
                    "PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# A failed CSRF check (an expired form, cookies blocked) renders in the site layout with what to do next.
CSRF_FAILURE_VIEW = "commonweal.core.views.csrf_failure"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/manage/"
LOGOUT_REDIRECT_URL = "/"

# COMMONWEAL_LOGIN_MAX_FAILURES: failed logins for one username (or from one address) before a lock-out.
LOGIN_MAX_FAILURES = int(os.environ.get("COMMONWEAL_LOGIN_MAX_FAILURES", "5"))
# COMMONWEAL_LOGIN_LOCKOUT_MINUTES: how long a lock-out lasts.
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("COMMONWEAL_LOGIN_LOCKOUT_MINUTES", "15"))

# Rate limits, "count/seconds". Per participant for votes and statements, per IP address for joins.
# COMMONWEAL_RATE_VOTES: votes one participant may cast in a window. Default: 120 a minute.
RATE_VOTES = os.environ.get("COMMONWEAL_RATE_VOTES", "120/60")
# COMMONWEAL_RATE_STATEMENTS: statements one participant may submit in a window. Default: 10 in 10 minutes.
RATE_STATEMENTS = os.environ.get("COMMONWEAL_RATE_STATEMENTS", "10/600")
# COMMONWEAL_RATE_JOINS: participants one IP address may create in a window. Default: 300 an hour
# (an event venue shares one address among many phones).
RATE_JOINS = os.environ.get("COMMONWEAL_RATE_JOINS", "300/3600")
# COMMONWEAL_RATE_SURVEY_RESPONSES: respondents one organisation's survey link may start in a window. Default:
# 100 an hour (a link leaked or a script cannot fill the round with empty responses).
RATE_SURVEY_RESPONSES = os.environ.get("COMMONWEAL_RATE_SURVEY_RESPONSES", "100/3600")

# Shared report links (the report part).
# COMMONWEAL_RATE_REPORT_LINKS: secret report links one IP address may open (page or PDF) in a window. Default:
# 60 a minute (a board opening its link together shares one address; guessing tokens is slowed to a crawl).
RATE_REPORT_LINKS = os.environ.get("COMMONWEAL_RATE_REPORT_LINKS", "60/60")

# Similar statements while typing (the participant part).
# COMMONWEAL_RATE_SIMILAR: look-ups of similar statements one participant may make in a window, as they type
# a statement. Default: 120 a minute (one every 400 ms of typing, with room to spare).
RATE_SIMILAR = os.environ.get("COMMONWEAL_RATE_SIMILAR", "120/60")

# The community asset register (the communities app).
# COMMONWEAL_RATE_ASSET_SUBMISSIONS: assets one IP address may add through a public asset mapping link in a
# window. Default: 20 an hour (a community event shares one address; a script cannot flood the queue).
RATE_ASSET_SUBMISSIONS = os.environ.get("COMMONWEAL_RATE_ASSET_SUBMISSIONS", "20/3600")
# COMMONWEAL_MAP_TILES: the address of a tile server for the asset map, as Leaflet takes it
# ("https://tiles.example.org/{z}/{x}/{y}.png"). Default: empty, no tiles and no request to another site: the map
# draws the assets over a plain background.
MAP_TILES = os.environ.get("COMMONWEAL_MAP_TILES", "")
# COMMONWEAL_MAP_ATTRIBUTION: the credit the tile server asks for, shown on the map. Default: empty.
MAP_ATTRIBUTION = os.environ.get("COMMONWEAL_MAP_ATTRIBUTION", "")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# COMMONWEAL_SECURE_COOKIES: send cookies over HTTPS only. Default: on in production, off otherwise.
SESSION_COOKIE_SECURE = _env_bool("COMMONWEAL_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
# A participant's session lasts long enough to come back to a conversation on the same device.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 180
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = int(os.environ.get("COMMONWEAL_HSTS_SECONDS", "31536000"))
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The participant pages speak British English (the default, and the language of anything untranslated), Welsh
# and Urdu (written right to left). The Welsh and Urdu catalogues (src/commonweal/locale/) await review by a
# native speaker, and the language list says so; scripts/compile_messages.py compiles them.
LANGUAGE_CODE = "en-gb"
# Each named in its own language, as the switcher shows it to someone looking for theirs.
LANGUAGES = [
    ("en-gb", "English"),
    ("cy", "Cymraeg"),
    ("ur", "اردو"),
]
LANGUAGES_BIDI = ["ur"]
# Languages whose translation of the participant pages is not yet checked by a native speaker.
LANGUAGES_AWAITING_REVIEW = ["cy", "ur"]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The staff pages are in English only, whatever the browser asks (core.middleware.StaffPagesInEnglishMiddleware):
# the facilitators' pages, sign-in, the API docs, an organisation's commitments link (/commit/) and the board's
# report links (/r/ and /sr/), whose words are not translated.
ENGLISH_ONLY_PATHS = ["/manage/", "/accounts/", "/api/docs", "/commit/", "/r/", "/sr/"]
# The language chosen in the switcher is kept for a year, in a cookie sent only to this site.
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("COMMONWEAL_STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
with contextlib.suppress(OSError):  # WhiteNoise warns about a missing folder; collectstatic fills it.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve static files straight from the finders when collectstatic has not run (tests, development).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "commonweal"},
}

# COMMONWEAL_PUBLIC_URL: the address participants reach the site at, e.g. https://commonweal.example.org; the
# participant links and QR codes on facilitator pages use it. Default: the address of the facilitator's request.
PUBLIC_URL = os.environ.get("COMMONWEAL_PUBLIC_URL", "").rstrip("/")

# COMMONWEAL_SITE_NAME: shown in the header.
SITE_NAME = os.environ.get("COMMONWEAL_SITE_NAME", "commonweal")

# COMMONWEAL_PDF_WAIT_SECONDS: how long a request for a report's PDF waits for it to render before the page shows
# its progress instead (and asks again every two seconds). Rendered PDFs are kept, so this is the first one only.
REPORT_PDF_WAIT_SECONDS = float(os.environ.get("COMMONWEAL_PDF_WAIT_SECONDS", "2"))

# COMMONWEAL_SMALL_NUMBER: no breakdown shows a cell of fewer people than this.
SMALL_NUMBER_THRESHOLD = int(os.environ.get("COMMONWEAL_SMALL_NUMBER", "5"))

# COMMONWEAL_STRATEGY_STALE_DAYS: a commitment with no progress update for this many days shows "no update since".
STRATEGY_STALE_DAYS = int(os.environ.get("COMMONWEAL_STRATEGY_STALE_DAYS", "90"))

# --- Exports and the Pol.is import (reports/polis_import.py) ---
# COMMONWEAL_POLIS_IMPORT_MAX_MB: the largest Pol.is export (a zip or its CSV files together) the import page takes.
POLIS_IMPORT_MAX_MB = int(os.environ.get("COMMONWEAL_POLIS_IMPORT_MAX_MB", "100"))
# COMMONWEAL_IMPORT_MAX_VOTES: the most vote events (rows of votes.csv, or answered cells of participants-votes.csv)
# one Pol.is import takes, counted before anything is loaded. Default: 2,000,000.
IMPORT_MAX_VOTES = int(os.environ.get("COMMONWEAL_IMPORT_MAX_VOTES", "2000000"))
# COMMONWEAL_IMPORT_MAX_PARTICIPANTS: the most Pol.is participants (voters) one import takes. Default: 200,000.
IMPORT_MAX_PARTICIPANTS = int(os.environ.get("COMMONWEAL_IMPORT_MAX_PARTICIPANTS", "200000"))

# --- The analysis worker (conversations/worker.py) ---
# COMMONWEAL_WORKER: "embedded" (default): `commonweal serve` starts the analysis worker as its own child process;
# "off": it does not (production runs `commonweal worker` separately).
WORKER = os.environ.get("COMMONWEAL_WORKER", "embedded").strip().lower()
if WORKER not in ("embedded", "off"):
    raise ImproperlyConfigured(f"COMMONWEAL_WORKER must be 'embedded' or 'off', not {WORKER!r}.")
# COMMONWEAL_ANALYSIS_INTERVAL: least seconds between two analyses of one conversation under load. Default: 2.
ANALYSIS_INTERVAL = float(os.environ.get("COMMONWEAL_ANALYSIS_INTERVAL", "2"))
# COMMONWEAL_ANALYSIS_POLL: seconds between the worker's looks for new votes and moderation. Default: 0.25.
ANALYSIS_POLL = float(os.environ.get("COMMONWEAL_ANALYSIS_POLL", "0.25"))
# COMMONWEAL_WORKER_STALE_AFTER: seconds without a heartbeat (every 5 s) after which /healthz and the results
# pages say the analysis worker has stopped reporting. Default: 120.
WORKER_STALE_AFTER = float(os.environ.get("COMMONWEAL_WORKER_STALE_AFTER", "120"))

# COMMONWEAL_LOG_LEVEL: logging level of commonweal's own loggers.
LOG_LEVEL = os.environ.get("COMMONWEAL_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "commonweal": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

NINJA_PAGINATION_PER_PAGE = 100
