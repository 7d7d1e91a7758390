"""Request and response headers the API reads or sets beyond HTTP's own, declared once for the schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

POLL_HINT = OpenApiParameter(
    "Retry-After", int, OpenApiParameter.HEADER, response=[200, 202],
    description="While the submission is not final: seconds to wait before polling again.",
)  # fmt: skip
LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[201, 202], description="The created resource's URL."
)
IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER, {"type": "string", "maxLength": 255}, OpenApiParameter.HEADER,
    description="Any unique string up to 255 characters: a retry with the same key and body returns what the "
    "first request created (for 24 h) instead of creating it again; the same key with another body is a 422.",
)  # fmt: skip
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER, str, OpenApiParameter.HEADER, response=[201, 202], enum=["true"],
    description="Present when the response replays the first request made with this Idempotency-Key.",
)  # fmt: skip


def idempotency_key(request) -> str | None:
    """The request's Idempotency-Key; None when absent or empty. Over 255 characters is a 400 (cut, two keys
    alike up to there would replay each other's)."""
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER, "")
    if len(key) > 255:
        raise ValidationError({IDEMPOTENCY_KEY_HEADER: ["Must be at most 255 characters."]})
    return key or None


def replayed_headers(replayed: bool) -> dict[str, str]:
    """The response header saying a response replays an earlier request's."""
    return {REPLAYED_HEADER: "true"} if replayed else {}
