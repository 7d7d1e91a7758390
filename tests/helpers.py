"""Shared test helpers that are not fixtures: API clients, factories, content files, ports, polling.

Models are imported inside the functions: bench/load.py imports tests.reliability.stack, and so this
module, before it calls django.setup().
"""

from __future__ import annotations

import itertools
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.test import APIClient

if TYPE_CHECKING:
    from quizsite.learning.models import Submission

CONTENT_DIR = Path(settings.BASE_DIR) / "exercises"
_learner_numbers = itertools.count(1)


def token_client(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def key_client(key: str, learner: str | None = None) -> APIClient:
    """An API client sending an API client key and, optionally, ``X-Learner-Id: learner``."""
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if learner is not None:
        headers["HTTP_X_LEARNER_ID"] = learner
    client.credentials(**headers)
    return client


def make_submission(**overrides) -> Submission:
    """A submission row written directly, as if already created: the fields a test names, defaults for the rest.

    Defaults: a new learner of its own, the inverted-dropout exercise (the content must be synced: use the
    ``synced`` or ``dropout`` fixture), code ``x = 1``, status queued. Nothing is enqueued; a final one unlocks
    the hints of the checks it failed, as a result becoming final does.
    """
    from django.contrib.auth import get_user_model

    from quizsite.catalog.models import Exercise
    from quizsite.learning.models import Submission
    from quizsite.learning.services import hints_unlock

    fields = {"code": "x = 1\n", "status": Submission.Status.QUEUED, **overrides}
    if "user" not in fields:
        fields["user"] = get_user_model().objects.create_user(username=f"learner-{next(_learner_numbers)}")
    if "exercise" not in fields:
        fields["exercise"] = Exercise.objects.get(slug="inverted-dropout")
    submission = Submission.objects.create(**fields)
    if submission.status in Submission.FINAL_STATUSES:
        hints_unlock(submission=submission)  # as the result becoming final does (services.submission_finished)
    return submission


def make_course(*, instructors=(), assistants=(), learners=(), **fields):
    """A course with the given people enrolled; ``fields`` override title, code and term."""
    from quizsite.courses.models import Course, Enrolment
    from quizsite.courses.services import enrolment_set

    defaults = {"title": "Training deep networks", "code": f"ML-{next(_learner_numbers)}", "term": "Spring 2027"}
    course = Course.objects.create(**{**defaults, **fields})
    roles = {Enrolment.Role.INSTRUCTOR: instructors, Enrolment.Role.TEACHING_ASSISTANT: assistants}
    for role, people in {**roles, Enrolment.Role.LEARNER: learners}.items():
        for person in people:
            enrolment_set(course=course, user=person, role=role)
    return course


def make_assignment(course, **fields):
    """An assignment in ``course``: the inverted-dropout exercise (synced content needed) unless ``exercise``
    or ``quiz`` is given."""
    from quizsite.catalog.models import Exercise
    from quizsite.courses.models import Assignment

    if "exercise" not in fields and "quiz" not in fields:
        fields["exercise"] = Exercise.objects.get(slug="inverted-dropout")
    return Assignment.objects.create(course=course, **fields)


def graded_at(submission, when, score: float):
    """Make ``submission`` a graded one, created at ``when`` with ``score`` (1.0 means accepted)."""
    from quizsite.learning.models import Submission

    verdict = Submission.Verdict.ACCEPTED if score == 1.0 else Submission.Verdict.WRONG_ANSWER
    Submission.objects.filter(pk=submission.pk).update(
        created_at=when, status=Submission.Status.DONE, verdict=verdict, score=score, finished_at=when
    )
    submission.refresh_from_db()
    return submission


def make_graded_attempt(*, user, quiz, answers, submitted_at=None):
    """A graded quiz attempt written directly: ``answers`` is ``[(question, response, item score), ...]`` in
    order, and the attempt's score is their mean, as ``attempt_submit`` would set it."""
    from django.utils import timezone

    from quizsite.learning.models import Attempt, AttemptItem

    scores = [score for _, _, score in answers]
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        status=Attempt.Status.GRADED,
        submitted_at=submitted_at or timezone.now(),
        score=sum(scores) / len(scores),
    )
    AttemptItem.objects.bulk_create(
        AttemptItem(attempt=attempt, question=question, position=index, response=response, score=score)
        for index, (question, response, score) in enumerate(answers)
    )
    return attempt


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def exercise_file(slug: str, name: str) -> str:
    return (CONTENT_DIR / slug / name).read_text(encoding="utf-8")


_ANY_P_CHECK = """

@check("Any p is accepted", points=1)
def any_p_is_accepted(learner, rng):
    try:
        learner.dropout_forward(X_SMALL, 1.5, False, Seed(0))
    except LearnerError as error:
        raise CheckFailed(f"dropout_forward(x, p=1.5, training=False) raised {error.type}") from None
"""


