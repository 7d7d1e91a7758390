"""What every learner sees alike is computed once per catalogue revision, and every change to the catalogue
(the admin, syncing, validation runs, the sweeper, a release's migrate) starts a new revision once it commits."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management.sql import emit_post_migrate_signal
from django.utils import timezone

from quizsite.catalog.models import Exercise, Topic, ValidationRun
from quizsite.catalog.selectors import REVISION_KEY, per_catalogue_revision, published_exercise
from quizsite.catalog.services import (
    exercise_edit,
    validation_run_claim,
    validation_run_record,
    validation_run_request,
    validation_runs_requeue_stuck,
)
from tests.helpers import sync_exercise_copy

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    """The catalogue cache on, as with a shared cache (the test cache is this process's memory)."""
    settings.CATALOGUE_CACHE_SECONDS = 300


@pytest.fixture
def dropout_copy(tmp_path):
    return sync_exercise_copy(tmp_path)


def counted(value="computed"):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_a_value_is_computed_once_per_revision(cached):
    compute, calls = counted()
    assert per_catalogue_revision("thing", compute) == "computed"
    assert per_catalogue_revision("thing", compute) == "computed"
    assert len(calls) == 1


def test_without_a_shared_cache_every_call_computes(settings):
    settings.CATALOGUE_CACHE_SECONDS = 0
    compute, calls = counted()
    per_catalogue_revision("thing", compute)
    per_catalogue_revision("thing", compute)
    assert len(calls) == 2


def test_nothing_is_kept_for_what_does_not_exist(cached, dropout_copy):
    compute, calls = counted(None)
    per_catalogue_revision("missing", compute)
    per_catalogue_revision("missing", compute)
    assert len(calls) == 2
    assert published_exercise("no-such-exercise") is None
    assert not [key for key in cache._cache if "no-such-exercise" in key]


def test_a_cache_that_lost_the_revision_serves_no_older_entry(cached):
    per_catalogue_revision("thing", lambda: "old")
    cache.delete(REVISION_KEY)  # as after a restart of the cache that kept the entry
    assert per_catalogue_revision("thing", lambda: "new") == "new"


CHANGES = {
    "an exercise saved (the admin, syncing)": lambda exercise: exercise_edit(exercise=exercise, changed=["title"]),
    "a topic saved": lambda exercise: Topic.objects.get(pk=exercise.topic_id).save(),
    "a topic deleted": lambda exercise: Topic.objects.create(slug="spare", title="Spare", position=99).delete(),
    "a validation run requested": lambda exercise: validation_run_request(exercise=exercise, enqueue=False),
    "a release migrated": lambda exercise: emit_post_migrate_signal(0, False, "default"),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_starts_a_new_revision_once_it_commits(
    cached, dropout_copy, django_capture_on_commit_callbacks, change
):
    compute, calls = counted()
    per_catalogue_revision("thing", compute)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        change(dropout_copy)
    per_catalogue_revision("thing", compute)
    assert len(calls) == 1, "a change not yet committed must not be read as the new revision"
    for callback in pending:
        callback()
    per_catalogue_revision("thing", compute)
    assert len(calls) == 2


def test_a_failed_validation_withdraws_the_exercise_from_the_cached_list(
    cached, dropout_copy, api, django_capture_on_commit_callbacks
):
    assert [item["slug"] for item in api.get("/api/v1/exercises/").json()] == ["inverted-dropout"]
    assert published_exercise("inverted-dropout") is not None
    run = validation_run_request(exercise=dropout_copy, enqueue=False)
    _run, token = validation_run_claim(run_id=run.pk)
    with django_capture_on_commit_callbacks(execute=True):
        validation_run_record(run_id=run.pk, token=token, results=[], outcome=ValidationRun.Status.FAILED)
    assert api.get("/api/v1/exercises/").json() == []
    assert published_exercise("inverted-dropout") is None


def test_a_run_the_sweeper_gives_up_on_starts_a_new_revision(
    cached, dropout_copy, django_capture_on_commit_callbacks, settings
):
    run = validation_run_request(exercise=dropout_copy, enqueue=False)
    ValidationRun.objects.filter(pk=run.pk).update(
        status=ValidationRun.Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
        attempts=settings.GRADING_MAX_ATTEMPTS,
    )
    compute, calls = counted()
    per_catalogue_revision("thing", compute)
    with django_capture_on_commit_callbacks(execute=True):
        counts = validation_runs_requeue_stuck(queued_for=timedelta(minutes=2), running_for=timedelta(minutes=5))
    assert counts["given_up"] == 1
    per_catalogue_revision("thing", compute)
    assert len(calls) == 2


def test_an_edited_title_shows_in_the_cached_list_and_page(
    cached, dropout_copy, api, client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    assert client.get("/exercises/inverted-dropout/").status_code == 200
    api.get("/api/v1/exercises/")
    exercise = Exercise.objects.get(pk=dropout_copy.pk)
    exercise.title = "Dropout, renamed"
    with django_capture_on_commit_callbacks(execute=True):
        exercise_edit(exercise=exercise, changed=["title"])
    assert api.get("/api/v1/exercises/").json()[0]["title"] == "Dropout, renamed"
    assert "Dropout, renamed" in client.get("/exercises/inverted-dropout/").content.decode()
