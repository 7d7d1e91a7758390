"""Validating LTI 1.3 logins and launches: pylti1p3's checks, with the gaps it leaves closed.

pylti1p3 2.0.0 accepts a replayed id_token (it never consumes the nonce or the state), takes ``aud[0]`` as
the client and ignores ``azp``, verifies times with no leeway and without requiring them, and fetches the
platform's keys with no timeout. The subclasses here fix each of those; tests/lti/test_launch.py attacks them.
"""

from __future__ import annotations

import jwt
import requests
from django.conf import settings
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException

from quizsite.lti.storage import DatabaseLaunchStorage

# What a platform may sign with (never "none" or an HMAC keyed by something public).
_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "nonce"]
# How long the tool waits for a platform's keys.
_KEYSET_TIMEOUT_SECONDS = 10


class ToolOIDCLogin(DjangoOIDCLogin):
    """OIDC third-party login initiation (GET or POST), states and nonces kept in the database."""

    def __init__(self, request) -> None:
        super().__init__(request, DjangoToolConfig(), launch_data_storage=DatabaseLaunchStorage())

    def redirect_to_platform(self, *, redirect_uri: str, target_link_uri: str):
        """The redirect to the platform's authorisation endpoint; the launch comes back to ``redirect_uri``."""
        # Saving the state's parameters is what makes the state single-use: the launch must consume them.
        self.pass_params_to_launch({"target_link_uri": target_link_uri})
        return self.disable_check_cookies().redirect(redirect_uri)


class ToolMessageLaunch(DjangoMessageLaunch):
    """An id_token POSTed to the launch URL, validated once, with the checks pylti1p3 leaves out."""

    login_params: dict | None = None

    @classmethod
    def receive(cls, request) -> ToolMessageLaunch:
        """The launch POSTed in ``request``, not validated yet."""
        return cls(request, DjangoToolConfig(), launch_data_storage=DatabaseLaunchStorage())

    @classmethod
    def restore(cls, request, launch_id: str) -> ToolMessageLaunch:
        """A launch validated earlier (a deep linking launch, when the instructor has picked)."""
        return cls.from_cache(launch_id, request, DjangoToolConfig(), launch_data_storage=DatabaseLaunchStorage())

    def get_client_id(self) -> str:
        body = self._get_jwt_body()
        aud, azp = body.get("aud"), body.get("azp")
        audiences = aud if isinstance(aud, list) else [aud]
        # OIDC Core 3.1.3.7: with several audiences the authorised party says which one we are.
        if azp is not None:
            if azp not in audiences:
                raise LtiException("The token's azp is not one of its audiences")
            return azp
        if len(audiences) != 1:
            raise LtiException("The token names several audiences and no azp")
        return audiences[0]

    def validate_state(self) -> ToolMessageLaunch:
        state = self._get_request_param("state")
        if not state:
            raise LtiException("Missing state param")
        # The login stored this state's parameters; taking them (once) is the proof this launch answers
        # a login we started, and the only one. A cookie, when the browser kept it, must agree.
        self.login_params = self._session_service.data_storage.take(self._session_service._get_key(state))
        if self.login_params is None:
            raise LtiException("This launch has expired or was already used")
        cookie = self._cookie_service.get_cookie(state)
        if cookie is not None and cookie != state:
            raise LtiException("State does not match this browser's login")
        return self

    def validate_nonce(self) -> ToolMessageLaunch:
        nonce = self._get_jwt_body().get("nonce")
        if not nonce:
            raise LtiException('"nonce" is empty')
        if self._session_service.data_storage.take(self._session_service._get_key("nonce", nonce)) is None:
            raise LtiException("This launch's nonce was not issued by us or was already used")
        return self

    def validate_jwt_signature(self) -> ToolMessageLaunch:
        public_key, key_alg = self.get_public_key()
        if key_alg not in _ALGORITHMS:
            raise LtiException(f"The token is signed with {key_alg}, which is not accepted")
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[key_alg],
                audience=self._registration.get_client_id(),
                issuer=self._registration.get_issuer(),
                leeway=settings.LTI_CLOCK_LEEWAY_SECONDS,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.InvalidTokenError as error:
            raise LtiException(f"Can't decode id_token: {error}") from error
        return self

    def fetch_public_key(self, key_set_url: str):
        try:
            response = self._requests_session.get(key_set_url, timeout=_KEYSET_TIMEOUT_SECONDS)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as error:
            raise LtiException(f"Could not read the platform's keys at {key_set_url}: {error}") from error
