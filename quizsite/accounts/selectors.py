"""Reads for accounts."""

from __future__ import annotations


def learner_identity(user) -> dict:
    """How every surface (REST, webhooks, CSV) names a learner: ``username`` here and ``external_id``, the id an
    API client gave them with ``X-Learner-Id`` (None for other accounts). Select ``external_identity`` with
    the user when naming many."""
    identity = getattr(user, "external_identity", None)
    return {"username": user.username, "external_id": identity.external_id if identity else None}