def dropout_checks_accepting_any_p() -> str:
    """The inverted-dropout checks with "Invalid p raises ValueError" turned into its opposite, for regrades:
    the reference solution now fails one check (worse), wrong/no_validation_of_p.py passes all (improved),
    and wrong/scales_at_evaluation.py fails one more (same verdict, lower score)."""
    source = exercise_file("inverted-dropout", "checks.py")
    decorator = '@check("Invalid p raises ValueError in both modes", points=1)\n'
    assert decorator in source
    return source.replace(decorator, "") + _ANY_P_CHECK


def change_exercise_checks(exercise, checks_source: str) -> str:
    """Give ``exercise`` new checks and the content hash a sync would give them; returns the hash."""
    import hashlib

    from quizsite.catalog.models import Exercise
    from quizsite.catalog.services import catalogue_changed

    content_hash = hashlib.sha256(checks_source.encode()).hexdigest()
    Exercise.objects.filter(pk=exercise.pk).update(checks_source=checks_source, content_hash=content_hash)
    catalogue_changed()  # as a save does
    exercise.refresh_from_db()
    return content_hash


def wait_until_final(fetch, timeout: float = 60.0) -> dict:
    """Poll ``fetch()`` (returning a submission as a dict) until its status is final."""
    deadline = time.monotonic() + timeout
    while True:
        body = fetch()
        if body["status"] in ("done", "error"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"submission still {body['status']} after {timeout} s: {body}")
        time.sleep(0.1)


def sync_exercise_copy(tmp_path: Path, slug: str = "inverted-dropout", *, published: bool = True):
    """One exercise (and the topics) synced from a copy of the content folder; ``published`` records its
    validation as passed without grading anything, for tests about who may read what rather than grading."""
    import shutil

    from django.utils import timezone

    from quizsite.catalog.models import Exercise, ValidationRun
    from quizsite.catalog.services import catalogue_changed, content_sync

    shutil.copytree(CONTENT_DIR / "topics", tmp_path / "topics")
    shutil.copytree(CONTENT_DIR / slug, tmp_path / slug)
    content_sync(root=tmp_path, enqueue_validations=False)
    exercise = Exercise.objects.get(slug=slug)
    if published:
        ValidationRun.objects.filter(exercise=exercise).update(
            status=ValidationRun.Status.PASSED, finished_at=timezone.now()
        )
        catalogue_changed()  # as recording a run does
    return exercise


def browser_log_in(page, live_server, username: str, password: str, next_path: str) -> None:
    """Log in through the login form in Chromium and land on ``next_path``."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def browser_set_code(page, code: str) -> None:
    """Replace the exercise page editor's code, as typing would."""
    page.evaluate("code => document.getElementById('code').gymEditor.setValue(code)", code)


def browser_code(page) -> str:
    return page.evaluate("document.getElementById('code').gymEditor.getValue()")


def browser_run(page, code: str, button: str = "#submit-button", timeout: float = 60_000) -> None:
    """Put ``code`` in the editor, press ``button`` and wait until the page shows the final result."""
    browser_set_code(page, code)
    page.click(button)
    page.wait_for_function(
        "() => ['done', 'error'].includes(document.getElementById('result').dataset.status)"
        " && /^(Graded|Examples run):/.test(document.getElementById('submit-state').textContent)",
        timeout=timeout,
    )


LTI_TARGET = "http://testserver/exercises/inverted-dropout/"
LTI_LEARNER = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
LTI_INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
LTI_DEEP_LINKING_SETTINGS = {
    "deep_link_return_url": "https://lms.example/deep_link_return",
    "accept_types": ["ltiResourceLink"],
    "accept_presentation_document_targets": ["iframe", "window"],
    "accept_multiple": True,
    "data": "opaque-platform-data",
}


def lti_login(client, registration, *, target: str = LTI_TARGET) -> dict:
    """Start an LTI login at the tool as the platform would; returns the auth request's parameters
    (``state``, ``nonce``, ``redirect_uri``…) the tool sent the browser to the platform with."""
    from urllib.parse import parse_qsl, urlsplit

    response = client.get(
        "/lti/login/",
        {
            "iss": registration.issuer,
            "login_hint": "hint",
            "target_link_uri": target,
            "client_id": registration.client_id,
        },
    )
    assert response.status_code == 302, response.content
    return dict(parse_qsl(urlsplit(response["Location"]).query))


def lti_id_token(
    registration,
    private_pem: str,
    *,
    nonce: str,
    kid: str = "platform-key-1",
    algorithm: str = "RS256",
    target: str = LTI_TARGET,
    roles=None,
    message_type: str = "LtiResourceLinkRequest",
    **overrides,
) -> str:
    """An id_token as the platform signs it, for ``sub`` ``learner-1`` in context ``course-1``; ``overrides``
    replace or (with ``None``) remove claims."""
    import time

    import jwt

    now = int(time.time())
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    claims = {
        "iss": registration.issuer,
        "aud": registration.client_id,
        "sub": "learner-1",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@lms.example",
        f"{lti}deployment_id": "dep-1",
        f"{lti}message_type": message_type,
        f"{lti}version": "1.3.0",
        f"{lti}roles": LTI_LEARNER if roles is None else roles,
        f"{lti}target_link_uri": target,
        f"{lti}context": {"id": "course-1", "label": "ML-101", "title": "Deep learning"},
        f"{lti}resource_link": {"id": "link-1", "title": "Inverted dropout"},
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitems": "https://lms.example/course-1/lineitems",
            "lineitem": "https://lms.example/course-1/lineitems/7/lineitem?type_id=7",
        },
    }
    if message_type == "LtiDeepLinkingRequest":
        claims.pop(f"{lti}resource_link")
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = dict(LTI_DEEP_LINKING_SETTINGS)
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return jwt.encode(claims, private_pem, algorithm=algorithm, headers={"kid": kid})


