"""LTI login and launch: what an accepted launch does, and the attacks pylti1p3 alone would let through
(replay, a foreign audience, a bad signature, expired tokens), each refused with a readable 4xx page."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from jwcrypto.jwk import JWK
from lti_tool.models import LtiDeployment, LtiUser

from quizsite.courses.models import Enrolment
from quizsite.lti.models import CourseContext, LaunchState, LinkedAssignment
from tests.helpers import LTI_INSTRUCTOR, lti_id_token, lti_launch, lti_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    return Client()


def _refused(response, status: int = 400) -> str:
    assert response.status_code == status, response.content[:500]
    page = response.content.decode()
    assert "could not be opened" in page
    return page


def test_login_sends_the_browser_to_the_platform_with_a_state_a_nonce_and_our_launch_url(browser, registration):
    auth = lti_login(browser, registration)
    assert auth["redirect_uri"] == "http://testserver/lti/launch/"
    assert auth["client_id"] == "tool-1" and auth["response_type"] == "id_token" and auth["prompt"] == "none"
    assert auth["state"] and auth["nonce"] and auth["state"] != auth["nonce"]


def test_login_initiation_by_post_works_too(browser, registration):
    response = browser.post(
        "/lti/login/",
        {"iss": registration.issuer, "login_hint": "x", "client_id": "tool-1", "target_link_uri": "http://testserver/"},
    )
    assert response.status_code == 302 and response["Location"].startswith(registration.auth_url)


def test_a_login_from_an_unknown_platform_gets_a_page_not_a_500(browser, registration):
    response = browser.get(
        "/lti/login/", {"iss": "https://evil.example", "login_hint": "x", "target_link_uri": "http://testserver/"}
    )
    _refused(response)


def test_a_login_without_a_target_is_refused(browser, registration):
    _refused(browser.get("/lti/login/", {"iss": registration.issuer, "login_hint": "x"}))


def test_a_launch_signs_the_learner_in_enrols_them_and_opens_the_exercise(browser, registration, platform_keys, synced):
    response, _, _ = lti_launch(browser, registration, platform_keys)
    assert response.status_code == 200, response.content[:400]
    lti_user = LtiUser.objects.get(registration=registration, sub="learner-1")
    learner = lti_user.auth_user
    assert (learner.first_name, learner.last_name, learner.email) == ("Ada", "Lovelace", "ada@lms.example")
    course = CourseContext.objects.get(context__id_on_platform="course-1").course
    assert course.title == "Deep learning" and course.code == "ML-101"
    assert Enrolment.objects.get(course=course, user=learner).role == Enrolment.Role.LEARNER
    link = LinkedAssignment.objects.get(resource_link__id_on_platform="link-1")
    assert link.assignment.course == course and link.assignment.exercise.slug == "inverted-dropout"
    assert link.line_item.url == "https://lms.example/course-1/lineitems/7/lineitem?type_id=7"
    # The launch page hands off to a first-party window with a one-time link.
    continue_url = response.context["continue_url"]
    opened = browser.get(continue_url)
    assert opened.status_code == 302 and opened["Location"] == "/exercises/inverted-dropout/"
    assert browser.get("/exercises/inverted-dropout/").context["user"] == learner
    _refused(Client().get(continue_url))  # used once


def test_the_same_person_launching_again_keeps_one_account_and_one_assignment(
    browser, registration, platform_keys, synced
):
    lti_launch(browser, registration, platform_keys)
    lti_launch(Client(), registration, platform_keys)
    assert LtiUser.objects.get(sub="learner-1").auth_user.username.startswith("lti-")
    assert LinkedAssignment.objects.count() == 1
    assert Enrolment.objects.filter(user__lti_users__sub="learner-1").count() == 1


def test_an_instructor_launch_enrols_as_instructor_with_admin_access(browser, registration, platform_keys, synced):
    response, _, _ = lti_launch(browser, registration, platform_keys, roles=LTI_INSTRUCTOR, sub="teacher-1")
    assert response.status_code == 200
    teacher = LtiUser.objects.get(sub="teacher-1").auth_user
    assert teacher.is_staff and not teacher.is_superuser
    assert Enrolment.objects.get(user=teacher).role == Enrolment.Role.INSTRUCTOR


def test_a_replayed_id_token_and_state_is_refused(browser, registration, platform_keys, synced):
    response, token, state = lti_launch(browser, registration, platform_keys)
    assert response.status_code == 200
    _refused(browser.post("/lti/launch/", {"id_token": token, "state": state}))
    _refused(Client().post("/lti/launch/", {"id_token": token, "state": state}))


def test_a_replayed_id_token_under_a_fresh_login_is_refused_by_its_nonce(browser, registration, platform_keys, synced):
    response, token, _ = lti_launch(browser, registration, platform_keys)
    assert response.status_code == 200
    fresh = lti_login(browser, registration)
    page = _refused(browser.post("/lti/launch/", {"id_token": token, "state": fresh["state"]}))
    assert "nonce" in page


def test_a_launch_with_a_state_we_never_issued_is_refused(browser, registration, platform_keys):
    auth = lti_login(browser, registration)
    token = lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"])
    _refused(browser.post("/lti/launch/", {"id_token": token, "state": "state-made-up"}))


def test_a_token_signed_by_another_key_under_the_platforms_kid_is_refused(browser, registration):
    impostor = JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode()
    auth = lti_login(browser, registration)
    token = lti_id_token(registration, impostor, nonce=auth["nonce"])
    page = _refused(browser.post("/lti/launch/", {"id_token": token, "state": auth["state"]}))
    assert "Signature verification failed" in page


def test_a_tampered_token_is_refused(browser, registration, platform_keys):
    auth = lti_login(browser, registration)
    header, body, signature = lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"]).split(".")
    forged = ".".join([header, body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB"), signature])
    _refused(browser.post("/lti/launch/", {"id_token": forged, "state": auth["state"]}))


def test_an_unsigned_token_is_refused(browser, registration, platform_keys):
    import base64
    import json

    auth = lti_login(browser, registration)
    signed = lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"])
    none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "platform-key-1"}).encode()).rstrip(b"=")
    unsigned = none_header.decode() + "." + signed.split(".")[1] + "."
    _refused(browser.post("/lti/launch/", {"id_token": unsigned, "state": auth["state"]}))


def test_an_expired_token_is_refused(browser, registration, platform_keys):
    now = int(time.time())
    response, _, _ = lti_launch(browser, registration, platform_keys, iat=now - 900, exp=now - 600)
    assert "expired" in _refused(response)


def test_a_token_without_an_expiry_is_refused(browser, registration, platform_keys):
    response, _, _ = lti_launch(browser, registration, platform_keys, exp=None)
    assert "exp" in _refused(response)


def test_a_platform_clock_a_little_ahead_is_tolerated(browser, registration, platform_keys, synced):
    now = int(time.time())
    response, _, _ = lti_launch(browser, registration, platform_keys, iat=now + 20, nbf=now + 20)
    assert response.status_code == 200, response.content[:400]


def test_a_platform_clock_far_ahead_is_not(browser, registration, platform_keys):
    now = int(time.time())
    response, _, _ = lti_launch(browser, registration, platform_keys, iat=now + 600, nbf=now + 600, exp=now + 900)
    _refused(response)


def test_a_token_for_another_tool_is_refused(browser, registration, platform_keys):
    response, _, _ = lti_launch(browser, registration, platform_keys, aud="another-tool")
    _refused(response)


def test_several_audiences_without_azp_are_refused(browser, registration, platform_keys):
    response, _, _ = lti_launch(browser, registration, platform_keys, aud=["tool-1", "another-tool"])
    assert "azp" in _refused(response)


def test_several_audiences_with_our_azp_are_accepted(browser, registration, platform_keys, synced):
    response, _, _ = lti_launch(browser, registration, platform_keys, aud=["another-tool", "tool-1"], azp="tool-1")
    assert response.status_code == 200, response.content[:400]


def test_an_azp_naming_another_tool_is_refused_even_when_we_are_first_in_aud(browser, registration, platform_keys):
    response, _, _ = lti_launch(
        browser, registration, platform_keys, aud=["tool-1", "another-tool"], azp="another-tool"
    )
    _refused(response)


def test_an_azp_that_is_not_an_audience_is_refused(browser, registration, platform_keys):
    response, _, _ = lti_launch(browser, registration, platform_keys, aud="tool-1", azp="another-tool")
    _refused(response)


def test_a_launch_for_another_page_than_the_login_named_is_refused(browser, registration, platform_keys):
    auth = lti_login(browser, registration, target="http://testserver/exercises/inverted-dropout/")
    token = lti_id_token(
        registration, platform_keys.private_pem, nonce=auth["nonce"], target="http://testserver/dashboard/"
    )
    _refused(browser.post("/lti/launch/", {"id_token": token, "state": auth["state"]}))


def test_an_unknown_deployment_waits_inactive_and_its_launch_gets_403(browser, registration, platform_keys):
    dep = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
    response, _, _ = lti_launch(browser, registration, platform_keys, **{dep: "dep-new"})
    assert "activate" in _refused(response, status=403)
    assert not LtiDeployment.objects.get(deployment_id="dep-new").is_active


def test_an_inactive_registration_gets_403(browser, registration, platform_keys):
    auth = lti_login(browser, registration)
    registration.is_active = False
    registration.save()
    token = lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"])
    assert browser.post("/lti/launch/", {"id_token": token, "state": auth["state"]}).status_code in (400, 403)


@pytest.mark.parametrize("body", [{}, {"id_token": "x", "state": "y"}, {"id_token": "a.b.c", "state": "y"}])
def test_garbage_posted_to_the_launch_url_gets_a_400_page(browser, registration, body):
    _refused(browser.post("/lti/launch/", body))


def test_a_get_of_the_launch_url_is_not_a_500(browser):
    assert browser.get("/lti/launch/").status_code == 405


def test_a_launch_missing_its_context_claims_gets_a_page(browser, registration, platform_keys):
    response, _, _ = lti_launch(
        browser, registration, platform_keys, **{"https://purl.imsglobal.org/spec/lti/claim/resource_link": None}
    )
    assert response.status_code in (400, 403)


def test_states_and_nonces_are_stored_once_and_consumed(browser, registration, platform_keys, synced):
    auth = lti_login(browser, registration)
    assert LaunchState.objects.filter(key__endswith=auth["state"]).count() == 1
    token = lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"])
    browser.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    assert not LaunchState.objects.filter(key__endswith=auth["state"]).exists()
    assert not LaunchState.objects.filter(key__endswith=auth["nonce"]).exists()


def test_jwks_publishes_the_key_that_signs(client):
    keys = client.get("/lti/jwks/").json()["keys"]
    assert len(keys) == 1 and keys[0]["alg"] == "RS256" and keys[0]["kid"] and "d" not in keys[0]


def test_a_launch_without_a_course_context_is_refused(browser, registration, platform_keys, synced):
    response, _, _ = lti_launch(
        browser, registration, platform_keys, **{"https://purl.imsglobal.org/spec/lti/claim/context": None}
    )
    assert "course" in _refused(response)


def test_a_launch_of_the_tool_itself_lands_a_learner_on_their_dashboard(browser, registration, platform_keys, synced):
    response, _, _ = lti_launch(browser, registration, platform_keys, target="http://testserver/")
    assert browser.get(response.context["continue_url"])["Location"] == "/dashboard/"


def test_a_launch_of_the_tool_itself_lands_an_instructor_on_the_course_page(
    browser, registration, platform_keys, synced
):
    response, _, _ = lti_launch(browser, registration, platform_keys, target="http://testserver/", roles=LTI_INSTRUCTOR)
    course = CourseContext.objects.get().course
    assert browser.get(response.context["continue_url"])["Location"] == f"/admin/courses/course/{course.pk}/change/"


def test_a_quiz_launch_starts_or_resumes_an_attempt(browser, registration, platform_keys, synced):
    from quizsite.catalog.selectors import published_quizzes

    quiz = published_quizzes().first()
    target = f"http://testserver/quizzes/{quiz.slug}/start/"
    response, _, _ = lti_launch(browser, registration, platform_keys, target=target)
    first = browser.get(response.context["continue_url"])["Location"]
    assert first.startswith("/attempts/")
    assert LinkedAssignment.objects.get().assignment.quiz == quiz
    again, _, _ = lti_launch(browser, registration, platform_keys, target=target)
    assert browser.get(again.context["continue_url"])["Location"] == first
