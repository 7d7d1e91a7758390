"""Per-user rate limits, read from ``settings.API_RATES`` at request time (so they are configurable)."""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class _SettingsRateThrottle(UserRateThrottle):
    def get_rate(self) -> str:
        return settings.API_RATES[self.scope]


class RequestRateThrottle(_SettingsRateThrottle):
    """Every API request of a user (or, anonymous, of an address)."""

    scope = "requests"


class SubmissionRateThrottle(_SettingsRateThrottle):
    """Submissions created by a user."""

    scope = "submissions"
