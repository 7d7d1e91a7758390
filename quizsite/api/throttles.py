"""Rate limits per user and per API client, read from ``settings.API_RATES`` at request time.

A client's learners share the client's budget (``client_requests``, ``client_submissions``), so one
LMS key cannot multiply its allowance by naming more learners.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from quizsite.api.authentication import client_of


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str:
        return settings.API_RATES[self.scope]

    def allow_request(self, request, view) -> bool:
        client = client_of(request)
        self.rate = settings.API_RATES[f"client_{self.scope}" if client else self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        client = client_of(request)
        if client is not None:
            ident = f"client-{client.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"


class RequestRateThrottle(_SettingsRateThrottle):
    """Every API request of a user, client or (anonymous) address."""

    scope = "requests"


class SubmissionRateThrottle(_SettingsRateThrottle):
    """Submissions created by a user or client."""

    scope = "submissions"
