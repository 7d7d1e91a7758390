"""HTTP endpoints of the stand-in LTI 1.3 platform (an LMS) the tool's end-to-end tests launch from.

Protocol endpoints check what ``lti1p3platform`` leaves unchecked (redirect_uri, the client assertion's
``aud``, ``exp`` and ``jti``, score timestamps, the deep linking ``aud``/``data``/deployment), because a
stand-in that accepts anything would let a wrong tool pass. ``/test/*`` endpoints back the Python harness.
"""

from __future__ import annotations

import html
import json
import os
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import jwt
from django.http import HttpRequest, HttpResponse, JsonResponse
from lti1p3platform.exceptions import PreflightRequestValidationException
from lti1p3platform.score import ActivityProgress, GradeProgress

from . import lti
from .store import DEFAULT_CONFIG, get_store

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
LINE_ITEM_FIELDS = (
    "id",
    "label",
    "scoreMaximum",
    "resourceLinkId",
    "tag",
    "resourceId",
    "startDateTime",
    "endDateTime",
)
ACTIVITY_PROGRESS = {item.value for item in ActivityProgress}
GRADING_PROGRESS = {item.value for item in GradeProgress}
DR_TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
DR_PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"


# --- helpers ---------------------------------------------------------------------------------------------


def base_url() -> str:
    """This process's origin, which is also the issuer."""
    return os.environ["LTI_PLATFORM_BASE_URL"]


def now_iso() -> str:
    """Now, as ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat()


def json_response(data: Any, status: int = 200, content_type: str = "application/json") -> JsonResponse:
    """A JSON response with any content type (the IMS services have their own media types)."""
    return JsonResponse(data, status=status, content_type=content_type, safe=False)


def error(status: int, code: str, description: str = "") -> JsonResponse:
    """An OAuth-style JSON error."""
    return json_response({"error": code, "error_description": description}, status=status)


def media_type(request: HttpRequest) -> str:
    """The request's Content-Type without parameters."""
    return request.headers.get("Content-Type", "").split(";")[0].strip().lower()


def body_json(request: HttpRequest) -> Any:
    """The JSON body, or None when it is not JSON."""
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        return None


def is_url(value: Any) -> bool:
    """An absolute http(s) URL."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def next_link(url: str) -> str:
    """``Link`` header value for the next page, as lti1p3platform writes it: rel=next WITHOUT quotes."""
    return f"<{url}>; rel=next"


def context_url(context_id: str) -> str:
    """The context's base URL for services."""
    return f"{base_url()}/contexts/{quote(context_id, safe='')}"


def line_items_url(context_id: str) -> str:
    """The line item container of a context."""
    return f"{context_url(context_id)}/lineitems"


def line_item_url(context_id: str, key: int, suffix: str = "") -> str:
    """A line item URL Moodle-style, with a query string: a tool that appends ``/scores`` to the whole URL
    instead of to its path reaches nothing."""
    return f"{context_url(context_id)}/lineitems/{key}/lineitem{suffix}?type_id={key}"


def memberships_url(context_id: str) -> str:
    """The NRPS context membership URL."""
    return f"{context_url(context_id)}/memberships"


def ensure_context(state: dict[str, Any], context_id: str, title: str | None = None) -> dict[str, Any]:
    """The context, created on first mention (a launch, a roster or a line item)."""
    context = state["contexts"].setdefault(context_id, {"id": context_id, "label": context_id, "title": context_id})
    if title:
        context["title"] = title
    return context


def public_line_item(item: dict[str, Any]) -> dict[str, Any]:
    """A stored line item as the AGS JSON a tool sees."""
    return {field: item[field] for field in LINE_ITEM_FIELDS if item.get(field) is not None}


def create_line_item(
    state: dict[str, Any], context_id: str, fields: dict[str, Any], source: str, client_id: str | None = None
) -> dict[str, Any]:
    """Store a new line item in ``context_id`` and return it (``id`` is its URL)."""
    ensure_context(state, context_id)
    state["counters"]["line_item"] += 1
    key = state["counters"]["line_item"]
    item = {field: fields.get(field) for field in LINE_ITEM_FIELDS}
    item.update(
        id=line_item_url(context_id, key),
        key=key,
        context_id=context_id,
        source=source,
        client_id=client_id,
        created_at=now_iso(),
    )
    state["line_items"].append(item)
    return item


def find_line_item(state: dict[str, Any], context_id: str, key: int) -> dict[str, Any] | None:
    """The line item with this key in this context, if it exists."""
    return next((li for li in state["line_items"] if li["key"] == key and li["context_id"] == context_id), None)


def resolve_line_item(state: dict[str, Any], ref: str) -> dict[str, Any] | None:
    """A line item by its URL or its numeric key."""
    return next((li for li in state["line_items"] if ref in (li["id"], str(li["key"]))), None)


def validate_line_item(data: Any) -> str | None:
    """Why ``data`` is not a valid line item body, or None."""
    if not isinstance(data, dict):
        return "body must be a JSON object"
    if not isinstance(data.get("label"), str) or not data["label"].strip():
        return "label is required"
    maximum = data.get("scoreMaximum")
    if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
        return "scoreMaximum must be a positive number"
    for field in ("resourceLinkId", "tag", "resourceId", "startDateTime", "endDateTime"):
        if data.get(field) is not None and not isinstance(data[field], str):
            return f"{field} must be a string"
    return None


def paginate(items: list[Any], request: HttpRequest, default_limit: int | None) -> tuple[list[Any], bool, int, int]:
    """``(page_items, has_next, limit, page)`` from the ``limit`` and 1-based ``page`` query parameters."""
    try:
        limit = int(request.GET.get("limit") or default_limit or 0)
        page = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        limit, page = default_limit or 0, 1
    if limit <= 0:
        return items, False, 0, 1
    start = (page - 1) * limit
    return items[start : start + limit], start + limit < len(items), limit, page