def lti_launch(client, registration, platform_keys, **token_options):
    """Log in and launch with a freshly signed id_token; returns ``(response, id_token, state)``."""
    auth = lti_login(client, registration, target=token_options.get("target", LTI_TARGET))
    token = lti_id_token(registration, platform_keys.private_pem, nonce=auth["nonce"], **token_options)
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    return response, token, auth["state"]


def lti_deep_link_launch(client, registration, platform_keys, *, roles=LTI_INSTRUCTOR, settings=None, **overrides):
    """A deep linking launch by ``teacher-1`` (``settings`` change the platform's deep linking settings);
    returns the tool's answer: the picker, or a page refusing."""
    if settings is not None:
        overrides["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
            **LTI_DEEP_LINKING_SETTINGS,
            **settings,
        }
    return lti_launch(
        client,
        registration,
        platform_keys,
        roles=roles,
        sub="teacher-1",
        message_type="LtiDeepLinkingRequest",
        target="http://testserver/lti/launch/",
        **overrides,
    )[0]


def lti_register_by_hand(platform, tool_url: str):
    """Register the tool at ``tool_url`` with the independent platform by hand, and the platform here, as
    an administrator would (an active registration and deployment); returns the ``LtiRegistration``."""
    from lti_tool.models import LtiRegistration

    tool = platform.register_tool(
        initiate_login_uri=f"{tool_url}/lti/login/",
        redirect_uris=[f"{tool_url}/lti/launch/"],
        jwks_uri=f"{tool_url}/lti/jwks/",
        target_link_uri=f"{tool_url}/lti/launch/",
    )
    registration = LtiRegistration.objects.create(
        name="Platform",
        issuer=tool["issuer"],
        client_id=tool["client_id"],
        auth_url=tool["auth_url"],
        token_url=tool["token_url"],
        keyset_url=tool["jwks_url"],
    )
    registration.deployments.create(deployment_id=tool["deployment_id"], is_active=True)
    return registration


def make_lti_link(platform, tool_url: str, *, learners=(), instructors=(), points: int = 10):
    """An assignment linked to a line item of the independent platform, as launches would have made it:
    the registration (its token endpoint, and our JWKS on ``tool_url``), a context that is a course, a
    resource link, the line item, and an LTI identity ``sub`` = username for each person. Returns the
    :class:`~quizsite.lti.models.LinkedAssignment`."""
    from lti_tool.models import LtiContext, LtiLineItem, LtiResourceLink, LtiUser

    from quizsite.lti.models import CourseContext, LinkedAssignment

    registration = lti_register_by_hand(platform, tool_url)
    deployment = registration.deployments.get()
    platform.set_roster("course-1", [])  # makes the context known to the platform
    line = platform.add_line_item("course-1", label="Inverted dropout", score_maximum=points, resource_link_id="rl-1")
    context = LtiContext.objects.create(
        deployment=deployment,
        id_on_platform="course-1",
        title="Course 1",
        memberships_url=f"{platform.base_url}/contexts/course-1/memberships",
    )
    resource_link = LtiResourceLink.objects.create(context=context, id_on_platform="rl-1")
    line_item = LtiLineItem.objects.create(
        context=context, url=line["id"], maximum_score=points, label="Inverted dropout", resource_link=resource_link
    )
    course = make_course(learners=learners, instructors=instructors)
    CourseContext.objects.create(context=context, course=course)
    for person in [*learners, *instructors]:
        LtiUser.objects.create(registration=registration, sub=person.username, auth_user=person)
    assignment = make_assignment(course, points=points)
    return LinkedAssignment.objects.create(resource_link=resource_link, assignment=assignment, line_item=line_item)


def graded_through_services(user, exercise, verdict="accepted", score=1.0, examples_only=False):
    """A submission created, claimed and given a report through the learning services, as a worker would
    (webhook events and every side effect included), without running any code."""
    from grader.runner import CheckResult, Report
    from quizsite.learning import services as learning

    submission = learning.submission_create(user=user, exercise=exercise, code="x = 1\n", examples_only=examples_only)
    _, token = learning.submission_claim(submission_id=submission.pk)
    report = Report(verdict=verdict, score=score, message="m", results=[CheckResult("c", True, "ok", 1, False, 1.0)])
    learning.submission_record_report(submission_id=submission.pk, token=token, report=report, exercise_version="v")
    return submission
