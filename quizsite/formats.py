"""One timestamp format for every surface (REST, webhooks, CSV): RFC 3339 in UTC with microseconds, always six
digits and a ``Z``, so a client can compare timestamps as text and hand one back as ``updated_since`` exactly."""

import datetime as dt

from django.core.serializers.json import DjangoJSONEncoder

# Also DRF's DATETIME_FORMAT (settings.REST_FRAMEWORK); strftime is given a UTC time, hence the literal Z.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def timestamp(value: dt.datetime | None) -> str | None:
    """``value`` as an RFC 3339 UTC timestamp with microseconds; None stays None."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)


class TimestampJSONEncoder(DjangoJSONEncoder):
    """Django's JSON encoder with our timestamp format for datetimes (its own cuts to milliseconds)."""

    def default(self, o):
        if isinstance(o, dt.datetime):
            return timestamp(o)
        return super().default(o)