def service_unavailable() -> JsonResponse:
    """What /token, AGS and NRPS answer while the test has set the platform down."""
    return error(503, "temporarily_unavailable", "the platform is down (test knob)")


def authorize(request: HttpRequest, state: dict[str, Any], scopes: list[str]) -> tuple[str, JsonResponse | None]:
    """Check the service call's bearer token with lti1p3platform: ``(client_id, None)``, or an error response
    (401 for a missing/invalid/expired token, 403 for a token without any of ``scopes``)."""
    if state["config"]["down"]:
        return "", service_unavailable()
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return "", error(401, "invalid_token", "missing bearer token")
    token = parts[1]
    try:
        allowed = lti.config(state, base_url()).validate_token(token, allowed_scopes=scopes)
    except Exception as exc:
        return "", error(401, "invalid_token", str(exc))
    if not allowed:
        return "", error(403, "insufficient_scope", f"needs one of {scopes}")
    return str(jwt.decode(token, options={"verify_signature": False}).get("sub", "")), None


def new_tool(state: dict[str, Any], fields: dict[str, Any], source: str, scopes: list[str]) -> dict[str, Any]:
    """Register a tool with one deployment and return it."""
    state["counters"]["tool"] += 1
    state["counters"]["deployment"] += 1
    client_id = f"client-{state['counters']['tool']}-{secrets.token_hex(4)}"
    deployment_id = f"deployment-{state['counters']['deployment']}"
    tool = {
        "client_id": client_id,
        "deployment_id": deployment_id,
        "name": fields.get("name") or client_id,
        "initiate_login_uri": fields["initiate_login_uri"],
        "redirect_uris": list(fields["redirect_uris"]),
        "jwks_uri": fields["jwks_uri"],
        "target_link_uri": fields["target_link_uri"],
        "deep_link_uri": fields.get("deep_link_uri") or fields["target_link_uri"],
        "scopes": scopes,
        "source": source,
        "created_at": now_iso(),
    }
    state["tools"][client_id] = tool
    state["deployments"].append({"deployment_id": deployment_id, "client_id": client_id})
    return tool


def tool_summary(tool: dict[str, Any]) -> dict[str, str]:
    """What a manual registration hands back to the tool's admin."""
    base = base_url()
    return {
        "client_id": tool["client_id"],
        "deployment_id": tool["deployment_id"],
        "issuer": base,
        "auth_url": f"{base}/auth",
        "token_url": f"{base}/token",
        "jwks_url": f"{base}/jwks",
    }


# --- keys and registration ---------------------------------------------------------------------------------


def jwks(request: HttpRequest) -> JsonResponse:
    """The platform's public key set."""
    state = get_store().read()
    return json_response(lti.config(state, base_url()).get_jwks())


def _registration_token(request: HttpRequest, state: dict[str, Any]) -> str | None:
    """The bearer registration token if it was issued and not used yet."""
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    record = state["registration_tokens"].get(parts[1])
    return parts[1] if record and not record["used"] else None


def openid_configuration(request: HttpRequest) -> JsonResponse:
    """IMS Dynamic Registration: the platform's OpenID configuration (needs the registration token)."""
    state = get_store().read()
    if _registration_token(request, state) is None:
        return error(401, "invalid_token", "a valid, unused registration token is required")
    base = base_url()
    return json_response(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/auth",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "registration_endpoint": f"{base}/register",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", *lti.SERVICE_SCOPES],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "claims_supported": ["iss", "aud", "sub", "name", "given_name", "family_name", "email"],
            DR_PLATFORM_CONFIG: {
                "product_family_code": lti.PRODUCT_FAMILY_CODE,
                "version": lti.VERSION,
                "messages_supported": [{"type": message_type} for message_type in MESSAGE_TYPES],
                "variables": [],
            },
        }
    )


def validate_tool_registration(data: Any) -> str | None:
    """Why an IMS Dynamic Registration request is invalid, or None."""
    if not isinstance(data, dict):
        return "body must be a JSON object"
    if data.get("application_type") != "web":
        return "application_type must be 'web'"
    grants = data.get("grant_types")
    if not isinstance(grants, list) or not {"client_credentials", "implicit"} <= set(grants):
        return "grant_types must include client_credentials and implicit"
    if not isinstance(data.get("response_types"), list) or "id_token" not in data["response_types"]:
        return "response_types must include id_token"
    if not is_url(data.get("initiate_login_uri")):
        return "initiate_login_uri must be a URL"
    uris = data.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(is_url(uri) for uri in uris):
        return "redirect_uris must be a non-empty list of URLs"
    if not isinstance(data.get("client_name"), str) or not data["client_name"].strip():
        return "client_name is required"
    if not is_url(data.get("jwks_uri")):
        return "jwks_uri must be a URL"
    if data.get("token_endpoint_auth_method") != "private_key_jwt":
        return "token_endpoint_auth_method must be private_key_jwt"
    if "scope" in data and not isinstance(data["scope"], str):
        return "scope must be a space-separated string"
    config = data.get(DR_TOOL_CONFIG)
    if not isinstance(config, dict):
        return f"{DR_TOOL_CONFIG} is required"
    if not isinstance(config.get("domain"), str) or not config["domain"]:
        return "lti-tool-configuration.domain is required"
    if not is_url(config.get("target_link_uri")):
        return "lti-tool-configuration.target_link_uri must be a URL"
    if "claims" in config and not isinstance(config["claims"], list):
        return "lti-tool-configuration.claims must be a list"
    messages = config.get("messages", [])
    if not isinstance(messages, list) or not all(isinstance(m, dict) and m.get("type") for m in messages):
        return "lti-tool-configuration.messages must be a list of objects with a type"
    for message in messages:
        if message["type"] not in MESSAGE_TYPES:
            return f"unsupported message type {message['type']}"
        if "target_link_uri" in message and not is_url(message["target_link_uri"]):
            return "a message's target_link_uri must be a URL"
    return None


