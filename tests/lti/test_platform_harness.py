"""The stand-in LTI 1.3 platform, driven without our tool: a fake tool made of an RSA key, a JWKS server and
pylti1p3/PyJWT calls checks that the platform enforces what the e2e tests rely on it to enforce."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from jwcrypto.jwk import JWK
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from pylti1p3.registration import Registration as ToolRegistration
from pylti1p3.service_connector import ServiceConnector

from tests.lti.platform import Platform, parse_form
from tests.lti.platform.fixtures import lti_platform  # noqa: F401 (the fixture under test)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership"
SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ALL_SCOPES = [f"{SCOPE}lineitem", f"{SCOPE}lineitem.readonly", f"{SCOPE}result.readonly", f"{SCOPE}score", NRPS_SCOPE]
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"


class FakeTool:
    """What the platform sees of a tool: URLs on ``localhost`` and a key whose JWKS a tiny server publishes."""

    def __init__(self) -> None:
        key = JWK.generate(kty="RSA", size=2048)
        self.private_pem = key.export_to_pem(private_key=True, password=None).decode()
        self.public_pem = key.export_to_pem().decode()
        self.kid = key.thumbprint()
        jwks = json.dumps({"keys": [{**json.loads(key.export_public()), "kid": self.kid, "alg": "RS256"}]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if self.path == "/jwks" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(jwks)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval: shutdown() waits for it at every test's teardown.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.base = f"http://localhost:{self.server.server_address[1]}"
        self.login_url = f"{self.base}/lti/login"
        self.launch_url = f"{self.base}/lti/launch"
        self.deep_link_url = f"{self.base}/lti/deep-link"
        self.jwks_url = f"{self.base}/jwks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sign(self, claims: dict[str, Any], private_pem: str | None = None) -> str:
        return jwt.encode(claims, private_pem or self.private_pem, algorithm="RS256", headers={"kid": self.kid})

    def assertion(self, client_id: str, aud: Any, **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": client_id, "sub": client_id, "aud": aud, "iat": now - 5, "exp": now + 60}
        claims["jti"] = str(uuid.uuid4())
        claims.update(overrides)
        return self.sign({name: value for name, value in claims.items() if value is not None})

    def pylti1p3_registration(self, platform: Platform, client_id: str) -> ToolRegistration:
        registration = ToolRegistration()
        registration.set_issuer(platform.issuer).set_client_id(client_id)
        registration.set_auth_token_url(f"{platform.base_url}/token")
        registration.set_tool_private_key(self.private_pem).set_tool_public_key(self.public_pem)
        return registration


@pytest.fixture
def tool() -> Iterator[FakeTool]:
    fake = FakeTool()
    yield fake
    fake.close()


@pytest.fixture
def registered(lti_platform: Platform, tool: FakeTool) -> dict[str, str]:  # noqa: F811
    return lti_platform.register_tool(
        initiate_login_uri=tool.login_url,
        redirect_uris=[tool.launch_url, tool.deep_link_url],
        jwks_uri=tool.jwks_url,
        target_link_uri=tool.launch_url,
        deep_link_uri=tool.deep_link_url,
    )


def auth_params(login: dict[str, str], redirect: str, **overrides: str) -> dict[str, str]:
    """The OIDC auth request a tool sends after third-party login initiation."""
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": login["client_id"],
        "redirect_uri": redirect,
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
        "nonce": uuid.uuid4().hex,
        "state": uuid.uuid4().hex,
    }
    params.update(overrides)
    return params


def verify_id_token(platform: Platform, id_token: str, client_id: str) -> dict[str, Any]:
    """Check the id_token's signature against the platform's JWKS, as a tool must."""
    kid = jwt.get_unverified_header(id_token)["kid"]
    jwks = requests.get(f"{platform.base_url}/jwks", timeout=5).json()
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(id_token, key, algorithms=["RS256"], audience=client_id, issuer=platform.issuer)


def launch(
    platform: Platform, tool: FakeTool, client_id: str, auth_method: str = "POST", **kwargs: Any
) -> tuple[dict[str, Any], dict]:
    """Follow a launch to the id_token: ``(claims, auth request params)``."""
    session = requests.Session()
    page = session.get(platform.launch_url(client_id=client_id, **kwargs), timeout=5)
    login = parse_form(page.text)
    assert login.action == tool.login_url
    redirect = tool.deep_link_url if kwargs.get("message_type") == "LtiDeepLinkingRequest" else tool.launch_url
    params = auth_params(login.fields, redirect)
    if auth_method == "GET":
        answer = session.get(f"{platform.base_url}/auth", params=params, timeout=10)
    else:
        answer = session.post(f"{platform.base_url}/auth", data=params, timeout=10)
    assert answer.status_code == 200, answer.text
    form = parse_form(answer.text)
    assert form.action == redirect
    assert form.fields["state"] == params["state"]
    return verify_id_token(platform, form.fields["id_token"], client_id), params


def access_token(platform: Platform, tool: FakeTool, client_id: str, scopes: list[str] = ALL_SCOPES) -> str:
    """A token the way a pylti1p3 tool gets one."""
    return ServiceConnector(tool.pylti1p3_registration(platform, client_id)).get_access_token(scopes)


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def post_score(token: str, url: str, **score: Any) -> requests.Response:
    body = {"activityProgress": "Completed", "gradingProgress": "FullyGraded", **score}
    return requests.post(url, data=json.dumps(body), headers=bearer(token, **{"Content-Type": SCORE_TYPE}), timeout=5)


def scores_url(line_item_url: str) -> str:
    """``/scores`` goes on the path, before the query string."""
    parts = urlsplit(line_item_url)
    return parts._replace(path=parts.path + "/scores").geturl()


def test_login_initiation_form(lti_platform: Platform, tool: FakeTool, registered: dict) -> None:  # noqa: F811
    page = requests.get(lti_platform.launch_url(client_id=registered["client_id"], user_id="u1"), timeout=5)
    form = parse_form(page.text)
    assert (form.method, form.action) == ("post", tool.login_url)
    assert "document.forms[0].submit()" in page.text
    assert form.fields["iss"] == lti_platform.issuer
    assert form.fields["login_hint"] == "u1"
    assert form.fields["target_link_uri"] == tool.launch_url
    assert form.fields["client_id"] == registered["client_id"]
    assert form.fields["lti_deployment_id"] == registered["deployment_id"]
    assert lti_platform.state()["launches"][0]["hint"] == form.fields["lti_message_hint"]


def test_resource_link_launch_id_token(lti_platform: Platform, tool: FakeTool, registered: dict) -> None:  # noqa: F811
    client_id = registered["client_id"]
    item = lti_platform.add_line_item("course-7", label="Quiz 1", score_maximum=10, resource_link_id="rl-quiz-1")
    claims, params = launch(
        lti_platform,
        tool,
        client_id,
        user_id="u-42",
        roles=("Instructor", "TeachingAssistant"),
        context_id="course-7",
        context_title="Deep Learning",
        resource_link_id="rl-quiz-1",
        custom={"exercise": "mnist"},
        given_name="Ada",
        family_name="Lovelace",
        email="ada@example.org",
    )
    assert claims["iss"] == lti_platform.issuer
    assert claims["aud"] == claims["azp"] == client_id
    assert claims["sub"] == "u-42" and claims["nonce"] == params["nonce"]
    assert claims["exp"] > claims["iat"]
    assert claims[f"{CLAIM}deployment_id"] == registered["deployment_id"]
    assert claims[f"{CLAIM}message_type"] == "LtiResourceLinkRequest"
    assert claims[f"{CLAIM}version"] == "1.3.0"
    assert claims[f"{CLAIM}roles"] == [f"{LIS}#Instructor", f"{LIS}/Instructor#TeachingAssistant"]
    assert claims[f"{CLAIM}context"] == {
        "id": "course-7",
        "label": "course-7",
        "title": "Deep Learning",
        "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
    }
    assert claims[f"{CLAIM}resource_link"]["id"] == "rl-quiz-1"
    assert claims[f"{CLAIM}target_link_uri"] == tool.launch_url
    assert claims[f"{CLAIM}launch_presentation"] == {
        "document_target": "iframe",
        "return_url": f"{lti_platform.base_url}/test/return",
    }
    assert claims[f"{CLAIM}custom"] == {"exercise": "mnist"}
    assert (claims["name"], claims["given_name"], claims["family_name"]) == ("Ada Lovelace", "Ada", "Lovelace")
    assert claims["email"] == "ada@example.org"
    assert claims[f"{CLAIM}tool_platform"]["product_family_code"] == "gym-test-platform"
    ags = claims[AGS_CLAIM]
    assert ags["lineitems"] == f"{lti_platform.base_url}/contexts/course-7/lineitems"
    assert ags["lineitem"] == item["id"] and "?type_id=" in item["id"]
    assert set(ags["scope"]) == set(ALL_SCOPES[:4])
    assert claims[NRPS_CLAIM] == {
        "context_memberships_url": f"{lti_platform.base_url}/contexts/course-7/memberships",
        "service_versions": ["2.0"],
    }
    assert "kid" in jwt.get_unverified_header(lti_platform.state()["id_tokens"][0]["id_token"])
    assert lti_platform.state()["id_tokens"][0]["nonce"] == params["nonce"]


@pytest.mark.parametrize(
    ("override", "why"),
    [
        ({"redirect_uri": "http://localhost:1/evil"}, "redirect_uri"),
        ({"prompt": ""}, "prompt"),
        ({"response_mode": "query"}, "response_mode"),
        ({"lti_message_hint": "forged"}, "lti_message_hint"),
        ({"login_hint": "someone-else"}, "login_hint"),
        ({"nonce": ""}, "nonce"),
    ],
)
def test_auth_request_is_checked(
    lti_platform: Platform,  # noqa: F811
    tool: FakeTool,
    registered: dict,
    override: dict[str, str],
    why: str,
) -> None:
    page = requests.get(lti_platform.launch_url(client_id=registered["client_id"], user_id="u1"), timeout=5)
    params = auth_params(parse_form(page.text).fields, tool.launch_url, **override)
    answer = requests.get(f"{lti_platform.base_url}/auth", params=params, timeout=5)
    assert answer.status_code == 400
    assert why in answer.json()["error_description"]
    assert lti_platform.state()["id_tokens"] == []


def test_access_token_checks_the_client_assertion(
    lti_platform: Platform,  # noqa: F811
    tool: FakeTool,
    registered: dict,
) -> None:
    client_id, token_url = registered["client_id"], registered["token_url"]
    token = access_token(lti_platform, tool, client_id, [f"{SCOPE}score"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == client_id and claims["scopes"] == f"{SCOPE}score"

    def request_token(assertion: str) -> requests.Response:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": " ".join(ALL_SCOPES),
        }
        return requests.post(token_url, data=form, timeout=5)

    ok = request_token(tool.assertion(client_id, [token_url, "other"]))
    assert ok.status_code == 200 and ok.json()["expires_in"] == 3600
    assert set(ok.json()["scope"].split()) == set(ALL_SCOPES)

    reused = tool.assertion(client_id, token_url)
    assert request_token(reused).status_code == 200
    rejected = {
        "wrong aud": tool.assertion(client_id, lti_platform.issuer),
        "no aud": tool.assertion(client_id, None),
        "jti reused": reused,
        "no jti": tool.assertion(client_id, token_url, jti=None),
        "expired": tool.assertion(client_id, token_url, iat=int(time.time()) - 120, exp=int(time.time()) - 60),
        "no exp": tool.assertion(client_id, token_url, exp=None),
        "sub differs": tool.assertion(client_id, token_url, sub="someone"),
        "other key": tool.sign(
            {"iss": client_id, "sub": client_id, "aud": token_url, "exp": int(time.time()) + 60, "jti": "x"},
            JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode(),
        ),
        "unknown client": tool.assertion("nobody", token_url),
    }
    for why, assertion in rejected.items():
        answer = request_token(assertion)
        assert answer.status_code == 400, why
        assert answer.json()["error"] in ("invalid_grant", "invalid_client"), why
    assert lti_platform.state()["token_requests"] == 3


def test_line_items_and_scores(lti_platform: Platform, tool: FakeTool, registered: dict) -> None:  # noqa: F811
    launch(lti_platform, tool, registered["client_id"], user_id="u1", context_id="c1")
    token = access_token(lti_platform, tool, registered["client_id"])
    container = f"{lti_platform.base_url}/contexts/c1/lineitems"
    assert requests.get(container, timeout=5).status_code == 401
    assert requests.get(container, headers=bearer("garbage"), timeout=5).status_code == 401

    created = []
    for n in (1, 2, 3):
        body = {"label": f"Quiz {n}", "scoreMaximum": 10, "resourceLinkId": "rl-c1", "tag": "quiz" if n < 3 else "x"}
        answer = requests.post(
            container, data=json.dumps(body), headers=bearer(token, **{"Content-Type": LINEITEM_TYPE}), timeout=5
        )
        assert answer.status_code == 201, answer.text
        assert answer.headers["Content-Type"] == LINEITEM_TYPE
        created.append(answer.json())
    item_url = created[0]["id"]
    assert urlsplit(item_url).query == f"type_id={urlsplit(item_url).path.split('/')[-2]}"
    wrong_type = requests.post(container, json={"label": "x", "scoreMaximum": 1}, headers=bearer(token), timeout=5)
    assert wrong_type.status_code == 415

    listed = requests.get(container, params={"tag": "quiz", "limit": 1}, headers=bearer(token), timeout=5)
    assert [li["label"] for li in listed.json()] == ["Quiz 1"]
    assert listed.headers["Link"].startswith("<") and listed.headers["Link"].endswith(">; rel=next")
    page_two = requests.get(listed.headers["Link"][1:-11], headers=bearer(token), timeout=5)
    assert [li["label"] for li in page_two.json()] == ["Quiz 2"] and "Link" not in page_two.headers
    assert requests.get(item_url, headers=bearer(token), timeout=5).json() == created[0]
    renamed = {**created[0], "label": "Quiz one", "scoreMaximum": 10}
    headers = bearer(token, **{"Content-Type": LINEITEM_TYPE})
    assert requests.put(item_url, data=json.dumps(renamed), headers=headers, timeout=5).json() == renamed

    now = datetime.now(UTC)

    def score(at: datetime, url: str = scores_url(item_url), **fields: Any) -> int:
        return post_score(token, url, userId="u1", timestamp=at.isoformat(), **fields).status_code

    assert score(now, scoreGiven=7, scoreMaximum=10) == 200
    assert score(now, url=f"{item_url}/scores") == 404  # appended after the query string
    assert score(now.replace(tzinfo=None)) == 400
    assert score(now - timedelta(seconds=1), scoreGiven=9, scoreMaximum=10) == 409
    assert score(now, scoreGiven=8, scoreMaximum=10) == 200  # same time as the last: accepted
    assert score(now, scoreGiven=8) == 400  # scoreGiven without scoreMaximum
    plain_json = requests.post(scores_url(item_url), json={"userId": "u1"}, headers=bearer(token), timeout=5)
    assert plain_json.status_code == 415

    results_url = urlsplit(item_url)._replace(path=urlsplit(item_url).path + "/results").geturl()
    results = requests.get(results_url, headers=bearer(token), timeout=5).json()
    assert [(r["userId"], r["resultScore"], r["resultMaximum"]) for r in results] == [("u1", 8, 10)]

    state = lti_platform.state()
    assert [(s["scoreGiven"], s["line_item_id"]) for s in state["scores"]] == [(7, item_url), (8, item_url)]
    assert [r["status"] for r in state["rejected_scores"]] == [400, 409, 400, 415]

    score_only = access_token(lti_platform, tool, registered["client_id"], [f"{SCOPE}score"])
    assert requests.get(container, headers=bearer(score_only), timeout=5).status_code == 403
    assert requests.delete(item_url, headers=bearer(token), timeout=5).status_code == 204
    assert requests.get(item_url, headers=bearer(token), timeout=5).status_code == 404


def test_memberships_are_paged_with_an_unquoted_link(
    lti_platform: Platform,  # noqa: F811
    tool: FakeTool,
    registered: dict,
) -> None:
    members = [
        {"user_id": f"u{n}", "roles": ["Learner"], "name": f"User {n}", "given_name": "User", "family_name": str(n)}
        for n in range(5)
    ]
    members[0]["roles"] = ["Instructor"]
    lti_platform.set_roster("c2", members, context_title="Course Two")
    token = access_token(lti_platform, tool, registered["client_id"], [NRPS_SCOPE])
    url: str | None = f"{lti_platform.base_url}/contexts/c2/memberships"
    seen, pages = [], 0
    while url:
        answer = requests.get(url, headers=bearer(token), timeout=5)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
        body = answer.json()
        assert body["context"] == {"id": "c2", "label": "c2", "title": "Course Two"}
        assert len(body["members"]) <= 2
        seen += body["members"]
        pages += 1
        link = answer.headers.get("Link")
        assert link is None or ('rel="next"' not in link and link.endswith("; rel=next"))
        url = link.split(">")[0][1:] if link else None
    assert pages == 3
    assert [m["user_id"] for m in seen] == [f"u{n}" for n in range(5)]
    assert seen[0]["roles"] == [f"{LIS}#Instructor"] and seen[1]["status"] == "Active"
    ags_only = access_token(lti_platform, tool, registered["client_id"], [f"{SCOPE}score"])
    answer = requests.get(f"{lti_platform.base_url}/contexts/c2/memberships", headers=bearer(ags_only), timeout=5)
    assert answer.status_code == 403


def test_deep_linking(lti_platform: Platform, tool: FakeTool, registered: dict) -> None:  # noqa: F811
    client_id = registered["client_id"]
    claims, _params = launch(
        lti_platform, tool, client_id, user_id="prof", context_id="c3", message_type="LtiDeepLinkingRequest"
    )
    assert claims[f"{CLAIM}message_type"] == "LtiDeepLinkingRequest"
    assert claims[f"{CLAIM}target_link_uri"] == tool.deep_link_url
    assert f"{CLAIM}resource_link" not in claims
    settings = claims[DL_SETTINGS]
    assert settings["deep_link_return_url"] == f"{lti_platform.base_url}/deep_link_return"
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_presentation_document_targets"] == ["iframe", "window"]
    assert settings["accept_multiple"] is True and settings["auto_create"] is True and settings["data"]

    registration = tool.pylti1p3_registration(lti_platform, client_id)
    deep_link = DeepLink(registration, registered["deployment_id"], settings)
    graded = (
        DeepLinkResource()
        .set_url(f"{tool.base}/lti/launch?exercise=mnist")
        .set_title("MNIST quiz")
        .set_custom_params({"exercise": "mnist"})
        .set_lineitem(LineItem().set_score_maximum(20).set_label("MNIST").set_tag("quiz").set_resource_id("mnist"))
    )
    ungraded = DeepLinkResource().set_url(f"{tool.base}/lti/launch?exercise=intro").set_title("Intro")
    message = deep_link.get_message_jwt([graded, ungraded])
    return_url = settings["deep_link_return_url"]

    def send(claims: dict[str, Any]) -> requests.Response:
        return requests.post(return_url, data={"JWT": tool.sign(claims)}, timeout=10)

    assert send({**message, "aud": "http://elsewhere"}).status_code == 400
    assert send({**message, "https://purl.imsglobal.org/spec/lti-dl/claim/data": "forged"}).status_code == 400
    assert send({**message, f"{CLAIM}deployment_id": "other"}).status_code == 400
    assert send({**message, "nonce": None}).status_code == 400
    assert send({**message, f"{CLAIM}version": "1.1"}).status_code == 400
    items_claim = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
    file_item = {**message[items_claim][0], "type": "file"}
    assert send({**message, items_claim: [file_item]}).status_code == 400

    accepted = requests.post(return_url, data={"JWT": deep_link.get_response_jwt([graded, ungraded])}, timeout=10)
    assert accepted.status_code == 200 and "Items added" in accepted.text
    assert send(message).status_code == 400  # the settings' data is answered once

    state = lti_platform.state()
    first, second = state["deep_link_items"]
    assert (first["title"], first["custom"], second["line_item_id"]) == ("MNIST quiz", {"exercise": "mnist"}, None)
    line_item = next(li for li in state["line_items"] if li["id"] == first["line_item_id"])
    assert (line_item["resourceLinkId"], line_item["scoreMaximum"], line_item["tag"]) == (
        first["resource_link_id"],
        20,
        "quiz",
    )

    claims, _params = launch(
        lti_platform, tool, client_id, user_id="u1", context_id="c3", resource_link_id=first["resource_link_id"]
    )
    assert claims[f"{CLAIM}target_link_uri"] == first["url"]
    assert claims[f"{CLAIM}custom"] == {"exercise": "mnist"}
    assert claims[AGS_CLAIM]["lineitem"] == first["line_item_id"]


def test_dynamic_registration(lti_platform: Platform, tool: FakeTool) -> None:  # noqa: F811
    start = urlsplit(lti_platform.registration_start_url(f"{tool.base}/lti/register?x=1"))
    query = parse_qs(start.query)
    assert query["x"] == ["1"]
    config_url, registration_token = query["openid_configuration"][0], query["registration_token"][0]
    assert requests.get(config_url, timeout=5).status_code == 401
    config = requests.get(config_url, headers=bearer(registration_token), timeout=5).json()
    assert config["issuer"] == lti_platform.issuer
    assert config["token_endpoint"] == f"{lti_platform.base_url}/token"
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    platform_config = config["https://purl.imsglobal.org/spec/lti-platform-configuration"]
    assert platform_config["product_family_code"] == "gym-test-platform"
    assert {m["type"] for m in platform_config["messages_supported"]} == {
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    }

    request = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool.login_url,
        "redirect_uris": [tool.launch_url],
        "client_name": "Gradient Gym",
        "jwks_uri": tool.jwks_url,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": f"{SCOPE}score {SCOPE}lineitem",
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {
            "domain": urlsplit(tool.base).netloc,
            "target_link_uri": tool.launch_url,
            "claims": ["iss", "sub", "name"],
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": tool.deep_link_url}],
        },
    }
    register = config["registration_endpoint"]
    invalid = requests.post(register, json={**request, "jwks_uri": None}, headers=bearer(registration_token), timeout=5)
    assert invalid.status_code == 400 and "jwks_uri" in invalid.json()["error_description"]
    assert requests.post(register, json=request, timeout=5).status_code == 401
    answer = requests.post(register, json=request, headers=bearer(registration_token), timeout=5)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    client_id = body["client_id"]
    deployment_id = body["https://purl.imsglobal.org/spec/lti-tool-configuration"]["deployment_id"]
    assert body["client_name"] == "Gradient Gym" and deployment_id
    assert requests.post(register, json=request, headers=bearer(registration_token), timeout=5).status_code == 401

    tool_record = lti_platform.state()["tools"][client_id]
    assert tool_record["deep_link_uri"] == tool.deep_link_url
    assert tool_record["deployment_id"] == deployment_id
    token = access_token(lti_platform, tool, client_id, ALL_SCOPES)
    assert set(jwt.decode(token, options={"verify_signature": False})["scopes"].split()) == {
        f"{SCOPE}score",
        f"{SCOPE}lineitem",
    }
    claims, _params = launch(lti_platform, tool, client_id, auth_method="GET", user_id="u1")
    assert claims[f"{CLAIM}deployment_id"] == deployment_id


def test_restart_keeps_state(lti_platform: Platform, tool: FakeTool, registered: dict) -> None:  # noqa: F811
    item = lti_platform.add_line_item("c4", label="Quiz", score_maximum=5)
    token = access_token(lti_platform, tool, registered["client_id"])
    timestamp = datetime.now(UTC).isoformat()
    answer = post_score(token, scores_url(item["id"]), userId="u1", scoreGiven=5, scoreMaximum=5, timestamp=timestamp)
    assert answer.status_code == 200
    jwks_before = requests.get(f"{lti_platform.base_url}/jwks", timeout=5).json()
    state_before = lti_platform.state()

    lti_platform.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{lti_platform.base_url}/jwks", timeout=1)
    lti_platform.start()
    lti_platform.restart()

    assert requests.get(f"{lti_platform.base_url}/jwks", timeout=5).json() == jwks_before
    assert lti_platform.state() == state_before
    # A token issued before the restart is still good: same key, same issuer.
    assert requests.get(item["id"], headers=bearer(token), timeout=5).status_code == 200
    claims, _params = launch(lti_platform, tool, registered["client_id"], user_id="u1")
    assert claims["sub"] == "u1"


def test_short_lived_tokens_and_down(lti_platform: Platform, tool: FakeTool, registered: dict) -> None:  # noqa: F811
    item = lti_platform.add_line_item("c5", label="Quiz", score_maximum=5)
    lti_platform.set_config(token_expires_in=1)
    token = access_token(lti_platform, tool, registered["client_id"])
    assert jwt.decode(token, options={"verify_signature": False})["exp"] - int(time.time()) <= 1
    time.sleep(2.1)
    assert requests.get(item["id"], headers=bearer(token), timeout=5).status_code == 401

    lti_platform.set_config(token_expires_in=3600)
    fresh = access_token(lti_platform, tool, registered["client_id"])
    lti_platform.set_down(True)
    assert requests.get(item["id"], headers=bearer(fresh), timeout=5).status_code == 503
    form = {"grant_type": "client_credentials"}
    assert requests.post(f"{lti_platform.base_url}/token", data=form, timeout=5).status_code == 503
    lti_platform.set_down(False)
    assert requests.get(item["id"], headers=bearer(fresh), timeout=5).status_code == 200


def test_return_url_records_messages(lti_platform: Platform) -> None:  # noqa: F811
    requests.get(f"{lti_platform.base_url}/test/return", params={"lti_msg": "Done", "lti_errormsg": "x"}, timeout=5)
    assert lti_platform.state()["returns"][0]["lti_msg"] == "Done"
    assert lti_platform.state()["returns"][0]["lti_errormsg"] == "x"
