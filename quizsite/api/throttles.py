"""Rate limits per user and per API client, read from ``settings.API_RATES`` at request time.

A client's learners share the client's budget (``client_requests``, ``client_submissions``), so one
LMS key cannot multiply its allowance by naming more learners.

Fixed windows counted in the cache (one ``add`` and one ``incr`` per request), not DRF's default sliding
log, which reads and rewrites the list of every request of the window on each request: at an LMS
client's 6,000 a minute, that list was most of a request's throttling cost.

Every throttled response says where its caller stands, with the IETF draft's ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds to the window's end), for the budget closest to
running out, so an integrator can pace itself instead of waiting for a 429.
"""

import math

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
        window = int(self.timer() // self.duration)
        self.window_ends_at = (window + 1) * self.duration
        key = f"{self.get_cache_key(request, view)}:{window}"
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's key expired between the two calls: this is its first request
            self.cache.add(key, 1, timeout=self.duration + 1)
            count = 1
        _record(request, self.num_requests, count, self.window_ends_at - self.timer())
        return count <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window ends (``Retry-After``)."""
        return max(1, math.ceil(self.window_ends_at - self.timer()))

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


def _record(request, limit: int, count: int, seconds_left: float) -> None:
    """Keep, on the underlying request, the budget with the fewest requests left (several limits apply
    to a submission: the requests and the submissions of its user or client)."""
    state = (max(0, limit - count), limit, max(1, math.ceil(seconds_left)))
    underlying = getattr(request, "_request", request)
    current = getattr(underlying, "rate_limit", None)
    if current is None or state < current:
        underlying.rate_limit = state


class RateLimitHeadersMiddleware:
    """``RateLimit-*`` headers on every response of a throttled request, 429s included."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, "rate_limit", None)
        if state is not None:
            remaining, limit, reset = state
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        return response