def register(request: HttpRequest) -> JsonResponse:
    """IMS Dynamic Registration: store the tool, answer with its client_id and deployment_id."""
    if request.method != "POST":
        return error(405, "invalid_request", "POST only")
    data = body_json(request)
    problem = validate_tool_registration(data)
    with get_store().transaction() as state:
        token = _registration_token(request, state)
        if token is None:
            return error(401, "invalid_token", "a valid, unused registration token is required")
        if problem:
            state["registrations"].append({"request": data, "error": problem, "at": now_iso()})
            return error(400, "invalid_client_metadata", problem)
        config = data[DR_TOOL_CONFIG]
        deep_link = next(
            (m.get("target_link_uri") for m in config.get("messages", []) if m["type"] == "LtiDeepLinkingRequest"),
            None,
        )
        requested = data.get("scope", "").split()
        tool = new_tool(
            state,
            {
                "name": data["client_name"],
                "initiate_login_uri": data["initiate_login_uri"],
                "redirect_uris": data["redirect_uris"],
                "jwks_uri": data["jwks_uri"],
                "target_link_uri": config["target_link_uri"],
                "deep_link_uri": deep_link,
            },
            source="dynamic",
            scopes=[scope for scope in lti.SERVICE_SCOPES if scope in requested],
        )
        state["registration_tokens"][token]["used"] = True
        response = {
            **data,
            "client_id": tool["client_id"],
            DR_TOOL_CONFIG: {**config, "deployment_id": tool["deployment_id"]},
        }
        state["registrations"].append(
            {"request": data, "response": response, "client_id": tool["client_id"], "at": now_iso()}
        )
    return json_response(response)


# --- launch: OIDC third-party login, then the id_token ---------------------------------------------------


def auth(request: HttpRequest) -> HttpResponse:
    """The OIDC authorization endpoint: check the tool's auth request, then POST it a signed id_token."""
    params = {**request.GET.dict(), **request.POST.dict()}
    state = get_store().read()
    problem, launch, tool = _check_auth_request(state, params)
    if problem:
        with get_store().transaction() as writable:
            writable["auth_errors"].append({"params": params, "error": problem, "at": now_iso()})
        return error(400, "invalid_request", problem)
    assert launch is not None and tool is not None

    base = base_url()
    registration = lti.registration(state, base, tool)
    registration.set_launch_url(launch["target_link_uri"])
    registration.set_deeplink_launch_url(launch["target_link_uri"])
    message = lti.MessageLaunch(lti.request_adapter(request), lti.PlatformConfig(registration=registration))
    message.set_id_token_expiration(int(state["config"].get("id_token_expires_in", 300)))
    context = state["contexts"][launch["context_id"]]
    full_name = " ".join(part for part in (launch["given_name"], launch["family_name"]) if part) or None
    message.set_user_data(launch["user_id"], launch["roles"], full_name=full_name, email_address=launch["email"])
    message.set_launch_context_claim(context["id"], [lti.COURSE_OFFERING], context["title"], context["label"])
    message.set_launch_presentation_claim("iframe", f"{base}/test/return")
    if launch["custom"]:
        message.set_custom_parameters_claim(launch["custom"])
    line_item = resolve_line_item(state, launch["line_item_id"]) if launch["line_item_id"] else None
    message.set_ags(line_items_url(context["id"]), line_item["id"] if line_item else None)
    # The library drops lineitem.readonly when it grants lineitem; the brief's claim lists both.
    message.extra_claims[lti.AGS_CLAIM]["scope"] = [
        lti.AGS_LINEITEM,
        lti.AGS_LINEITEM_READONLY,
        lti.AGS_RESULT_READONLY,
        lti.AGS_SCORE,
    ]
    message.set_nrps(memberships_url(context["id"]))
    extra: dict[str, Any] = {
        f"{lti.CLAIM}tool_platform": {
            "guid": state["platform_guid"],
            "name": "Gym Test Platform",
            "product_family_code": lti.PRODUCT_FAMILY_CODE,
            "version": lti.VERSION,
        }
    }
    if launch["given_name"]:
        extra["given_name"] = launch["given_name"]
    if launch["family_name"]:
        extra["family_name"] = launch["family_name"]
    message.set_extra_claims(extra)
    data = None
    if launch["message_type"] == "LtiDeepLinkingRequest":
        data = secrets.token_urlsafe(16)
        message.set_dl(f"{base}/deep_link_return", title=context["title"], accept_types={"ltiResourceLink"})
        settings = message._deep_linking_launch_data[lti.DL_SETTINGS_CLAIM]
        settings.update(accept_presentation_document_targets=["iframe", "window"], data=data)
    else:
        resource_link = state["resource_links"][launch["resource_link_id"]]
        message.set_resource_link_claim(resource_link["id"], title=resource_link.get("title"))
    try:
        message.lti_launch()
    except PreflightRequestValidationException:
        return error(400, "invalid_request", "the library rejected the auth request")
    signed = message.launch_data
    assert signed is not None

    with get_store().transaction() as writable:
        writable["id_tokens"].append(
            {
                "id_token": signed["id_token"],
                "state": signed["state"],
                "redirect_uri": params["redirect_uri"],
                "client_id": tool["client_id"],
                "hint": launch["hint"],
                "user_id": launch["user_id"],
                "message_type": launch["message_type"],
                "nonce": params["nonce"],
                "at": now_iso(),
            }
        )
        for stored in writable["launches"]:
            if stored["hint"] == launch["hint"]:
                stored["auth_count"] += 1
        if data is not None:
            writable["deep_link_requests"][data] = {
                "client_id": tool["client_id"],
                "deployment_id": tool["deployment_id"],
                "context_id": context["id"],
                "hint": launch["hint"],
                "used": False,
            }
    form = lti.auto_submit_form(params["redirect_uri"], {"id_token": signed["id_token"], "state": signed["state"]})
    return HttpResponse(form)


