"""Django settings of the stand-in LTI platform process: no database, no apps, no middleware."""

import os

SECRET_KEY = "lti-test-platform-only"  # a test process on loopback only
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.lti.platform.urls"
INSTALLED_APPS: list[str] = []
# No CSRF: every POST here comes from another origin by design (the tool, or a form it auto-submits).
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
TIME_ZONE = "UTC"
APPEND_SLASH = False

LTI_PLATFORM_STATE_DIR = os.environ.get("LTI_PLATFORM_STATE_DIR", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
    },
}
