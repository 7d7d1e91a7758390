"""Calls to a platform's LTI Advantage services (AGS, NRPS) with an OAuth 2 client-credentials token.

Written here rather than through pylti1p3's ServiceConnector, which sets no timeouts, keeps tokens only for
one object's life, lower-cases the ``Link`` header (URLs included) and appends ``/scores`` after a query string.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from lti_tool.models import LtiContext, LtiLineItem, LtiRegistration

from quizsite.lti import keys

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINE_ITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
MEMBERSHIP_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
_SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
_LINE_ITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
_LINE_ITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
_MEMBERS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
# A roster is at most this many pages: a platform whose "next" link loops must not keep a worker forever.
_MAX_PAGES = 500


class PlatformError(Exception):
    """The platform refused a call or could not be reached; ``status`` is its HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _token_cache_key(registration: LtiRegistration, scopes: list[str]) -> str:
    digest = hashlib.sha256(" ".join(sorted(scopes)).encode()).hexdigest()[:16]
    return f"lti-access-token:{registration.pk}:{digest}"


def access_token(registration: LtiRegistration, scopes: list[str]) -> str:
    """A bearer token for ``scopes``, reused until shortly before the platform says it expires."""
    cache_key = _token_cache_key(registration, scopes)
    token = cache.get(cache_key)
    if token:
        return token
    keys.signing_key()  # django-lti signs with the newest key: there must be one
    tool = registration.to_registration()
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": registration.client_id,
            "sub": registration.client_id,
            "aud": registration.audience or registration.token_url,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        },
        tool.get_tool_private_key(),
        algorithm="RS256",
        headers={"kid": tool.get_kid()},
    )
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": " ".join(scopes),
    }
    body = _json(_send("POST", registration.token_url, data=form))
    try:
        token, lifetime = body["access_token"], int(body.get("expires_in", 3600))
    except (KeyError, TypeError, ValueError) as error:
        raise PlatformError(f"the platform's token response has no usable access_token: {error}") from error
    # Renewed a little early, so a token never expires between the cache and the platform.
    margin = min(60, lifetime // 10)
    if lifetime - margin > 0:
        cache.set(cache_key, token, timeout=lifetime - margin)
    return token


def _send(method: str, url: str, **kwargs) -> requests.Response:
    try:
        response = requests.request(method, url, timeout=settings.LTI_PLATFORM_TIMEOUT_SECONDS, **kwargs)
    except requests.RequestException as error:
        raise PlatformError(f"{method} {url} failed: {error}") from error
    if not response.ok:
        raise PlatformError(
            f"{method} {url} answered {response.status_code}: {response.text[:300]}", status=response.status_code
        )
    return response


def _json(response: requests.Response):
    try:
        return response.json()
    except ValueError as error:
        raise PlatformError(f"{response.url} answered something that is not JSON") from error


def _call(registration: LtiRegistration, scopes: list[str], method: str, url: str, **kwargs) -> requests.Response:
    headers = kwargs.pop("headers", {})

    def send() -> requests.Response:
        bearer = {"Authorization": f"Bearer {access_token(registration, scopes)}"}
        return _send(method, url, headers={**headers, **bearer}, **kwargs)

    try:
        return send()
    except PlatformError as error:
        # A platform may revoke a token before it says it expires: one more try with a fresh one.
        if error.status != 401:
            raise
    cache.delete(_token_cache_key(registration, scopes))
    return send()


def scores_url(line_item_url: str) -> str:
    """The line item's scores endpoint: ``/scores`` goes on the path, before any query string."""
    parts = urlsplit(line_item_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def line_item_for(
    context: LtiContext, *, resource_link_id: str, label: str, score_maximum: float, tag: str, resource_id: str
) -> dict:
    """The platform's line item for a resource link (AGS line item service): the one it has, else a new one."""
    registration = context.deployment.registration
    container = urlsplit(context.lineitems_url)
    query = urlencode([*parse_qsl(container.query), ("resource_link_id", resource_link_id)])
    found = _json(
        _call(
            registration,
            [LINE_ITEM_SCOPE],
            "GET",
            urlunsplit(container._replace(query=query)),
            headers={"Accept": _LINE_ITEMS_TYPE},
        )
    )
    if isinstance(found, list) and found:
        return found[0]
    body = {
        "scoreMaximum": score_maximum,
        "label": label,
        "resourceLinkId": resource_link_id,
        "tag": tag,
        "resourceId": resource_id,
    }
    return _json(
        _call(
            registration,
            [LINE_ITEM_SCOPE],
            "POST",
            context.lineitems_url,
            data=json.dumps(body),
            headers={"Content-Type": _LINE_ITEM_TYPE, "Accept": _LINE_ITEM_TYPE},
        )
    )


def post_score(line_item: LtiLineItem, score: dict) -> None:
    """POST one score (AGS score publish service) to ``line_item``."""
    registration = line_item.context.deployment.registration
    _call(
        registration,
        [SCORE_SCOPE],
        "POST",
        scores_url(line_item.url),
        data=json.dumps(score),
        headers={"Content-Type": _SCORE_TYPE},
    )


def members(context: LtiContext) -> list[dict]:
    """The context's roster (NRPS), every page of it (``Link: <…>; rel=next``)."""
    registration = context.deployment.registration
    url, found = context.memberships_url, []
    for _ in range(_MAX_PAGES):
        response = _call(registration, [MEMBERSHIP_SCOPE], "GET", url, headers={"Accept": _MEMBERS_TYPE})
        found += _json(response).get("members", [])
        # requests parses Link headers per RFC 8288 (quoted or bare rel values, several links).
        url = response.links.get("next", {}).get("url")
        if not url:
            return found
    raise PlatformError(f"the roster at {context.memberships_url} has more than {_MAX_PAGES} pages")
