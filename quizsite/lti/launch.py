"""Validating LTI 1.3 logins and launches: pylti1p3's checks, with the gaps it leaves closed.

pylti1p3 2.0.0 accepts a replayed id_token (it never consumes the nonce or the state, nor binds one to the
other), takes ``aud[0]`` as the client and ignores ``azp``, verifies times with no leeway and without
requiring them, fetches the platform's keys with no timeout, and lets django-lti store claims that do not
fit its columns. The subclasses here fix each of those; tests/lti/test_launch.py and test_red_team.py
attack them.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

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
_LTI = "https://purl.imsglobal.org/spec/lti/claim/"
_AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
_DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
# Claims stored in django-lti's columns, with the columns' lengths: an identifier that does not fit is
# refused; anything else that does not fit is dropped from the launch (the launch works without it).
_IDENTIFIERS = {("sub",): 255, (f"{_LTI}deployment_id",): 255, (f"{_LTI}context", "id"): 255,
                (f"{_LTI}resource_link", "id"): 255}  # fmt: skip
_OPTIONAL = {
    ("email",): 254, ("picture",): 200, ("given_name",): 500, ("family_name",): 500, ("name",): 500,
    (f"{_LTI}context", "label"): 255, (f"{_LTI}context", "title"): 500, (f"{_LTI}resource_link", "title"): 500,
    (_NRPS, "context_memberships_url"): 200, (_AGS, "lineitems"): 200, (_AGS, "lineitem"): 200,
    (f"{_LTI}tool_platform", "guid"): 255, (f"{_LTI}tool_platform", "name"): 500,
    (f"{_LTI}tool_platform", "url"): 200, (f"{_LTI}tool_platform", "contact_email"): 254,
    (f"{_LTI}tool_platform", "product_family_code"): 500, (f"{_LTI}tool_platform", "version"): 500,
    (f"{_LTI}platformnotificationservice", "platform_notification_service_url"): 200,
}  # fmt: skip


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _holder(body: dict, path: tuple[str, ...]) -> dict | None:
    for part in path[:-1]:
        body = body.get(part)
        if not isinstance(body, dict):
            return None
    return body


def fit_claims(body: dict) -> None:
    """Make a validated launch's claims storable: refuse NUL characters (no database keeps them) and
    identifiers longer than their columns, and drop optional claims that are too long."""
    if _has_nul(body):
        raise LtiException("The launch contains a NUL character")
    for path, limit in _IDENTIFIERS.items():
        holder = _holder(body, path)
        if holder is not None and isinstance(holder.get(path[-1]), str) and len(holder[path[-1]]) > limit:
            raise LtiException(f"The launch's {path[-1]} is longer than {limit} characters")
    for path, limit in _OPTIONAL.items():
        holder = _holder(body, path)
        if holder is not None and isinstance(holder.get(path[-1]), str) and len(holder[path[-1]]) > limit:
            del holder[path[-1]]


def web_url(value) -> bool:
    """Whether ``value`` is an absolute http(s) URL (never ``javascript:`` or ``data:``)."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


class ToolOIDCLogin(DjangoOIDCLogin):
    """OIDC third-party login initiation (GET or POST), states and nonces kept in the database."""

    def __init__(self, request) -> None:
        super().__init__(request, DjangoToolConfig(), launch_data_storage=DatabaseLaunchStorage())

    def redirect_to_platform(self, *, redirect_uri: str, target_link_uri: str):
        """The redirect to the platform's authorisation endpoint; the launch comes back to ``redirect_uri``."""
        # Saving the state's parameters is what makes the state single-use: the launch must consume them.
        self.pass_params_to_launch({"target_link_uri": target_link_uri})
        return self.disable_check_cookies().redirect(redirect_uri)

    def _generate_nonce(self) -> str:
        # pylti1p3 saves the state's parameters after making the nonce: keeping the nonce among them binds
        # the two, so a launch must bring the nonce of the very login its state names.
        nonce = super()._generate_nonce()
        self._state_params = {**self._state_params, "nonce": nonce}
        return nonce


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
        if not state or "\x00" in state:
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
        if not nonce or not isinstance(nonce, str) or "\x00" in nonce:
            raise LtiException('"nonce" is empty or not a string')
        if not hmac.compare_digest(str(self.login_params.get("nonce", "")), nonce):
            raise LtiException("This launch's nonce is not the one its login issued")
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

    def validate_deployment(self) -> ToolMessageLaunch:
        # The signature is verified by now; fit the claims before django-lti stores any of them.
        fit_claims(self._get_jwt_body())
        return super().validate_deployment()

    def validate_message(self) -> ToolMessageLaunch:
        super().validate_message()
        body = self._get_jwt_body()
        # The deep linking response form is POSTed there from our page: only a web address, never a script.
        return_url = (body.get(_DEEP_LINKING) or {}).get("deep_link_return_url")
        if self.is_deep_link_launch() and not web_url(return_url):
            raise LtiException("The deep linking return URL is not an http(s) URL")
        return self

    def fetch_public_key(self, key_set_url: str):
        try:
            response = self._requests_session.get(key_set_url, timeout=settings.LTI_PLATFORM_TIMEOUT_SECONDS)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as error:
            raise LtiException(f"Could not read the platform's keys at {key_set_url}: {error}") from error
