"""Standard Webhooks signatures (https://www.standardwebhooks.com/): no Django here.

The signature is HMAC-SHA256, keyed with the base64-decoded secret, over ``{id}.{timestamp}.{body}``,
sent as ``v1,<base64 digest>`` in ``webhook-signature`` beside ``webhook-id`` and ``webhook-timestamp``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (a format marker, not a secret)


def secret_new() -> str:
    """A fresh endpoint secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one message."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secrets_: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt of a message, signed with each secret
    (space-separated signatures; a receiver accepts the message if any one verifies)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(secret, message_id, timestamp, body) for secret in secrets_),
    }