def _check_auth_request(
    state: dict[str, Any], params: dict[str, str]
) -> tuple[str | None, dict[str, Any] | None, dict[str, Any] | None]:
    """``(problem, launch, tool)``: the first thing wrong with an OIDC auth request, else its launch and tool."""
    tool = state["tools"].get(params.get("client_id", ""))
    if tool is None:
        return "unknown client_id", None, None
    # lti1p3platform posts to whatever redirect_uri it is given: an open redirect for id_tokens.
    if params.get("redirect_uri") not in tool["redirect_uris"]:
        return "redirect_uri is not one of the tool's registered redirect_uris", None, None
    expected = {"response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
    for name, value in expected.items():
        if params.get(name) != value:
            return f"{name} must be {value}", None, None
    if "openid" not in params.get("scope", "").split():
        return "scope must be openid", None, None
    for name in ("nonce", "state", "login_hint", "lti_message_hint"):
        if not params.get(name):
            return f"{name} is required", None, None
    launch = next((item for item in state["launches"] if item["hint"] == params["lti_message_hint"]), None)
    if launch is None or launch["client_id"] != tool["client_id"]:
        return "lti_message_hint does not match a pending launch", None, None
    if launch["login_hint"] != params["login_hint"]:
        return "login_hint does not match the launch's user", None, None
    return None, launch, tool


# --- access tokens -------------------------------------------------------------------------------------------


def token(request: HttpRequest) -> JsonResponse:
    """OAuth 2 client credentials with a JWT client assertion (IMS Security Framework)."""
    if request.method != "POST":
        return error(405, "invalid_request", "POST only")
    state = get_store().read()
    if state["config"]["down"]:
        return service_unavailable()
    form = request.POST.dict()
    response = _issue_token(state, form)
    if isinstance(response, JsonResponse):
        with get_store().transaction() as writable:
            writable["token_errors"].append({"error": json.loads(response.content), "at": now_iso()})
        return response
    return response_with_no_store(response)


def response_with_no_store(data: dict[str, Any]) -> JsonResponse:
    """A token response, which must not be cached by intermediaries."""
    resp = json_response(data)
    resp["Cache-Control"] = "no-store"
    resp["Pragma"] = "no-cache"
    return resp


def _issue_token(state: dict[str, Any], form: dict[str, str]) -> dict[str, Any] | JsonResponse:
    """The token response, or an error response."""
    if form.get("grant_type") != "client_credentials":
        return error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != JWT_BEARER:
        return error(400, "invalid_request", "client_assertion_type must be jwt-bearer")
    if not form.get("client_assertion") or not form.get("scope"):
        return error(400, "invalid_request", "client_assertion and scope are required")
    try:
        claims = jwt.decode(form["client_assertion"], options={"verify_signature": False})
    except jwt.PyJWTError:
        return error(400, "invalid_client", "client_assertion is not a JWT")
    tool = state["tools"].get(str(claims.get("iss", "")))
    if tool is None:
        return error(400, "invalid_client", "unknown client")
    platform = lti.config(state, base_url(), tool)
    try:
        # Verifies the signature against the tool's JWKS, plus exp/iat when present; not aud.
        issued = platform.get_access_token(form)
    except jwt.ExpiredSignatureError:
        return error(400, "invalid_grant", "client_assertion has expired")
    except Exception as exc:
        return error(400, "invalid_client", f"client_assertion rejected: {exc}")

    client_id = tool["client_id"]
    if claims.get("sub") != client_id:
        return error(400, "invalid_grant", "iss and sub must both be the client_id")
    audience = claims.get("aud")
    token_url = f"{base_url()}/token"
    if audience != token_url and not (isinstance(audience, list) and token_url in audience):
        return error(400, "invalid_grant", f"aud must be the token endpoint {token_url}")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= time.time():
        return error(400, "invalid_grant", "exp is required and must be in the future")
    if not claims.get("jti"):
        return error(400, "invalid_grant", "jti is required")

    scopes = [scope for scope in issued["scope"].split() if scope in tool["scopes"]]
    if not scopes:
        return error(400, "invalid_scope", "none of the requested scopes is granted to this tool")
    expires_in = int(state["config"]["token_expires_in"])
    if scopes != issued["scope"].split() or expires_in != issued["expires_in"]:
        # get_access_token always signs for 3600 s and every supported scope: re-sign what this tool may have.
        registration = lti.registration(state, base_url(), tool)
        issued["access_token"] = registration.encode_and_sign(
            {"sub": client_id, "iss": base_url(), "scopes": " ".join(scopes)},
            state["platform_key"]["private_pem"],
            expiration=expires_in,
        )
        issued.update(scope=" ".join(scopes), expires_in=expires_in)

    with get_store().transaction() as writable:
        now = time.time()
        writable["used_jtis"] = {jti: exp for jti, exp in writable["used_jtis"].items() if exp > now}
        if claims["jti"] in writable["used_jtis"]:
            return error(400, "invalid_grant", "jti was already used")
        writable["used_jtis"][claims["jti"]] = claims["exp"]
        writable["token_requests"] += 1
        writable["tokens"].append(
            {"client_id": client_id, "scope": issued["scope"], "expires_in": issued["expires_in"], "at": now_iso()}
        )
    return dict(issued)


# --- Assignment and Grade Services ---------------------------------------------------------------------------


def line_items(request: HttpRequest, context_id: str) -> JsonResponse:
    """The line item container: GET lists (filters, paging), POST creates."""
    state = get_store().read()
    if request.method == "GET":
        client_id, denied = authorize(request, state, [lti.AGS_LINEITEM, lti.AGS_LINEITEM_READONLY])
    elif request.method == "POST":
        client_id, denied = authorize(request, state, [lti.AGS_LINEITEM])
    else:
        return error(405, "invalid_request", "GET or POST")
    if denied:
        return denied
    if context_id not in state["contexts"]:
        return error(404, "not_found", "unknown context")

    if request.method == "GET":
        items = [li for li in state["line_items"] if li["context_id"] == context_id]
        for param, field in (("resource_link_id", "resourceLinkId"), ("tag", "tag"), ("resource_id", "resourceId")):
            if param in request.GET:
                items = [li for li in items if li.get(field) == request.GET[param]]
        page_items, has_next, limit, page = paginate(items, request, None)
        resp = json_response([public_line_item(li) for li in page_items], content_type=LINEITEMS_TYPE)
        if has_next:
            query = {**request.GET.dict(), "limit": limit, "page": page + 1}
            resp["Link"] = next_link(f"{line_items_url(context_id)}?{urlencode(query)}")
        return resp

    if media_type(request) != LINEITEM_TYPE:
        return error(415, "unsupported_media_type", f"Content-Type must be {LINEITEM_TYPE}")
    data = body_json(request)
    problem = validate_line_item(data)
    if problem:
        return error(400, "invalid_request", problem)
    with get_store().transaction() as writable:
        item = create_line_item(writable, context_id, data, source="tool", client_id=client_id)
    return json_response(public_line_item(item), status=201, content_type=LINEITEM_TYPE)


def _line_item_or_404(request: HttpRequest, state: dict[str, Any], context_id: str, key: int) -> dict | None:
    """The addressed line item; None (→ 404) also when ``type_id`` does not repeat its key, which is what a
    URL with ``/scores`` appended after the query string looks like."""
    if request.GET.get("type_id") != str(key):
        return None
    return find_line_item(state, context_id, key)


def line_item(request: HttpRequest, context_id: str, key: int) -> HttpResponse:
    """One line item: GET, PUT, DELETE."""
    state = get_store().read()
    if _line_item_or_404(request, state, context_id, key) is None:
        return error(404, "not_found", "no such line item URL (line item URLs carry ?type_id=<id>)")
    if request.method == "GET":
        scopes = [lti.AGS_LINEITEM, lti.AGS_LINEITEM_READONLY]
    elif request.method in ("PUT", "DELETE"):
        scopes = [lti.AGS_LINEITEM]
    else:
        return error(405, "invalid_request", "GET, PUT or DELETE")
    _client_id, denied = authorize(request, state, scopes)
    if denied:
        return denied

    if request.method == "GET":
        item = find_line_item(state, context_id, key)
        assert item is not None
        return json_response(public_line_item(item), content_type=LINEITEM_TYPE)
    if request.method == "DELETE":
        with get_store().transaction() as writable:
            writable["line_items"] = [
                li for li in writable["line_items"] if not (li["key"] == key and li["context_id"] == context_id)
            ]
        return HttpResponse(status=204)

    if media_type(request) != LINEITEM_TYPE:
        return error(415, "unsupported_media_type", f"Content-Type must be {LINEITEM_TYPE}")
    data = body_json(request)
    problem = validate_line_item(data)
    if problem:
        return error(400, "invalid_request", problem)
    with get_store().transaction() as writable:
        item = find_line_item(writable, context_id, key)
        if item is None:
            return error(404, "not_found", "line item was deleted")
        if data.get("id") not in (None, item["id"]):
            return error(400, "invalid_request", "id must be the line item's URL")
        for field in LINE_ITEM_FIELDS[1:]:
            item[field] = data.get(field)
    return json_response(public_line_item(item), content_type=LINEITEM_TYPE)


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp WITH a UTC offset, or None (a naive time is ambiguous: the spec forbids it)."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def validate_score(data: Any) -> str | None:
    """Why a score body is invalid, or None."""
    if not isinstance(data, dict):
        return "body must be a JSON object"
    if not isinstance(data.get("userId"), str) or not data["userId"]:
        return "userId is required"
    numbers = {}
    for field in ("scoreGiven", "scoreMaximum"):
        value = data.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"{field} must be a number"
        numbers[field] = value
    if numbers["scoreGiven"] is not None:
        if numbers["scoreMaximum"] is None:
            return "scoreMaximum is required with scoreGiven"
        if numbers["scoreGiven"] < 0 or numbers["scoreMaximum"] <= 0:
            return "scoreGiven must be >= 0 and scoreMaximum > 0"
    if data.get("activityProgress") not in ACTIVITY_PROGRESS:
        return f"activityProgress must be one of {sorted(ACTIVITY_PROGRESS)}"
    if data.get("gradingProgress") not in GRADING_PROGRESS:
        return f"gradingProgress must be one of {sorted(GRADING_PROGRESS)}"
    if parse_timestamp(data.get("timestamp")) is None:
        return "timestamp must be ISO 8601 with a timezone offset"
    if "comment" in data and data["comment"] is not None and not isinstance(data["comment"], str):
        return "comment must be a string"
    return None


def scores(request: HttpRequest, context_id: str, key: int) -> JsonResponse:
    """POST a score to a line item: ``<line item path>/scores?type_id=<id>``."""
    state = get_store().read()
    item = _line_item_or_404(request, state, context_id, key)
    if item is None:
        return error(404, "not_found", "no such line item URL")
    if request.method != "POST":
        return error(405, "invalid_request", "POST only")
    client_id, denied = authorize(request, state, [lti.AGS_SCORE])
    if denied:
        return denied
    data = body_json(request)
    record = {**(data if isinstance(data, dict) else {"body": data}), "line_item_id": item["id"]}
    record.update(context_id=context_id, client_id=client_id, received_at=now_iso())

    if media_type(request) != SCORE_TYPE:
        status, problem = 415, f"Content-Type must be {SCORE_TYPE}"
    else:
        status, problem = 400, validate_score(data)
    with get_store().transaction() as writable:
        if problem:
            writable["rejected_scores"].append({**record, "status": status, "reason": problem})
            return error(status, "invalid_request", problem)
        if find_line_item(writable, context_id, key) is None:
            return error(404, "not_found", "line item was deleted")
        results = writable["results"].setdefault(item["id"], {})
        last = results.get(data["userId"])
        if last and parse_timestamp(data["timestamp"]) < parse_timestamp(last["timestamp"]):
            reason = f"timestamp {data['timestamp']} is older than the last accepted {last['timestamp']}"
            writable["rejected_scores"].append({**record, "status": 409, "reason": reason})
            return error(409, "conflict", reason)
        writable["scores"].append(record)
        results[data["userId"]] = record
    return json_response({"resultUrl": line_item_url(context_id, key, "/results") + f"&user_id={data['userId']}"})


def results(request: HttpRequest, context_id: str, key: int) -> JsonResponse:
    """GET the results of a line item: ``<line item path>/results?type_id=<id>`` (``user_id`` filters)."""
    state = get_store().read()
    item = _line_item_or_404(request, state, context_id, key)
    if item is None:
        return error(404, "not_found", "no such line item URL")
    if request.method != "GET":
        return error(405, "invalid_request", "GET only")
    _client_id, denied = authorize(request, state, [lti.AGS_RESULT_READONLY])
    if denied:
        return denied
    body = []
    for user_id, score in state["results"].get(item["id"], {}).items():
        if request.GET.get("user_id") not in (None, user_id):
            continue
        result = {
            "id": line_item_url(context_id, key, "/results") + f"&user_id={quote(user_id)}",
            "scoreOf": item["id"],
            "userId": user_id,
            "timestamp": score["timestamp"],
        }
        if score.get("scoreGiven") is not None:
            result.update(resultScore=score["scoreGiven"], resultMaximum=score["scoreMaximum"])
        if score.get("comment"):
            result["comment"] = score["comment"]
        body.append(result)
    page_items, _has_next, _limit, _page = paginate(body, request, None)
    return json_response(page_items, content_type=RESULTS_TYPE)


# --- Names and Role Provisioning ----------------------------------------------------------------------------


def memberships(request: HttpRequest, context_id: str) -> JsonResponse:
    """NRPS 2.0 context membership, in pages of ``limit`` (default: the small test page size)."""
    state = get_store().read()
    if request.method != "GET":
        return error(405, "invalid_request", "GET only")
    _client_id, denied = authorize(request, state, [lti.NRPS_MEMBERSHIP])
    if denied:
        return denied
    context = state["contexts"].get(context_id)
    if context is None:
        return error(404, "not_found", "unknown context")
    members = state["memberships"].get(context_id, [])
    if request.GET.get("role"):
        role = lti.role_uri(request.GET["role"])
        members = [member for member in members if role in member["roles"]]
    page_members, has_next, limit, page = paginate(members, request, state["config"]["memberships_page_size"])
    body = {
        "id": memberships_url(context_id),
        "context": {"id": context["id"], "label": context["label"], "title": context["title"]},
        "members": page_members,
    }
    resp = json_response(body, content_type=MEMBERSHIPS_TYPE)
    if has_next:
        query = {**request.GET.dict(), "limit": limit, "page": page + 1}
        resp["Link"] = next_link(f"{memberships_url(context_id)}?{urlencode(query)}")
    return resp


# --- Deep Linking return ----------------------------------------------------------------------------------------


def deep_link_return(request: HttpRequest) -> HttpResponse:
    """The tool's LtiDeepLinkingResponse: check it, then add each ltiResourceLink (and its line item)."""
    if request.method != "POST":
        return error(405, "invalid_request", "POST only")
    token_string = request.POST.get("JWT", "")
    state = get_store().read()
    try:
        claims = jwt.decode(token_string, options={"verify_signature": False})
    except jwt.PyJWTError:
        return error(400, "invalid_request", "JWT form field is missing or not a JWT")
    tool = state["tools"].get(str(claims.get("iss", "")))
    if tool is None:
        return error(400, "invalid_client", "iss is not a registered client_id")
    platform = lti.config(state, base_url(), tool).set_accepted_deeplinking_types(["ltiResourceLink"])
    try:
        items = platform.validate_deeplinking_resp({"JWT": token_string})
    except Exception as exc:
        return error(400, "invalid_request", f"deep linking response rejected: {exc}")
    problem = _check_deep_link_claims(claims, tool)
    if problem:
        return error(400, "invalid_request", problem)

    # Check every line item before changing anything: a returned error inside a transaction still saves.
    line_item_fields: list[dict[str, Any] | None] = []
    for content in items:
        spec = content.get("lineItem")
        if not isinstance(spec, dict):
            line_item_fields.append(None)
            continue
        fields = {
            "label": spec.get("label") or content.get("title") or "Untitled",
            "scoreMaximum": spec.get("scoreMaximum"),
            "tag": spec.get("tag"),
            "resourceId": spec.get("resourceId"),
        }
        problem = validate_line_item(fields)
        if problem:
            return error(400, "invalid_request", f"lineItem: {problem}")
        line_item_fields.append(fields)

    base = base_url()
    with get_store().transaction() as writable:
        dl_request = writable["deep_link_requests"].get(claims.get(lti.DL_DATA_CLAIM))
        if dl_request is None or dl_request["client_id"] != tool["client_id"]:
            return error(400, "invalid_request", "data does not echo a deep linking request's data")
        if dl_request["used"]:
            return error(400, "invalid_request", "this deep linking request was already answered")
        dl_request["used"] = True
        context_id = dl_request["context_id"]
        added = []
        for content, fields in zip(items, line_item_fields, strict=True):
            writable["counters"]["deep_link"] += 1
            resource_link_id = f"dl-{writable['counters']['deep_link']}"
            writable["resource_links"][resource_link_id] = {
                "id": resource_link_id,
                "context_id": context_id,
                "client_id": tool["client_id"],
                "title": content.get("title"),
                "text": content.get("text"),
                "url": content.get("url"),
                "custom": content.get("custom") or {},
            }
            line_item_id = None
            if fields is not None:
                fields = {**fields, "resourceLinkId": resource_link_id}
                line_item_id = create_line_item(writable, context_id, fields, "deep_link", tool["client_id"])["id"]
            record = {
                "client_id": tool["client_id"],
                "context_id": context_id,
                "resource_link_id": resource_link_id,
                "title": content.get("title"),
                "url": content.get("url"),
                "custom": content.get("custom") or {},
                "line_item_id": line_item_id,
                "item": content,
                "msg": claims.get(lti.DL_MSG_CLAIM),
                "at": now_iso(),
            }
            writable["deep_link_items"].append(record)
            added.append(record)
    titles = "".join(f"<li>{html.escape(item['title'] or item['url'] or '')}</li>" for item in added)
    return HttpResponse(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Items added</title></head>"
        f"<body><h1>Items added</h1><p>{len(added)} item(s) added.</p><ul>{titles}</ul>"
        f"<p><a href='{base}/test/return'>Back to the course</a></p></body></html>"
    )


def _check_deep_link_claims(claims: dict[str, Any], tool: dict[str, Any]) -> str | None:
    """What lti1p3platform does not check in a deep linking response (it decodes with verify_aud off)."""
    audience = claims.get("aud")
    issuer = base_url()
    if audience != issuer and not (isinstance(audience, list) and issuer in audience):
        return f"aud must be the platform issuer {issuer}"
    if claims.get("iss") != tool["client_id"]:
        return "iss must be the client_id"
    if not claims.get("nonce"):
        return "nonce is required"
    if not isinstance(claims.get("exp"), int | float):
        return "exp is required"
    if claims.get(f"{lti.CLAIM}deployment_id") != tool["deployment_id"]:
        return "deployment_id does not match the tool's deployment"
    if claims.get(f"{lti.CLAIM}version") != "1.3.0":
        return "version must be 1.3.0"
    if claims.get(f"{lti.CLAIM}message_type") != "LtiDeepLinkingResponse":
        return "message_type must be LtiDeepLinkingResponse"
    if not claims.get(lti.DL_DATA_CLAIM):
        return "data must echo the deep linking settings' data"
    return None


# --- test control ----------------------------------------------------------------------------------------------


def test_state(request: HttpRequest) -> JsonResponse:
    """Everything the platform knows, except its private key."""
    state = get_store().read()
    state["platform_key"] = {"kid": state["platform_key"]["kid"]}
    state["issuer"] = base_url()
    return json_response(state)


def test_tools(request: HttpRequest) -> JsonResponse:
    """Manual registration of a tool."""
    if request.method != "POST":
        return error(405, "invalid_request", "POST only")
    data = body_json(request)
    if not isinstance(data, dict):
        return error(400, "invalid_request", "body must be a JSON object")
    for field in ("initiate_login_uri", "jwks_uri", "target_link_uri"):
        if not is_url(data.get(field)):
            return error(400, "invalid_request", f"{field} must be a URL")
    uris = data.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(is_url(uri) for uri in uris):
        return error(400, "invalid_request", "redirect_uris must be a non-empty list of URLs")
    if data.get("deep_link_uri") is not None and not is_url(data["deep_link_uri"]):
        return error(400, "invalid_request", "deep_link_uri must be a URL")
    with get_store().transaction() as state:
        tool = new_tool(state, data, source="manual", scopes=list(lti.SERVICE_SCOPES))
    return json_response(tool_summary(tool), status=201)


def test_registration_tokens(request: HttpRequest) -> JsonResponse:
    """A fresh one-time registration token for IMS Dynamic Registration."""
    if request.method != "POST":
        return error(405, "invalid_request", "POST only")
    registration_token = secrets.token_urlsafe(24)
    with get_store().transaction() as state:
        state["registration_tokens"][registration_token] = {"used": False, "created_at": now_iso()}
    return json_response({"registration_token": registration_token}, status=201)


def test_launch(request: HttpRequest) -> HttpResponse:
    """Record a pending launch and answer an auto-submitting form that starts third-party login at the tool."""
    query = request.GET
    message_type = query.get("message_type") or "LtiResourceLinkRequest"
    if message_type not in MESSAGE_TYPES:
        return error(400, "invalid_request", f"message_type must be one of {MESSAGE_TYPES}")
    if not query.get("user_id"):
        return error(400, "invalid_request", "user_id is required")
    try:
        custom = json.loads(query["custom"]) if query.get("custom") else {}
    except ValueError:
        return error(400, "invalid_request", "custom must be a JSON object")
    if not isinstance(custom, dict):
        return error(400, "invalid_request", "custom must be a JSON object")
    roles = [
        lti.role_uri(role.strip()) for value in query.getlist("roles") for role in value.split(",") if role.strip()
    ]

    with get_store().transaction() as state:
        tool = state["tools"].get(query.get("client_id", ""))
        if tool is None:
            return error(400, "invalid_request", "unknown client_id")
        context_id = query.get("context_id") or "course-1"
        ensure_context(state, context_id, query.get("context_title") or "Course 1")
        resource_link_id = None
        target = query.get("target_link_uri")
        line_item_ref = query.get("line_item_id")
        if message_type == "LtiResourceLinkRequest":
            resource_link_id = query.get("resource_link_id") or f"rl-{context_id}"
            link = state["resource_links"].setdefault(
                resource_link_id,
                {"id": resource_link_id, "context_id": context_id, "client_id": tool["client_id"], "custom": {}},
            )
            target = target or link.get("url") or tool["target_link_uri"]
            # Custom parameters set on the link (deep linking) apply to every launch of it; the test's win.
            custom = {**link.get("custom", {}), **custom}
            if not line_item_ref:
                bound = next(
                    (
                        li
                        for li in state["line_items"]
                        if li["context_id"] == context_id and li.get("resourceLinkId") == resource_link_id
                    ),
                    None,
                )
                line_item_ref = bound["id"] if bound else None
        else:
            target = target or tool["deep_link_uri"]
        if line_item_ref and resolve_line_item(state, line_item_ref) is None:
            return error(400, "invalid_request", "unknown line_item_id")
        hint = secrets.token_urlsafe(16)
        launch = {
            "hint": hint,
            "login_hint": query["user_id"],
            "client_id": tool["client_id"],
            "deployment_id": tool["deployment_id"],
            "user_id": query["user_id"],
            "roles": roles or [lti.role_uri("Learner")],
            "context_id": context_id,
            "resource_link_id": resource_link_id,
            "message_type": message_type,
            "target_link_uri": target,
            "line_item_id": line_item_ref,
            "custom": custom,
            "given_name": query.get("given_name"),
            "family_name": query.get("family_name"),
            "email": query.get("email"),
            "auth_count": 0,
            "at": now_iso(),
        }
        state["launches"].append(launch)
    fields = {
        "iss": base_url(),
        "login_hint": launch["login_hint"],
        "target_link_uri": target,
        "lti_message_hint": hint,
        "client_id": tool["client_id"],
        "lti_deployment_id": tool["deployment_id"],
    }
    return HttpResponse(lti.auto_submit_form(tool["initiate_login_uri"], fields, title="Launching"))


def test_roster(request: HttpRequest) -> JsonResponse:
    """Replace a context's roster (NRPS members); short role names become LIS URIs."""
    data = body_json(request)
    if request.method != "POST" or not isinstance(data, dict) or not data.get("context_id"):
        return error(400, "invalid_request", "POST {context_id, members}")
    members = []
    for member in data.get("members", []):
        if not isinstance(member, dict) or not member.get("user_id") or not isinstance(member.get("roles"), list):
            return error(400, "invalid_request", "each member needs user_id and roles")
        roles = [lti.role_uri(role) for role in member["roles"]]
        members.append({**member, "roles": roles, "status": member.get("status") or "Active"})
    with get_store().transaction() as state:
        ensure_context(state, data["context_id"], data.get("context_title"))
        state["memberships"][data["context_id"]] = members
    return json_response({"context_id": data["context_id"], "members": members})


def test_line_items(request: HttpRequest) -> JsonResponse:
    """Create a line item as the platform's instructor would."""
    data = body_json(request)
    if request.method != "POST" or not isinstance(data, dict) or not data.get("context_id"):
        return error(400, "invalid_request", "POST {context_id, label, score_maximum, ...}")
    fields = {
        "label": data.get("label"),
        "scoreMaximum": data.get("score_maximum"),
        "resourceLinkId": data.get("resource_link_id"),
        "tag": data.get("tag"),
        "resourceId": data.get("resource_id"),
    }
    problem = validate_line_item(fields)
    if problem:
        return error(400, "invalid_request", problem)
    with get_store().transaction() as state:
        item = create_line_item(state, data["context_id"], fields, source="platform")
    return json_response(public_line_item(item), status=201)


def test_config(request: HttpRequest) -> JsonResponse:
    """Set test knobs: ``token_expires_in``, ``id_token_expires_in``, ``down``, ``memberships_page_size``."""
    data = body_json(request)
    if request.method != "POST" or not isinstance(data, dict) or not set(data) <= set(DEFAULT_CONFIG):
        return error(400, "invalid_request", f"POST an object with keys among {sorted(DEFAULT_CONFIG)}")
    with get_store().transaction() as state:
        state["config"].update(data)
        config = dict(state["config"])
    return json_response(config)


def test_return(request: HttpRequest) -> HttpResponse:
    """The launch_presentation return_url: record what the tool says on the way back."""
    params = request.GET.dict()
    with get_store().transaction() as state:
        state["returns"].append(
            {
                "lti_msg": params.get("lti_msg"),
                "lti_errormsg": params.get("lti_errormsg"),
                "lti_log": params.get("lti_log"),
                "lti_errorlog": params.get("lti_errorlog"),
                "params": params,
                "at": now_iso(),
            }
        )
    return HttpResponse("<!DOCTYPE html><html><body><h1>Back in the course</h1></body></html>")
