"""``Idempotency-Key`` for the POSTs that create something (submissions, quiz attempts, webhook endpoints): the
same key with the same request returns what the first request created instead of creating it again."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from quizsite.learning.models import IdempotencyKey


class IdempotencyConflict(Exception):
    """The Idempotency-Key was already used with a different request."""


def idempotent_create(
    *, user, key: str, resource: str, request: str, create: Callable[[], object], find: Callable[[object], object]
) -> tuple[object, bool]:
    """``create()`` once per ``user`` and ``key``: returns ``(created, False)`` the first time and
    ``(find(resource_id), True)`` for a retry with the same ``resource`` and ``request`` (a canonical text of
    what was asked). ``find`` returns None for a resource deleted since, which makes the key stale.

    Keys expire after ``IDEMPOTENCY_KEY_TTL_HOURS``. The same key with another request, or for another kind of
    resource, raises :class:`IdempotencyConflict`. What ``create`` raises propagates and stores no key, so a
    retry after a refusal (no attempts left, say) is tried afresh.
    """
    request_hash = hashlib.sha256(request.encode()).hexdigest()
    expiry = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    with transaction.atomic():
        # One create with a key at a time per user: a retry racing its original waits here, then replays it
        # (an attempt's own checks would otherwise refuse the retry before the key's unique index could).
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=expiry).delete()
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is not None:
            replayed = _replay(existing, resource, request_hash, find)
            if replayed is not None:
                return replayed, True
            existing.delete()
        try:
            # A savepoint, so that losing the race below leaves the outer transaction usable.
            with transaction.atomic():
                created = create()
                IdempotencyKey.objects.create(
                    user=user, key=key, request_hash=request_hash, resource=resource, resource_id=created.pk
                )
        except IntegrityError:
            # A concurrent request with the same key won: answer with what it created.
            winner = IdempotencyKey.objects.filter(user=user, key=key).first()
            replayed = None if winner is None else _replay(winner, resource, request_hash, find)
            if replayed is None:
                raise
            return replayed, True
    return created, False


def _replay(stored: IdempotencyKey, resource: str, request_hash: str, find: Callable[[object], object]):
    if stored.resource != resource or stored.request_hash != request_hash:
        raise IdempotencyConflict("This Idempotency-Key was used with a different request.")
    return find(stored.resource_id)
