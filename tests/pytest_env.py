"""Loaded with ``-p tests.pytest_env`` (see pyproject.toml) before Django reads its settings.

Tests run with DEBUG off, as production does, so they need a SECRET_KEY; an outside value wins.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("DEBUG", "0")
# Static files from the apps' folders: no collectstatic before each run (tests/web/test_static_compression.py
# covers what production serves).
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
# As in the worker (quizsite/celery.py): the checks run here too, one grading at a time.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
