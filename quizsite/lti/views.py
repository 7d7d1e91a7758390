"""LTI endpoints: login initiation, launch, the new-window hand-off, deep linking, JWKS, registration.

Views parse the request, call a service, render. A launch that cannot be accepted gets a page that says
why (4xx), never a 500: platforms show it to a learner inside their course.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.contrib.auth import login
from django.db import DataError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import LtiLaunch, LtiRegistration
from lti_tool.utils import sync_data_from_launch
from pylti1p3.exception import LtiException, OIDCException

from quizsite.catalog.models import Quiz
from quizsite.catalog.selectors import published_exercises, published_quizzes
from quizsite.learning import attempts
from quizsite.lti import deep_linking, keys, registration, services
from quizsite.lti.launch import ToolMessageLaunch, ToolOIDCLogin, web_url
from quizsite.lti.models import CourseContext
from quizsite.lti.storage import launch_state_put, launch_state_take

log = logging.getLogger(__name__)
# What a bad launch can raise from pylti1p3, PyJWT, requests (the platform's keys) or malformed claims.
_LAUNCH_ERRORS = (
    LtiException,
    OIDCException,
    jwt.PyJWTError,
    requests.RequestException,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    DataError,
)
_HANDOFF_SECONDS = 120
_NOT_ACTIVATED = (
    "This platform's connection to Gradient Gym has not been activated yet. Ask your Gradient Gym "
    "administrator to activate it in the admin (LTI registrations and LTI deployments)."
)


def _refuse(request: HttpRequest, message: str, *, status: int = 400, return_url: str | None = None) -> HttpResponse:
    context = {"message": message, "status": status, "return_url": return_url}
    return render(request, "lti/error.html", context, status=status)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keys (platforms verify our deep linking responses and token requests with them)."""
    return JsonResponse(keys.public_key_set())


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def oidc_login(request: HttpRequest) -> HttpResponse:
    """OIDC third-party login initiation: the platform sends the browser here first (GET or POST)."""
    params = request.POST if request.method == "POST" else request.GET
    target_link_uri = params.get("target_link_uri", "")
    if any("\x00" in key or any("\x00" in value for value in values) for key, values in params.lists()):
        return _refuse(request, "The login request contains a NUL character.")
    if not target_link_uri:
        return _refuse(request, "The platform did not say what to open (target_link_uri is missing).")
    keys.signing_key()  # django-lti's registrations sign with the newest key: there must be one
    try:
        return ToolOIDCLogin(request).redirect_to_platform(
            redirect_uri=request.build_absolute_uri(reverse("lti:launch")), target_link_uri=target_link_uri
        )
    except _LAUNCH_ERRORS as error:
        log.info("LTI login refused: %s", error)
        if LtiRegistration.objects.filter(issuer=params.get("iss", ""), is_active=False).exists():
            return _refuse(request, _NOT_ACTIVATED, status=403)
        return _refuse(request, f"This login could not be started: {error}")


@csrf_exempt
@xframe_options_exempt
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    """The launch (the platform POSTs the signed id_token here): validate it, sign the person in, open the
    page it asks for, or the picker for a deep linking request."""
    keys.signing_key()
    try:
        message_launch = ToolMessageLaunch.receive(request).validate()
        lti_launch = LtiLaunch(message_launch)
        with transaction.atomic():
            sync_data_from_launch(lti_launch)
    except _LAUNCH_ERRORS as error:
        log.info("LTI launch refused: %s", error)
        return _refuse(request, f"This launch could not be verified: {error}")
    return_url = _return_url(lti_launch)
    if not lti_launch.deployment.is_active or not lti_launch.registration.is_active:
        return _refuse(request, _NOT_ACTIVATED, status=403, return_url=return_url)
    if message_launch.login_params.get("target_link_uri") != lti_launch.get_claim(
        "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
    ):
        return _refuse(request, "The launch is for another page than the login was.", return_url=return_url)
    try:
        landing = services.launch_accept(lti_launch)
    except _LAUNCH_ERRORS as error:
        log.warning("LTI launch accepted but not understood: %s", error)
        return _refuse(request, f"This launch is missing what Gradient Gym needs: {error}", return_url=return_url)
    if lti_launch.is_deep_link_launch:
        return _deep_link_picker(request, lti_launch, landing)
    if not lti_launch.is_resource_launch:
        return _refuse(request, "Gradient Gym does not handle this kind of LTI message.", return_url=return_url)
    return _open(request, landing.user, landing.url, title=landing.assignment or landing.course)


def _return_url(lti_launch: LtiLaunch) -> str | None:
    """The course page to send the person back to with our error message, if the platform gave a web one."""
    presentation = lti_launch.launch_presentation_claim
    if not isinstance(presentation, dict) or not web_url(presentation.get("return_url")):
        return None
    return lti_launch.get_return_url(lti_errormsg="Gradient Gym could not open this link.")


