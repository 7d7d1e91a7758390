"""A synced exercise is validated by a real Celery worker, on the real broker, before learners see it."""

import shutil
import time

import pytest

from quizsite.catalog.models import ValidationRun
from quizsite.catalog.selectors import published_exercises
from quizsite.catalog.services import content_sync
from tests.helpers import CONTENT_DIR

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_worker_validates_a_synced_exercise_and_then_learners_see_it(celery_worker_process, tmp_path, api):
    shutil.copytree(CONTENT_DIR / "topics", tmp_path / "topics")
    shutil.copytree(CONTENT_DIR / "inverted-dropout", tmp_path / "inverted-dropout")
    run_id = content_sync(root=tmp_path).validations[0]
    assert api.get("/api/v1/exercises/inverted-dropout/").status_code == 404
    deadline = time.monotonic() + 90
    while ValidationRun.objects.get(pk=run_id).status in ("pending", "running"):
        assert time.monotonic() < deadline, "the worker did not validate the exercise within 90 s"
        time.sleep(0.2)
    run = ValidationRun.objects.get(pk=run_id)
    assert run.status == "passed", run.message
    assert all(result["ok"] for result in run.results) and len(run.results) >= 8
    assert [exercise.slug for exercise in published_exercises()] == ["inverted-dropout"]
    assert api.get("/api/v1/exercises/inverted-dropout/").status_code == 200
