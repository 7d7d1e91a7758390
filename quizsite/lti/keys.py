"""The tool's signing keys: django-lti's ``Key`` rows; the newest active one signs, and every active one is
published, so a token signed just before a rotation still verifies after it."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from itertools import pairwise

from django.db import transaction
from django.utils import timezone
from lti_tool.models import Key

log = logging.getLogger(__name__)


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


def keys_rotate(*, retire_after: timedelta) -> Key:
    """Make a new signing key and retire each key that was replaced more than ``retire_after`` ago.

    A replaced key stays published for ``retire_after`` (platforms cache our JWKS, and tokens signed with it
    may still be on their way). Unlike django-lti's ``rotate_keys``, which retires keys by their age, this
    never retires a key that was signing a moment ago. Returns the new key.
    """
    with transaction.atomic():
        new = Key.objects.generate()
        active = list(Key.objects.active().select_for_update().order_by("datetime_created", "pk"))
        cutoff = timezone.now() - retire_after
        retired = [older.pk for older, newer in pairwise(active) if newer.datetime_created < cutoff]
        Key.objects.filter(pk__in=retired).update(is_active=False)
    log.info("LTI signing key %s made; %d retired", signing_kid(new), len(retired))
    return new
