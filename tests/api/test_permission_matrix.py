"""Every endpoint, for every kind of caller, gives the status documented in docs/api.md ("Who may call what").

Callers: anonymous; the learner who owns the resources; another learner; an instructor (staff); and API
clients holding exactly one scope each, or none. Clients act for their learner ``stu-1``, who owns the
resources they are asked about.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from quizsite.accounts.services import api_client_create, external_learner_user
from quizsite.catalog.models import Quiz
from quizsite.catalog.questions import correct_response
from quizsite.catalog.selectors import variant_of
from quizsite.learning import attempts
from quizsite.webhooks.models import WebhookDelivery
from quizsite.webhooks.services import endpoint_create
from tests.helpers import key_client, make_submission, token_client

pytestmark = pytest.mark.django_db

CALLERS = [
    "anonymous",
    "learner",
    "other",
    "instructor",
    "read:content",
    "write:submissions",
    "read:grades",
    "admin:webhooks",
    "no-scope",
]
# The matrix is read by column (one caller) and by row (one endpoint): aligned by hand, not reflowed.
# fmt: off
MATRIX = [
    # method, path,                                   anon lrn  oth  inst cont subm grad hook none
    ("GET",    "/exercises/",                          401, 200, 200, 200, 200, 403, 403, 403, 403),
    ("GET",    "/exercises/{slug}/",                   401, 200, 200, 200, 200, 403, 403, 403, 403),
    ("POST",   "/exercises/{slug}/submissions/",       401, 202, 202, 202, 403, 202, 403, 403, 403),
    # Only for a learner with an accepted submission (the owner has one); 403 says when it will be shown.
    ("GET",    "/exercises/{slug}/reference/",         401, 200, 403, 403, 200, 403, 403, 403, 403),
    ("GET",    "/submissions/",                        401, 200, 200, 200, 403, 200, 200, 403, 403),
    ("GET",    "/submissions/{submission}/",           401, 200, 404, 200, 403, 200, 200, 403, 403),
    ("POST",   "/submissions/{submission}/regrade/",   401, 403, 403, 202, 403, 202, 403, 403, 403),
    ("GET",    "/grades/",                             401, 200, 200, 200, 403, 403, 200, 403, 403),
    ("GET",    "/grades/csv/",                         401, 200, 200, 200, 403, 403, 200, 403, 403),
    ("GET",    "/courses/",                            401, 200, 200, 200, 403, 403, 200, 403, 403),
    ("GET",    "/courses/{course}/gradebook/",         401, 404, 404, 200, 403, 403, 200, 403, 403),
    ("GET",    "/topics/",                             401, 200, 200, 200, 200, 403, 403, 403, 403),
    ("GET",    "/quizzes/",                            401, 200, 200, 200, 200, 403, 403, 403, 403),
    ("GET",    "/quizzes/{quiz}/",                     401, 200, 200, 200, 200, 403, 403, 403, 403),
    ("POST",   "/quizzes/{quiz}/attempts/",            401, 201, 201, 201, 403, 201, 403, 403, 403),
    ("GET",    "/attempts/",                           401, 200, 200, 200, 403, 200, 200, 403, 403),
    ("GET",    "/attempts/{attempt}/",                 401, 200, 404, 200, 403, 200, 200, 403, 403),
    ("PUT",    "/attempts/{attempt}/answers/{question}/", 401, 200, 404, 404, 403, 200, 403, 403, 403),
    ("POST",   "/attempts/{attempt}/submit/",          401, 200, 404, 404, 403, 200, 403, 403, 403),
    ("GET",    "/webhooks/",                           401, 403, 403, 403, 403, 403, 403, 200, 403),
    ("POST",   "/webhooks/",                           401, 403, 403, 403, 403, 403, 403, 201, 403),
    ("GET",    "/webhooks/{webhook}/",                 401, 403, 403, 403, 403, 403, 403, 200, 403),
    ("PATCH",  "/webhooks/{webhook}/",                 401, 403, 403, 403, 403, 403, 403, 200, 403),
    ("GET",    "/webhooks/{webhook}/deliveries/",      401, 403, 403, 403, 403, 403, 403, 200, 403),
    ("POST",   "/webhooks/{webhook}/deliveries/{delivery}/redeliver/", 401, 403, 403, 403, 403, 403, 403, 202, 403),
    ("POST",   "/webhooks/{webhook}/rotate-secret/",   401, 403, 403, 403, 403, 403, 403, 200, 403),
    ("DELETE", "/webhooks/{webhook}/",                 401, 403, 403, 403, 403, 403, 403, 204, 403),
]
# fmt: on
BODIES = {
    "/exercises/{slug}/submissions/": {"code": "x = 1\n"},
    "/webhooks/": {"url": "http://127.0.0.1:9/hook", "events": ["submission.graded"]},
    "/webhooks/{webhook}/": {"description": "grades to the gradebook"},
}


def _caller(name: str, learner, other_learner, instructor) -> tuple[APIClient, object, object]:
    """The HTTP client for a caller, the user owning the resources, and the API client (if any)."""
    people = {"learner": learner, "other": other_learner, "instructor": instructor}
    if name == "anonymous":
        return APIClient(), learner, None
    if name in people:
        return token_client(people[name]), learner, None
    client, key = api_client_create(name=name, owner=instructor, scopes=[] if name == "no-scope" else [name])
    return key_client(key, "stu-1"), external_learner_user(client=client, external_id="stu-1"), client


def _resources(owner, client) -> dict[str, str]:
    submission = make_submission(user=owner, status="done", verdict="accepted", score=1.0)
    attempt = attempts.attempt_start(user=owner, quiz=Quiz.objects.get(slug="dropout"))
    item = attempt.items.select_related("question").first()
    # The attempt above is open on "dropout": starting one is tried on another quiz (one open per quiz).
    ids = {
        "slug": "inverted-dropout",
        "quiz": "early-stopping",
        "submission": submission.pk,
        "attempt": attempt.pk,
        "question": item.question.key,
        "webhook": "00000000-0000-0000-0000-000000000000",
        "delivery": "00000000-0000-0000-0000-000000000000",
    }
    answer = {"response": correct_response(variant_of(item.question, str(attempt.pk)))}
    if client is not None:
        endpoint = endpoint_create(client=client, url="http://127.0.0.1:9/hook", events=["submission.graded"])
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type="submission.graded", payload="{}")
        ids.update(webhook=endpoint.pk, delivery=delivery.pk)
    return ids, answer


@pytest.mark.parametrize("caller", CALLERS)
def test_every_endpoint_answers_each_caller_as_documented(
    caller, learner, other_learner, instructor, teaching, synced, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    column = CALLERS.index(caller)
    http, owner, client = _caller(caller, learner, other_learner, instructor)
    ids, answer = _resources(owner, client)
    # The instructor teaches the learners (an API client reads its owner's courses).
    ids["course"] = teaching.pk
    mismatches = []
    with django_capture_on_commit_callbacks(execute=False):
        for method, template, *expected in MATRIX:
            body = answer if template.endswith("/answers/{question}/") else BODIES.get(template)
            response = http.generic(
                method, "/api/v1" + template.format(**ids), data=_json(body), content_type="application/json"
            )
            if response.status_code != expected[column]:
                mismatches.append(f"{method} {template}: {response.status_code}, documented {expected[column]}")
            if response.status_code >= 400 and response["Content-Type"] != "application/problem+json":
                mismatches.append(f"{method} {template}: error without problem+json")
    assert not mismatches, "\n".join(mismatches)


def _json(body) -> str:
    import json

    return json.dumps(body) if body is not None else ""


# The matrix names path parameters by what they point at; the schema by the URL pattern's names.
SCHEMA_PLACEHOLDERS = {
    "slug": "{slug}",
    "quiz": "{slug}",
    "course": "{id}",
    "submission": "{id}",
    "attempt": "{id}",
    "question": "{question_id}",
    "webhook": "{id}",
    "delivery": "{delivery_id}",
}


def test_the_matrix_covers_every_operation_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {(method.upper(), path) for path, operations in schema["paths"].items() for method in operations}
    in_matrix = set()
    for method, template, *_ in MATRIX:
        path = "/api/v1" + template
        for name, placeholder in SCHEMA_PLACEHOLDERS.items():
            path = path.replace("{" + name + "}", placeholder)
        in_matrix.add((method, path))
    assert documented == in_matrix
