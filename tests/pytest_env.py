"""Loaded with ``-p tests.pytest_env`` (see pyproject.toml) before Django reads its settings.

Tests run with DEBUG off, as production does, so they need a SECRET_KEY; an outside value wins.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("DEBUG", "0")
