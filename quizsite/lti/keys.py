"""The tool's signing keys: django-lti's ``Key`` rows; the newest active one signs, all active ones are
published, so a rotation (``manage.py rotate_keys``) never breaks a token signed just before it."""

from __future__ import annotations

import secrets

from django.db import transaction
from lti_tool.models import Key


def signing_key() -> Key:
    """The key that signs now; the first one is generated on first use."""
    key = Key.objects.active().order_by("-datetime_created").first()
    if key is None:
        with transaction.atomic():
            key = (
                Key.objects.active().select_for_update().order_by("-datetime_created").first() or Key.objects.generate()
            )
    return key


def signing_kid(key: Key) -> str:
    """The ``kid`` the JWKS publishes for ``key``."""
    return key.as_jwk()["kid"]


def public_key_set() -> dict:
    """The JWKS: every active key, so tokens signed before a rotation still verify."""
    signing_key()
    return Key.objects.as_jwks()


def random_token() -> str:
    """An unguessable one-time token for URLs."""
    return secrets.token_urlsafe(32)
