"""Adapters to ``lti1p3platform``: its classes build and sign id_tokens, issue and check access tokens, and
check deep linking responses; this module only feeds them our stored state.

Its Django helpers are avoided: ``framework.templates`` imports ``pkg_resources``, so the launch form is ours.
"""

from __future__ import annotations

import html
from typing import Any

from lti1p3platform.framework.django.request import DjangoRequest
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration

LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership"
ROLE_URIS = {
    "Learner": f"{LIS}#Learner",
    "Instructor": f"{LIS}#Instructor",
    "TeachingAssistant": f"{LIS}/Instructor#TeachingAssistant",
    "ContentDeveloper": f"{LIS}#ContentDeveloper",
    "Mentor": f"{LIS}#Mentor",
    "Administrator": f"{LIS}#Administrator",
}
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_MEMBERSHIP = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SERVICE_SCOPES = [AGS_LINEITEM, AGS_LINEITEM_READONLY, AGS_RESULT_READONLY, AGS_SCORE, NRPS_MEMBERSHIP]

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
DL_MSG_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"

PRODUCT_FAMILY_CODE = "gym-test-platform"
VERSION = "0.1.8"


def role_uri(role: str) -> str:
    """A short role name (``Learner``) as the LIS URI the spec wants; full URIs pass through."""
    return ROLE_URIS.get(role, role)


class PlatformRegistration(Registration):
    """``Registration`` pinned to the stored ``kid``: the library derives it from the PEM through jwcrypto (a
    thumbprint only in recent jwcrypto), and tools (pylti1p3 among them) pick the platform's key by ``kid``."""

    def __init__(self, kid: str) -> None:
        self._kid = kid

    def get_kid(self) -> str:
        """The key id of the platform's one signing key."""
        return self._kid

    def get_jwks(self) -> list[dict[str, Any]]:
        """The platform's public keys, each with its ``kid``."""
        return [{**key, "kid": self._kid} for key in super().get_jwks()]


class PlatformConfig(LTI1P3PlatformConfAbstract):
    """One registration (a tool, or just the platform for token checks) handed in at construction."""

    def init_platform_config(self, **kwargs: Any) -> None:
        """Keep the registration the caller built."""
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        """The registration given to the constructor."""
        return self._registration


class MessageLaunch(LTIAdvantageMessageLaunchAbstract):
    """Keeps the signed launch data instead of rendering it: the view records the id_token, then renders."""

    launch_data: dict[str, Any] | None = None

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Return ``{"id_token", "state", "launch_url"}`` for the view to render."""
        self.launch_data = launch_data
        return launch_data


def registration(state: dict[str, Any], issuer: str, tool: dict[str, Any] | None = None) -> PlatformRegistration:
    """The library's registration for ``tool`` (or the bare platform when None), from the stored state."""
    key = state["platform_key"]
    reg = PlatformRegistration(key["kid"])
    reg.set_iss(issuer)
    reg.set_platform_private_key(key["private_pem"])
    reg.set_platform_public_key(key["public_pem"])
    if tool is not None:
        reg.set_client_id(tool["client_id"])
        reg.set_deployment_id(tool["deployment_id"])
        reg.set_oidc_login_url(tool["initiate_login_uri"])
        reg.set_tool_key_set_url(tool["jwks_uri"])
        reg.set_launch_url(tool["target_link_uri"])
        reg.set_deeplink_launch_url(tool["deep_link_uri"])
    return reg


def config(state: dict[str, Any], issuer: str, tool: dict[str, Any] | None = None) -> PlatformConfig:
    """A platform config around :func:`registration`."""
    return PlatformConfig(registration=registration(state, issuer, tool))


def request_adapter(request: Any) -> DjangoRequest:
    """The library's view of a Django request (its request adapter does not touch ``pkg_resources``)."""
    return DjangoRequest(request)


def auto_submit_form(action: str, fields: dict[str, str], title: str = "Continue") -> str:
    """An HTML page whose form POSTs ``fields`` to ``action`` as soon as it loads (a button without JS)."""
    inputs = "\n".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(str(value))}">'
        for name, value in fields.items()
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
        f"{html.escape(title)}</title></head>\n"
        '<body onload="document.forms[0].submit()">\n'
        f'<form method="post" action="{html.escape(action)}">\n{inputs}\n'
        f'<noscript><button type="submit">{html.escape(title)}</button></noscript>\n'
        "</form></body></html>\n"
    )
