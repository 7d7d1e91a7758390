"""Deep Linking 2.0: an instructor picks exercises and quizzes; the platform receives signed
ltiResourceLink items with line items, and the course gets the assignments."""

from __future__ import annotations

import jwt
import pytest
from django.test import Client
from jwcrypto.jwk import JWK

from quizsite.courses.models import Assignment
from tests.helpers import LTI_INSTRUCTOR, lti_deep_link_launch, lti_launch

pytestmark = pytest.mark.django_db
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def _verified(browser, form_page) -> dict:
    token = form_page.context["fields"]["JWT"]
    keys = browser.get("/lti/jwks/").json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    public = JWK(**next(k for k in keys if k["kid"] == kid)).export_to_pem()
    return jwt.decode(token, public, algorithms=["RS256"], audience="https://lms.example")


def test_an_instructor_picks_and_the_platform_gets_signed_links_with_line_items(registration, platform_keys, synced):
    browser = Client()
    picker = lti_deep_link_launch(browser, registration, platform_keys)
    assert picker.status_code == 200 and b"inverted-dropout" in picker.content
    quiz_slug = picker.context["quizzes"][0].slug
    done = browser.post(
        "/lti/deep-link/",
        {"launch_id": picker.context["launch_id"], "exercise": ["inverted-dropout"], "quiz": [quiz_slug]},
    )
    assert done.status_code == 200 and done.context["action"] == "https://lms.example/deep_link_return"
    message = _verified(browser, done)
    assert message["iss"] == "tool-1" and message["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == "dep-1"
    assert message["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert message[f"{DL}data"] == "opaque-platform-data"
    items = message[f"{DL}content_items"]
    assert [item["type"] for item in items] == ["ltiResourceLink", "ltiResourceLink"]
    assignments = {
        str(a.pk): a for a in Assignment.objects.filter(course__lti_context__context__id_on_platform="course-1")
    }
    assert len(assignments) == 2
    for item in items:
        assignment = assignments[item["custom"]["gym_assignment"]]
        assert item["lineItem"] == {
            "scoreMaximum": assignment.points,
            "label": assignment.display_title,
            "resourceId": str(assignment.pk),
            "tag": f"gradient-gym:{assignment.kind}:{assignment.item.slug}",
        }
        assert item["url"].startswith("http://testserver/")


def test_picking_an_item_the_course_has_reuses_its_assignment(registration, platform_keys, synced):
    for _ in range(2):
        browser = Client()
        picker = lti_deep_link_launch(browser, registration, platform_keys)
        browser.post("/lti/deep-link/", {"launch_id": picker.context["launch_id"], "exercise": ["inverted-dropout"]})
    assert Assignment.objects.count() == 1


def test_a_learner_cannot_open_thelti_deep_link_launch(registration, platform_keys, synced):
    page = lti_deep_link_launch(
        Client(), registration, platform_keys, roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    )
    assert page.status_code == 403


def test_a_pick_with_a_made_up_launch_id_is_refused(registration, synced):
    assert (
        Client()
        .post("/lti/deep-link/", {"launch_id": "lti1p3-launch-made-up", "exercise": ["inverted-dropout"]})
        .status_code
        == 400
    )


def test_a_resource_launch_id_cannot_be_used_to_pick(registration, platform_keys, synced):
    browser = Client()
    launched = lti_launch(browser, registration, platform_keys, roles=LTI_INSTRUCTOR, sub="teacher-1")[0]
    launch_id = launched.wsgi_request  # the resource launch's id is not exposed; guess the storage key shape
    from quizsite.lti.models import LaunchState

    stored = LaunchState.objects.filter(key__startswith="lti1p3-launch-").values_list("key", flat=True).first()
    assert stored and launch_id
    assert browser.post("/lti/deep-link/", {"launch_id": stored, "exercise": ["inverted-dropout"]}).status_code == 400


def test_picking_nothing_is_a_clear_error(registration, platform_keys, synced):
    browser = Client()
    picker = lti_deep_link_launch(browser, registration, platform_keys)
    assert browser.post("/lti/deep-link/", {"launch_id": picker.context["launch_id"]}).status_code == 422


def test_a_deep_linked_resource_launch_opens_its_assignment(registration, platform_keys, synced):
    browser = Client()
    picker = lti_deep_link_launch(browser, registration, platform_keys)
    done = browser.post("/lti/deep-link/", {"launch_id": picker.context["launch_id"], "exercise": ["inverted-dropout"]})
    item = _verified(browser, done)[f"{DL}content_items"][0]
    custom = "https://purl.imsglobal.org/spec/lti/claim/custom"
    link = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
    response = lti_launch(
        Client(), registration, platform_keys, target=item["url"], **{custom: item["custom"], link: {"id": "new-link"}}
    )[0]
    assert response.status_code == 200
    assert str(response.context["title"]) == Assignment.objects.get().display_title


def test_a_platform_that_takes_one_item_gets_one(registration, platform_keys, synced):
    browser = Client()
    picker = lti_deep_link_launch(browser, registration, platform_keys, settings={"accept_multiple": False})
    assert b'type="radio"' in picker.content
    quiz = picker.context["quizzes"][0].slug
    two = {"launch_id": picker.context["launch_id"], "exercise": ["inverted-dropout"], "quiz": [quiz]}
    assert browser.post("/lti/deep-link/", two).status_code == 422
    one = browser.post("/lti/deep-link/", {**two, "quiz": []})
    assert len(_verified(browser, one)[f"{DL}content_items"]) == 1
