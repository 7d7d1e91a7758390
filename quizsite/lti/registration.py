"""IMS LTI Dynamic Registration 1.0: a platform registers the tool from one URL.

Written here rather than with django-lti-dynamic-registration 0.1.2, whose message builder cannot serialise
(it iterates ``__dict__`` without ``.items()``), which sets no timeouts and prints the platform's errors.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from lti_tool.models import LtiDeployment, LtiRegistration

from quizsite.lti import keys, platform
from quizsite.lti.models import RegistrationLink

_TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
_PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
_SCOPES = [
    platform.LINE_ITEM_SCOPE,
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    platform.SCORE_SCOPE,
    platform.MEMBERSHIP_SCOPE,
]
_CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email"]


class RegistrationFailed(Exception):
    """Dynamic registration could not finish; the message is for the administrator registering."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def registration_link_issue(*, link: RegistrationLink, by, valid_for: timedelta = timedelta(days=7)) -> str:
    """Save ``link`` (new, with its label) as a one-time registration link; returns its token, which is shown
    once and never stored."""
    token = keys.random_token()
    link.token_hash, link.created_by, link.expires_at = _hash(token), by, timezone.now() + valid_for
    link.save()
    return token


def tool_configuration(request: HttpRequest) -> dict:
    """What the tool tells a platform about itself (the IMS Dynamic Registration client metadata)."""
    launch_url = request.build_absolute_uri(reverse("lti:launch"))
    return {
        "application_type": "web",
        "grant_types": ["client_credentials", "implicit"],
        "response_types": ["id_token"],
        "initiate_login_uri": request.build_absolute_uri(reverse("lti:login")),
        "redirect_uris": [launch_url],
        "client_name": "Gradient Gym",
        "jwks_uri": request.build_absolute_uri(reverse("lti:jwks")),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(_SCOPES),
        _TOOL_CONFIGURATION: {
            "domain": request.get_host(),
            "description": "Exercises and quizzes on training deep networks, graded automatically.",
            "target_link_uri": launch_url,
            "claims": _CLAIMS,
            "messages": [
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": launch_url,
                    "label": "Add a Gradient Gym activity",
                    "placements": ["ContentArea", "assignment_selection", "link_selection"],
                },
                {"type": "LtiResourceLinkRequest", "target_link_uri": launch_url},
            ],
        },
    }


def _fetch_configuration(config_url: str, token: str) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = requests.get(config_url, headers=headers, timeout=settings.LTI_PLATFORM_TIMEOUT_SECONDS)
        response.raise_for_status()
        config = response.json()
        issuer = config["issuer"]
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        raise RegistrationFailed(f"Could not read the platform's configuration at {config_url}: {error}") from error
    # The spec: the configuration URL must live under the issuer it declares.
    if not isinstance(issuer, str) or not config_url.startswith(issuer):
        raise RegistrationFailed("The platform's configuration is not served under the issuer it names.")
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
        if not isinstance(config.get(field), str) or not config[field].startswith(("https://", "http://")):
            raise RegistrationFailed(f"The platform's configuration has no usable {field}.")
    return config


def _post_registration(config: dict, token: str, metadata: dict) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    try:
        response = requests.post(
            config["registration_endpoint"],
            json=metadata,
            headers=headers,
            timeout=settings.LTI_PLATFORM_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        answer = response.json()
        client_id = str(answer["client_id"])
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        raise RegistrationFailed(f"The platform refused the registration: {error}") from error
    return {"client_id": client_id, "deployment_id": (answer.get(_TOOL_CONFIGURATION) or {}).get("deployment_id")}


def register_with_platform(request: HttpRequest, *, link_token: str, config_url: str, token: str) -> LtiRegistration:
    """Register the tool with the platform whose configuration is at ``config_url`` (``token`` is the
    platform's one-time registration token) and record the platform here, active.

    ``link_token`` must be an unused, unexpired registration link's: it is used up by a registration that
    succeeds and stays usable after one that fails. Raises :class:`RegistrationFailed` with a message for
    the administrator registering.
    """
    now = timezone.now()
    link = RegistrationLink.objects.filter(token_hash=_hash(link_token), used_at=None, expires_at__gt=now)
    # Claimed with one conditional update, so two platforms cannot register through one link.
    if link.update(used_at=now) != 1:
        raise RegistrationFailed(
            "This registration link has expired or was already used; ask for a new one.", status=403
        )
    try:
        registration = _register(request, config_url, token)
    except RegistrationFailed:
        RegistrationLink.objects.filter(token_hash=_hash(link_token)).update(used_at=None)
        raise
    RegistrationLink.objects.filter(token_hash=_hash(link_token)).update(registration=registration)
    return registration


def _register(request: HttpRequest, config_url: str, token: str) -> LtiRegistration:
    config = _fetch_configuration(config_url, token)
    answer = _post_registration(config, token, tool_configuration(request))
    platform_config = config.get(_PLATFORM_CONFIGURATION) or {}
    name = str(platform_config.get("product_family_code") or config["issuer"])[:200]
    try:
        with transaction.atomic():
            registration = LtiRegistration.objects.create(
                name=f"{name} ({config['issuer']})"[:255],
                issuer=config["issuer"],
                client_id=answer["client_id"],
                auth_url=config["authorization_endpoint"],
                token_url=config["token_endpoint"],
                keyset_url=config["jwks_uri"],
                audience=config.get("authorization_server", "") or "",
                is_active=True,
            )
            if answer["deployment_id"]:
                LtiDeployment.objects.create(
                    registration=registration, deployment_id=str(answer["deployment_id"]), is_active=True
                )
    except IntegrityError:
        raise RegistrationFailed(
            "This platform has already registered Gradient Gym with that client id.", status=409
        ) from None
    return registration
