"""Submission endpoints: the contract LMSs and the web page rely on."""

import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from quizsite.learning.models import Submission
from tests.helpers import make_submission, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/exercises/inverted-dropout/submissions/"
FIELDS = {
    "id",
    "exercise",
    "learner",
    "exercise_version",
    "updated_at",
    "examples_only",
    "queue",
    "status",
    "verdict",
    "passed",
    "score",
    "results",
    "message",
    "output",
    "regraded",
    "created_at",
    "finished_at",
}


def test_posting_code_returns_202_with_a_queued_submission_and_location(
    api, dropout, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(URL, {"code": "def f():\n    return 1\n"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert set(body) == FIELDS
    assert (body["status"], body["verdict"], body["passed"], body["score"], body["results"]) == (
        "queued",
        None,
        False,
        None,
        [],
    )
    assert response["Location"].endswith(f"/api/v1/submissions/{body['id']}/")
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({}, "/code"),
        ({"code": 42}, "/code"),
        ({"code": None}, "/code"),
        ({"code": ["x"]}, "/code"),
        ({"code": ""}, "/code"),
    ],
)
def test_missing_or_non_string_code_is_a_400_naming_the_field(api, dropout, payload, pointer):
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]
    assert not Submission.objects.exists()


def test_code_over_64_kib_is_a_413(api, dropout):
    response = api.post(URL, {"code": "#" * (64 * 1024 + 1)}, format="json")
    assert response.status_code == 413
    assert "65536" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_exactly_64_kib_is_accepted(api, dropout):
    assert api.post(URL, {"code": "#" * (64 * 1024)}, format="json").status_code == 202


@override_settings(SUBMISSION_MAX_CODE_BYTES=100)
def test_the_size_limit_counts_utf8_bytes(api, dropout):
    assert api.post(URL, {"code": "é" * 51}, format="json").status_code == 413