def _open(request: HttpRequest, user, url: str, *, title) -> HttpResponse:
    # The session starts in a first-party window: inside the platform's iframe the browser may refuse our
    # cookies, and our pages are not framed. A top-level launch continues at once.
    token = keys.random_token()
    launch_state_put(f"handoff-{token}", {"user": user.pk, "url": url}, lifetime_seconds=_HANDOFF_SECONDS)
    continue_url = reverse("lti:continue", args=[token])
    return render(request, "lti/open.html", {"continue_url": continue_url, "title": title})


@require_GET
def continue_launch(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link a launch hands to a first-party window: sign in, go to the page."""
    handoff = launch_state_take(f"handoff-{token}")
    if handoff is None:
        return _refuse(request, "This link has expired or was already used. Open the activity from your course again.")
    user = services.account(handoff["user"])
    login(request, user)
    item = services.item_at(handoff["url"])
    if isinstance(item, Quiz):
        try:
            attempt = attempts.attempt_start(user=user, quiz=item)
        except attempts.AttemptError as exc:
            if exc.attempt is None:
                return _refuse(request, str(exc), status=409)
            attempt = exc.attempt
        return redirect("attempt-detail", pk=attempt.pk)
    return redirect(handoff["url"])


def _deep_link_picker(request: HttpRequest, lti_launch: LtiLaunch, landing: services.Landing) -> HttpResponse:
    if landing.role not in services.Enrolment.STAFF_ROLES:
        return _refuse(request, "Only the course's instructors can add Gradient Gym activities.", status=403)
    context = {
        "launch_id": lti_launch.get_launch_id(),
        "course": landing.course,
        "exercises": published_exercises().order_by("title"),
        "quizzes": published_quizzes().order_by("title"),
        "accept_multiple": deep_linking.accepts_multiple(lti_launch),
    }
    return render(request, "lti/deep_link_picker.html", context)


@csrf_exempt  # inside the platform's iframe there may be no cookie; the launch id is the credential
@xframe_options_exempt
@require_POST
def deep_link_return(request: HttpRequest) -> HttpResponse:
    """The instructor's picks: create their assignments, send them back to the platform as signed links."""
    try:
        message_launch = ToolMessageLaunch.restore(request, request.POST.get("launch_id", ""))
        lti_launch = LtiLaunch(message_launch)
        if not lti_launch.is_deep_link_launch:
            raise LtiException("not a deep linking launch")
    except _LAUNCH_ERRORS as error:
        log.info("LTI deep linking pick refused: %s", error)
        return _refuse(request, "This selection has expired. Start adding the activity from your course again.")
    if services.course_role(lti_launch.roles_claim) not in services.Enrolment.STAFF_ROLES:
        return _refuse(request, "Only the course's instructors can add Gradient Gym activities.", status=403)
    exercises = list(published_exercises().filter(slug__in=request.POST.getlist("exercise")))
    quizzes = list(published_quizzes().filter(slug__in=request.POST.getlist("quiz")))
    if not exercises and not quizzes:
        return _refuse(request, "Pick at least one exercise or quiz.", status=422)
    if len(exercises) + len(quizzes) > 1 and not deep_linking.accepts_multiple(lti_launch):
        return _refuse(request, "Your course takes one activity at a time here: pick one.", status=422)
    # One response per deep linking launch: the platform's data claim is single-use on its side too.
    if launch_state_take(lti_launch.get_launch_id()) is None:
        return _refuse(request, "These activities were already added. Start again from your course to add more.")
    course = CourseContext.objects.get(context=lti_launch.context).course
    assignments = services.deep_link_assignments(course=course, exercises=exercises, quizzes=quizzes)
    try:
        form = deep_linking.response_form(request, lti_launch, assignments)
    except _LAUNCH_ERRORS as error:
        log.warning("LTI deep linking response not made: %s", error)
        return _refuse(request, f"The activities could not be returned to your course: {error}")
    return render(request, "lti/auto_submit.html", form)


@xframe_options_exempt
@require_GET
def register(request: HttpRequest, token: str) -> HttpResponse:
    """IMS Dynamic Registration through a one-time link an administrator issued: the platform opens it with
    its configuration URL and its own one-time registration token."""
    config_url = request.GET.get("openid_configuration", "")
    if not config_url:
        return _refuse(request, "Paste this link into your platform's 'register a tool' screen.")
    try:
        registered = registration.register_with_platform(
            request, link_token=token, config_url=config_url, token=request.GET.get("registration_token", "")
        )
    except registration.RegistrationFailed as error:
        return _refuse(request, str(error), status=error.status)
    return render(request, "lti/registered.html", {"registration": registered})
