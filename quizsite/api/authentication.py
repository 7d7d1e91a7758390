"""API client keys: ``Authorization: Bearer gg_…``, optionally acting for a learner named by ``X-Learner-Id``."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, ParseError

from quizsite.accounts import services
from quizsite.accounts.models import ApiClient


class ApiClientAuthentication(BaseAuthentication):
    """``request.user`` is the client's service account, or the external learner it names;
    ``request.auth`` is the :class:`ApiClient`."""

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != b"bearer":
            return None
        if len(words) != 2:
            raise AuthenticationFailed("Malformed Authorization header: expected 'Bearer <key>'.")
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid API key.") from None
        client = services.api_client_for_key(key)
        if client is None:
            raise AuthenticationFailed("Invalid or revoked API key.")
        external_id = request.headers.get("X-Learner-Id")
        if external_id is None:
            return client.service_user, client
        try:
            return services.external_learner_user(client=client, external_id=external_id), client
        except services.InvalidExternalId as exc:
            raise ParseError(str(exc)) from exc

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def challenge(request) -> str:
    """``WWW-Authenticate`` for a 401: the scheme the request tried (RFC 6750's ``invalid_token`` for a
    Bearer key), or both schemes the API takes when it sent none."""
    words = get_authorization_header(request).split()
    tried = words[0].lower() if words else b""
    if tried == b"bearer":
        return 'Bearer realm="api", error="invalid_token"'
    if tried == b"token":
        return 'Token realm="api"'
    return 'Bearer realm="api", Token realm="api"'


def client_of(request) -> ApiClient | None:
    """The API client behind a request, or None for a person (token or session)."""
    return request.auth if isinstance(request.auth, ApiClient) else None
