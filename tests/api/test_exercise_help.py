"""A failed check's result carries its hint; GET /exercises/<slug>/reference/ gives the reference solution only to a
learner who earned it, and says when otherwise, as problem+json."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from quizsite.catalog.models import Exercise
from quizsite.learning.models import Submission
from tests.helpers import key_client, make_assignment, make_course, make_submission, sync_exercise_copy, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/exercises/inverted-dropout/reference/"
EVALUATION = "Evaluation mode returns the input unchanged and no mask"
RATES = "p = 0 keeps everything, p = 1 drops everything"
DONE, ACCEPTED, WRONG = Submission.Status.DONE, Submission.Verdict.ACCEPTED, Submission.Verdict.WRONG_ANSWER


@pytest.fixture
def exercise(tmp_path) -> Exercise:
    return sync_exercise_copy(tmp_path)


def _hint(exercise: Exercise, title: str) -> str:
    return next(item["hint"] for item in exercise.hints if item["check"] == title)


def _graded(user, exercise, verdict=WRONG, **fields) -> Submission:
    return make_submission(user=user, exercise=exercise, status=DONE, verdict=verdict, **fields)


def _results() -> list[dict]:
    return [
        {"name": EVALUATION, "passed": True, "message": "Passed.", "points": 1, "public": True},
        {"name": RATES, "passed": False, "message": "with p=1 got nan", "points": 1, "public": False},
    ]


def test_a_failed_check_carries_its_hint_and_a_passed_one_none(api, learner, exercise):
    submission = _graded(learner, exercise, results=_results())
    results = api.get(f"/api/v1/submissions/{submission.pk}/").json()["results"]
    assert [result["hint"] for result in results] == [None, _hint(exercise, RATES)]


def test_a_withheld_hidden_check_keeps_its_hint_but_not_its_message(api, learner, exercise):
    make_assignment(make_course(learners=[learner]), exercise=exercise, due_at=timezone.now() + timedelta(days=1))
    submission = _graded(learner, exercise, results=_results())
    hidden = api.get(f"/api/v1/submissions/{submission.pk}/").json()["results"][1]
    assert hidden["message"] != "with p=1 got nan"
    assert hidden["hint"] == _hint(exercise, RATES)


def test_a_check_without_a_hint_has_null(api, learner, exercise):
    results = [{"name": "A check renamed since", "passed": False, "message": "Wrong.", "points": 1}]
    submission = _graded(learner, exercise, results=results)
    assert api.get(f"/api/v1/submissions/{submission.pk}/").json()["results"][0]["hint"] is None


def test_the_reference_is_refused_with_the_reason_as_problem_json(api, learner, exercise):
    _graded(learner, exercise)
    response = api.get(URL)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/reference-locked") and body["status"] == 403
    assert body["detail"] == (
        "The reference solution is shown after an accepted submission or after 5 attempts (1 so far)."
    )
    assert exercise.solution_code not in response.content.decode()


def test_the_owner_gets_the_reference_after_an_accepted_submission(api, learner, exercise):
    _graded(learner, exercise, verdict=ACCEPTED)
    response = api.get(URL)
    assert response.status_code == 200
    assert response.json() == {"exercise": "inverted-dropout", "code": exercise.solution_code}


def test_an_open_assignment_refuses_the_reference_with_its_reason(api, learner, exercise):
    make_assignment(make_course(learners=[learner]), exercise=exercise, due_at=timezone.now() + timedelta(days=1))
    _graded(learner, exercise, verdict=ACCEPTED)
    response = api.get(URL)
    assert response.status_code == 403
    assert response.json()["detail"] == "The reference solution is shown after the assignment's due date."


def test_anonymous_callers_get_401(exercise):
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_an_unpublished_or_unknown_exercise_is_404(api, learner, exercise):
    _graded(learner, exercise, verdict=ACCEPTED)
    assert api.get("/api/v1/exercises/no-such-thing/reference/").status_code == 404
    exercise.is_published = False
    exercise.save()
    assert api.get(URL).status_code == 404


def test_attack_another_learners_acceptance_and_failures_give_nothing_away(learner, other_learner, exercise):
    """Grace is accepted and failed a check; Ada, who has done nothing, asks for the reference and reads Grace's
    submission: she gets neither the reference nor Grace's results and hints."""
    _graded(other_learner, exercise, verdict=ACCEPTED)
    theirs = _graded(other_learner, exercise, results=_results())
    ada = token_client(learner)
    assert ada.get(URL).status_code == 403
    assert ada.get(f"/api/v1/submissions/{theirs.pk}/").status_code == 404
    listed = ada.get("/api/v1/submissions/").json()["results"]
    assert listed == []
    assert ada.get(f"/api/v1/submissions/?learner={other_learner.username}").json()["results"] == []


def test_attack_an_api_client_gets_the_reference_only_for_the_learner_it_names(lms, exercise):
    client, key = lms
    accepted = key_client(key, learner="canvas-1")
    accepted.get("/api/v1/exercises/")  # creates the external learner
    learner = client.learners.get(external_id="canvas-1").user
    _graded(learner, exercise, verdict=ACCEPTED)
    assert accepted.get(URL).status_code == 200
    assert key_client(key, learner="canvas-2").get(URL).status_code == 403
    # Its own service account is no learner: it must name one.
    assert key_client(key).get(URL).status_code == 400


def test_the_reference_is_in_the_schema_with_its_refusal(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/exercises/{slug}/reference/"]["get"]
    assert "examples" in operation["responses"]["200"]["content"]["application/json"]
    assert list(operation["responses"]["403"]["content"]) == ["application/problem+json"]
    check_result = schema["components"]["schemas"]["CheckResult"]["properties"]
    assert "hint" in check_result
