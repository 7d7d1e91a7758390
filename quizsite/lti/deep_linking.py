"""Deep Linking 2.0 responses: the instructor's picks as signed ``ltiResourceLink`` items with line items."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from lti_tool.models import LtiLaunch
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from quizsite.courses.models import Assignment
from quizsite.lti.launch import web_url
from quizsite.lti.services import ASSIGNMENT_PARAMETER, assignment_tag

_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def accepts_multiple(lti_launch: LtiLaunch) -> bool:
    """Whether the platform takes several items in one response."""
    value = (lti_launch.get_claim(_SETTINGS_CLAIM) or {}).get("accept_multiple", True)
    return value is True or str(value).lower() == "true"


def _resource(request: HttpRequest, assignment: Assignment) -> DeepLinkResource:
    if assignment.exercise_id:
        path = reverse("exercise-detail", args=[assignment.exercise.slug])
    else:
        path = reverse("quiz-start", args=[assignment.quiz.slug])
    line_item = (
        LineItem()
        .set_score_maximum(assignment.points)
        .set_label(assignment.display_title)
        .set_tag(assignment_tag(assignment))
        .set_resource_id(str(assignment.pk))
    )
    return (
        DeepLinkResource()
        .set_url(request.build_absolute_uri(path))
        .set_title(assignment.display_title)
        .set_custom_params({ASSIGNMENT_PARAMETER: str(assignment.pk)})
        .set_lineitem(line_item)
    )


def response_form(request: HttpRequest, lti_launch: LtiLaunch, assignments: list[Assignment]) -> dict:
    """The auto-submitting form that returns the signed response to the platform: ``{"action", "fields"}``."""
    deep_link = lti_launch.get_message_launch().get_deep_link()
    message = deep_link.get_message_jwt([_resource(request, a) for a in assignments])
    if message.get("https://purl.imsglobal.org/spec/lti-dl/claim/data") is None:
        # The data claim echoes the platform's; a null one is not an echo, and strict platforms refuse it.
        message.pop("https://purl.imsglobal.org/spec/lti-dl/claim/data")
    action = deep_link._deep_link_settings["deep_link_return_url"]
    if not web_url(action):  # the launch was refused for this already; a form must never post to a script
        raise ValueError("the deep linking return URL is not an http(s) URL")
    return {"action": action, "fields": {"JWT": deep_link.encode_jwt(message)}}
