"""Writes for accounts: demo users, API clients and the external learners they act for."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from quizsite.accounts.models import ApiClient, ExternalLearner, Scope

KEY_PREFIX = "gg_"
# Printable ASCII without spaces: LMS ids are numbers, UUIDs, e-mail addresses or opaque strings.
_EXTERNAL_ID = re.compile(r"^[\x21-\x7e]{1,255}$")


class InvalidExternalId(ValueError):
    """An ``X-Learner-Id`` that is empty, too long or not printable ASCII."""


def demo_user_ensure(*, username: str, password: str, staff: bool) -> tuple[object, str]:
    """Create (or reset the password of) a demo account; return it with its API token key."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.is_staff = staff
    user.is_superuser = staff
    user.save()
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key


def _digest(key: str) -> str:
    # Keys are 256-bit random strings, so a plain hash is enough (no slow KDF needed, unlike passwords).
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key(client: ApiClient) -> str:
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    client.key_prefix = prefix
    client.key_hash = _digest(key)
    return key


def api_client_init(*, client: ApiClient) -> str:
    """Give an unsaved client its service account and a key, save it, and return the key (shown once).

    Unknown scopes raise ``ValueError``.
    """
    unknown = set(client.scopes) - set(Scope.values)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    with transaction.atomic():
        client.service_user = _account_without_password(f"client-{secrets.token_hex(5)}")
        key = _new_key(client)
        client.save()
    return key


def api_client_create(*, name: str, owner, scopes: list[str]) -> tuple[ApiClient, str]:
    """Create an API client; return it and its key, which is not stored and cannot be shown again."""
    client = ApiClient(name=name, owner=owner, scopes=list(scopes))
    return client, api_client_init(client=client)


def api_client_rotate_key(*, client: ApiClient) -> str:
    """Replace a client's key (the old one stops working at once); return the new key."""
    key = _new_key(client)
    client.save(update_fields=["key_prefix", "key_hash"])
    return key


def api_client_for_key(key: str) -> ApiClient | None:
    """The active client whose key this is, or None; records when it was last used."""
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return None
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    client = ApiClient.objects.select_related("service_user").filter(key_prefix=prefix, is_active=True).first()
    if client is None or not hmac.compare_digest(client.key_hash, _digest(key)):
        return None
    now = timezone.now()
    # At most one write a minute per client, so authentication does not write on every request.
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    return client


def external_learner_user(*, client: ApiClient, external_id: str):
    """The user that stands for ``external_id`` at ``client``, created on first use."""
    if not _EXTERNAL_ID.match(external_id):
        raise InvalidExternalId("X-Learner-Id must be 1 to 255 printable ASCII characters without spaces.")
    existing = _known_learner(client, external_id)
    if existing is not None:
        return existing
    username = f"lms{client.pk}:{external_id}"
    if len(username) > 150:
        username = f"lms{client.pk}:{hashlib.sha256(external_id.encode()).hexdigest()[:40]}"
    try:
        with transaction.atomic():
            return _external_learner_create(client, external_id, username)
    except IntegrityError:
        # Two first requests for the same learner raced, and the other one created it; or, rarely, the
        # username is taken by another id (a shortened long id): then the learner gets a random one.
        existing = _known_learner(client, external_id)
        if existing is not None:
            return existing
        with transaction.atomic():
            return _external_learner_create(client, external_id, f"lms{client.pk}:{secrets.token_hex(16)}")


def _known_learner(client: ApiClient, external_id: str):
    known = ExternalLearner.objects.select_related("user").filter(client=client, external_id=external_id).first()
    return known.user if known else None


def _external_learner_create(client: ApiClient, external_id: str, username: str):
    user = _account_without_password(username)
    ExternalLearner.objects.create(client=client, external_id=external_id, user=user)
    return user


def _account_without_password(username: str):
    """A user that cannot log in with a password: it acts only through an API client's key."""
    user = get_user_model()(username=username)
    user.set_unusable_password()
    user.save()
    return user