def test_an_unknown_exercise_is_a_404(api, synced):
    response = api.post("/api/v1/exercises/nope/submissions/", {"code": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["type"].endswith("not-found")


def test_malformed_json_is_a_400(api, dropout):
    response = api.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_graded_submission_shows_verdict_passed_score_and_results(api, learner, dropout):
    submission = make_submission(
        user=learner,
        status="done",
        verdict="accepted",
        score=1.0,
        results=[{"name": "Evaluation mode", "passed": True, "message": "Passed.", "points": 1, "public": True}],
    )
    response = api.get(f"/api/v1/submissions/{submission.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["verdict"], body["passed"], body["score"]) == ("done", "accepted", True, 1.0)
    assert body["results"] == [
        {"name": "Evaluation mode", "passed": True, "message": "Passed.", "points": 1, "hint": None, "figure": None}
    ]
    assert "Retry-After" not in response


def test_a_pending_submission_suggests_when_to_poll_again(api, learner, dropout):
    submission = make_submission(user=learner)
    response = api.get(f"/api/v1/submissions/{submission.pk}/")
    assert response.json()["passed"] is False
    assert response["Retry-After"] == "1"


def test_another_learners_submission_is_a_404(other_learner, learner, dropout):
    submission = make_submission(user=learner)
    response = token_client(other_learner).get(f"/api/v1/submissions/{submission.pk}/")
    assert response.status_code == 404


def test_instructors_see_the_submissions_of_their_courses_learners_only(
    instructor, learner, teaching, dropout, django_user_model
):
    submission = make_submission(user=learner)
    assert token_client(instructor).get(f"/api/v1/submissions/{submission.pk}/").status_code == 200
    outsider = make_submission(user=django_user_model.objects.create_user(username="self-study"))
    assert token_client(instructor).get(f"/api/v1/submissions/{outsider.pk}/").status_code == 404
    assert str(outsider.pk) not in {
        row["id"] for row in token_client(instructor).get("/api/v1/submissions/").json()["results"]
    }
    root = django_user_model.objects.create_superuser(username="root", password="pw-root-123456")
    assert token_client(root).get(f"/api/v1/submissions/{outsider.pk}/").status_code == 200


def test_an_unknown_submission_id_is_a_404(api):
    assert api.get("/api/v1/submissions/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_wrong_methods_are_405(api, dropout):
    assert api.delete(URL).status_code == 405
    assert api.get(URL).status_code == 405


def test_an_example_run_is_flagged(api, dropout, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(URL, {"code": "x = 1\n", "examples_only": True}, format="json")
    assert response.status_code == 202
    assert response.json()["examples_only"] is True
    assert Submission.objects.get().examples_only is True


def test_a_long_queue_still_accepts_and_says_how_long_it_will_take(
    api, learner, dropout, settings, django_capture_on_commit_callbacks
):
    settings.GRADING_QUEUE_BUSY_AFTER = 3
    settings.GRADING_SLOTS = 2
    for _ in range(3):
        make_submission(user=learner, status="done", grading_ms=4000)
    with django_capture_on_commit_callbacks(execute=False):
        responses = [api.post(URL, {"code": f"x = {n}\n"}, format="json") for n in range(5)]
    assert [response.status_code for response in responses] == [202] * 5, "nothing is refused"
    queues = [response.json()["queue"] for response in responses]
    assert [queue["ahead"] for queue in queues] == [0, 1, 2, 3, 4]
    assert [queue["busy"] for queue in queues] == [False, False, False, True, True]
    # 4 s a grading, 2 slots: the ones ahead take them in turn, so each pair starts 4 s after the one before.
    assert [queue["expected_wait_seconds"] for queue in queues] == [4, 4, 8, 8, 12]
    assert int(responses[4]["Retry-After"]) == 6
    assert Submission.objects.filter(status="queued").count() == 5


def test_lists_and_final_submissions_carry_no_queue_estimate(api, learner, dropout):
    make_submission(user=learner, status="done", verdict="accepted", score=1.0)
    row = api.get("/api/v1/submissions/").json()["results"][0]
    assert row["queue"] is None
    assert api.get(f"/api/v1/submissions/{row['id']}/").json()["queue"] is None


def test_a_running_submission_has_nothing_ahead_and_waits_its_own_remaining_time(api, learner, dropout):
    for _ in range(3):
        make_submission(user=learner, status="done", grading_ms=4000)
    make_submission(user=learner, status="running")
    mine = make_submission(user=learner, status="running", started_at=timezone.now() - timedelta(seconds=1))
    make_submission(user=learner)  # queued behind
    queue = api.get(f"/api/v1/submissions/{mine.pk}/").json()["queue"]
    assert queue["ahead"] == 0 and queue["busy"] is False
    assert queue["expected_wait_seconds"] == 3, "a 4 s grading that started 1 s ago; the others do not hold it up"


def test_the_output_is_shown_for_an_examples_run_and_withheld_for_graded_work(api, learner, dropout):
    shown = make_submission(user=learner, examples_only=True, status="done", output="hello\n")
    withheld = make_submission(user=learner, status="done", output="hidden input: [1, 2]\n")
    assert api.get(f"/api/v1/submissions/{shown.pk}/").json()["output"] == "hello\n"
    assert api.get(f"/api/v1/submissions/{withheld.pk}/").json()["output"] is None


def test_a_long_poll_answers_at_once_when_the_status_already_moved_on(api, learner, dropout):
    submission = make_submission(user=learner, status="running")
    started = time.monotonic()
    body = api.get(f"/api/v1/submissions/{submission.pk}/?wait=20&status=queued").json()
    assert body["status"] == "running"
    assert time.monotonic() - started < 5


def test_a_long_poll_with_nothing_new_answers_after_its_wait_with_the_same_status(api, learner, dropout):
    submission = make_submission(user=learner, status="queued")
    started = time.monotonic()
    body = api.get(f"/api/v1/submissions/{submission.pk}/?wait=1&status=queued").json()
    assert body["status"] == "queued"
    assert time.monotonic() - started >= 1


@pytest.mark.parametrize(
    "query",
    ["wait=0&status=queued", "wait=26&status=queued", "wait=5", "status=queued", "wait=x&status=queued",
     "wait=5&status=finished"],
)  # fmt: skip
def test_bad_long_poll_parameters_are_a_problem_not_a_hang(api, learner, dropout, query):
    submission = make_submission(user=learner)
    response = api.get(f"/api/v1/submissions/{submission.pk}/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
