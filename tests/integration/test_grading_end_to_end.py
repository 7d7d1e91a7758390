"""Through the API, a real Redis broker, a real Celery worker process, the sandbox and PostgreSQL."""

import os

import pytest

from quizsite.learning.models import Submission
from tests.helpers import exercise_file, make_submission, wait_until_final

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

URL = "/api/v1/exercises/inverted-dropout/submissions/"


def _submit_and_wait(api, code):
    response = api.post(URL, {"code": code}, format="json")
    assert response.status_code == 202, response.content
    return wait_until_final(lambda: api.get(response["Location"]).json())


def test_submissions_are_graded_by_the_worker_with_the_right_verdicts(celery_worker_process, synced, api):
    cases = {
        exercise_file("inverted-dropout", "solution.py"): ("accepted", 1.0),
        exercise_file("inverted-dropout", "wrong/no_rescale.py"): ("wrong_answer", None),
        "def dropout_forward(:\n": ("syntax_error", 0.0),
        "raise ValueError('nope')\n": ("runtime_error", 0.0),
        "while True:\n    pass\n": ("time_limit_exceeded", 0.0),
    }
    for code, (verdict, score) in cases.items():
        body = _submit_and_wait(api, code)
        assert body["status"] == "done"
        assert body["verdict"] == verdict, body
        assert body["passed"] is (verdict == "accepted")
        if score is not None:
            assert body["score"] == score
        fields = {"name", "passed", "message", "points", "hint", "figure"}
        assert body["results"] and all(set(r) == fields for r in body["results"])
    assert Submission.objects.filter(status="done").count() == len(cases)
    assert set(Submission.objects.values_list("attempts", flat=True)) == {1}


def test_the_wrong_answer_explains_the_failed_checks(celery_worker_process, synced, api):
    body = _submit_and_wait(api, exercise_file("inverted-dropout", "wrong/scales_at_evaluation.py"))
    failed = [result for result in body["results"] if not result["passed"]]
    assert [result["name"] for result in failed] == [
        "Evaluation mode returns the input unchanged and no mask",
        "Evaluation mode and the mask's values on new inputs of any shape",
    ]
    assert "expected" in failed[0]["message"] and "got" in failed[0]["message"]
    assert 0 < body["score"] < 1


def test_a_grading_worker_reports_a_working_sandbox_on_readyz(celery_worker_process, synced, api, client):
    _submit_and_wait(api, exercise_file("inverted-dropout", "solution.py"))
    body = client.get("/readyz").json()
    assert body["checks"]["sandbox"]["ok"] is True, body
    assert body["ready"] is True


def test_the_sweeper_requeues_a_submission_a_dead_worker_left_running(celery_worker_process, synced, api, learner):
    from datetime import timedelta

    from django.utils import timezone

    from grader.tasks import sweep_stuck_submissions

    submission = make_submission(
        user=learner,
        code=exercise_file("inverted-dropout", "solution.py"),
        status="running",
        attempts=1,
        started_at=timezone.now() - timedelta(hours=1),
    )
    # No message exists for it: only the sweeper can bring it back.
    sweep_stuck_submissions.apply()
    body = wait_until_final(lambda: api.get(f"/api/v1/submissions/{submission.pk}/").json())
    assert (body["status"], body["verdict"]) == ("done", "accepted")
    submission.refresh_from_db()
    assert submission.attempts == 2


def test_every_worker_log_line_about_a_grading_names_its_submission(celery_worker_process, synced, api, settings):
    import json
    import time
    from pathlib import Path

    submission_id = _submit_and_wait(api, exercise_file("inverted-dropout", "solution.py"))["id"]
    log_path = Path(settings.VAR_DIR) / "test-worker.log"

    def lines_of_this_grading() -> list[dict]:
        lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
        return [
            line for line in lines if line.get("submission_id") == submission_id or submission_id in line["message"]
        ]

    deadline = time.monotonic() + 10
    while not any("succeeded" in line["message"] for line in lines_of_this_grading()):
        assert time.monotonic() < deadline, "Celery's success line for the task never appeared"
        time.sleep(0.1)
    lines = lines_of_this_grading()
    assert any(line["message"].startswith(f"submission {submission_id} graded") for line in lines)
    assert all(line.get("submission_id") == submission_id and line.get("task_id") for line in lines), lines


def test_grading_runs_nicer_than_the_web_down_to_the_learners_process(celery_worker_process, synced, api, settings):
    # The pool processes, their zygotes and every learner process they fork: batch work that yields the CPU
    # to pages and the API (settings.GRADER_NICENESS); the worker's main process only takes messages.
    _submit_and_wait(api, exercise_file("inverted-dropout", "solution.py"))
    main = celery_worker_process.pid
    pool = _children(main)
    graders = [pid for process in pool for pid in [process, *_descendants(process)]]
    assert len(pool) == 2 and len(graders) > len(pool), graders
    assert {os.getpriority(os.PRIO_PROCESS, pid) for pid in graders} == {settings.GRADER_NICENESS}
    assert os.getpriority(os.PRIO_PROCESS, main) == os.getpriority(os.PRIO_PROCESS, 0)


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as file:
        return [int(child) for child in file.read().split()]


def _descendants(pid: int) -> list[int]:
    return [grandchild for child in _children(pid) for grandchild in [child, *_descendants(child)]]
