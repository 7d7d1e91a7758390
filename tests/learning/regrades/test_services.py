"""Regrades: a preview grades on the side and touches no submission; apply replaces results and keeps history."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from grader.runner import CheckResult, Report
from quizsite.accounts.services import external_learner_user
from quizsite.courses.selectors import learner_mark
from quizsite.learning import services
from quizsite.learning.models import GradingRecord, Regrade, RegradeItem, Submission
from quizsite.learning.regrades import services as regrades
from quizsite.webhooks.models import WebhookDelivery
from quizsite.webhooks.services import endpoint_create
from tests.helpers import change_exercise_checks, make_assignment, make_course, make_submission

pytestmark = pytest.mark.django_db

OLD_VERSION = "0" * 64


def _graded(user, verdict="wrong_answer", score=0.5, **fields):
    return make_submission(
        user=user,
        status="done",
        verdict=verdict,
        score=score,
        exercise_version=OLD_VERSION,
        finished_at=timezone.now() - timedelta(days=1),
        **fields,
    )


def _report(verdict: str, score: float) -> Report:
    passed = verdict == "accepted"
    results = [CheckResult("Drop rate matches p", passed, "Passed." if passed else "off", 1, False, 1.0)]
    return Report(verdict=verdict, score=score, message=f"{verdict} now", results=results, seed=7)


def _preview(regrade: Regrade, outcomes: dict) -> None:
    """Grade each item as the worker would, with ``outcomes[submission_id] = (verdict, score)``."""
    version = regrade.exercise.__class__.objects.get(pk=regrade.exercise_id).content_hash
    for item in regrade.items.all():
        claimed, token = regrades.regrade_item_claim(item_id=item.pk)
        verdict, score = outcomes[claimed.submission_id]
        assert regrades.regrade_item_record(
            item_id=item.pk, token=token, report=_report(verdict, score), exercise_version=version
        )


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(username="root", password="pw-root-123456")


@pytest.fixture
def two_courses(synced, instructor, learner, other_learner, django_user_model):
    """Course A taught by ``instructor`` with learner ada; course B taught by someone else with learner grace."""
    teacher_b = django_user_model.objects.create_user(username="turing", is_staff=True)
    course_a = make_course(code="A", instructors=[instructor], learners=[learner])
    course_b = make_course(code="B", instructors=[teacher_b], learners=[other_learner])
    return course_a, course_b, teacher_b


def _start(exercise, by, **kwargs):
    return regrades.regrade_preview_start(exercise=exercise, requested_by=by, reason="Checks fixed", **kwargs)


def test_a_preview_takes_every_final_graded_submission_and_enqueues_one_grading_each(
    dropout, superuser, learner, django_capture_on_commit_callbacks
):
    graded = [_graded(learner), _graded(learner, verdict="accepted", score=1.0)]
    make_submission(user=learner, status="running")
    _graded(learner, examples_only=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        regrade = _start(dropout, superuser)
    assert {item.submission_id for item in regrade.items.all()} == {s.pk for s in graded}
    assert len(callbacks) == 2
    assert (regrade.status, regrade.scope, regrade.exercise_version) == ("previewing", "all", dropout.content_hash)
    item = regrade.items.get(submission=graded[0])
    assert (item.old_verdict, item.old_score, item.old_exercise_version) == ("wrong_answer", 0.5, OLD_VERSION)


def test_a_preview_needs_a_reason_and_something_to_regrade(dropout, superuser, learner):
    with pytest.raises(regrades.RegradeError, match="reason"):
        regrades.regrade_preview_start(exercise=dropout, requested_by=superuser, reason="  ")
    with pytest.raises(regrades.RegradeError, match="no final graded submissions"):
        _start(dropout, superuser)
    assert not Regrade.objects.exists()


def test_an_instructor_previews_only_their_own_learners_submissions(
    two_courses, dropout, instructor, learner, other_learner
):
    own, foreign = _graded(learner), _graded(other_learner)
    regrade = _start(dropout, instructor)
    assert [item.submission_id for item in regrade.items.all()] == [own.pk]
    with pytest.raises(regrades.RegradeForbidden):
        _start(dropout, instructor, submission_ids=[own.pk, foreign.pk])
    selected = _start(dropout, instructor, submission_ids=[str(own.pk)])
    assert selected.scope == "selected"


def test_a_selection_must_be_final_graded_submissions_of_the_exercise(dropout, superuser, learner):
    running = make_submission(user=learner, status="running")
    with pytest.raises(regrades.RegradeForbidden):
        _start(dropout, superuser, submission_ids=[running.pk])
    with pytest.raises(regrades.RegradeError):
        _start(dropout, superuser, submission_ids=["not-an-id"])
    with pytest.raises(regrades.RegradeError):
        _start(dropout, superuser, submission_ids=[])


def test_previewing_leaves_the_submissions_untouched_and_finishes_with_the_last_item(dropout, superuser, learner):
    first, second = _graded(learner), _graded(learner, verdict="accepted", score=1.0)
    regrade = _start(dropout, superuser)
    _preview(regrade, {first.pk: ("accepted", 1.0), second.pk: ("accepted", 1.0)})
    regrade.refresh_from_db()
    assert regrade.status == "ready"
    first.refresh_from_db()
    assert (first.verdict, first.score, first.exercise_version, first.regraded_at) == (
        "wrong_answer",
        0.5,
        OLD_VERSION,
        None,
    )
    assert not GradingRecord.objects.exists()
    item = regrade.items.get(submission=first)
    assert (item.status, item.new_verdict, item.new_score, item.new_exercise_version) == (
        "done",
        "accepted",
        1.0,
        dropout.content_hash,
    )


def test_only_the_current_claim_writes_a_preview_and_a_duplicate_delivery_is_not_claimed(dropout, superuser, learner):
    _graded(learner)
    item = _start(dropout, superuser).items.get()
    _, token = regrades.regrade_item_claim(item_id=item.pk)
    assert regrades.regrade_item_claim(item_id=item.pk) is None
    assert not regrades.regrade_item_record(
        item_id=item.pk, token=uuid.uuid4(), report=_report("accepted", 1.0), exercise_version="x"
    )
    assert regrades.regrade_item_record(
        item_id=item.pk, token=token, report=_report("accepted", 1.0), exercise_version="x"
    )
    assert regrades.regrade_item_claim(item_id=item.pk) is None, "a graded item is not graded again"


def test_apply_replaces_each_result_and_keeps_the_old_one_with_the_version_it_was_graded_against(
    dropout, superuser, learner
):
    worse, better = _graded(learner, verdict="accepted", score=1.0), _graded(learner)
    old_finished = worse.finished_at
    regrade = _start(dropout, superuser)
    _preview(regrade, {worse.pk: ("wrong_answer", 0.75), better.pk: ("accepted", 1.0)})
    applied = regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)
    assert (applied.status, applied.applied_count, applied.skipped_count, applied.applied_by) == (
        "applied",
        2,
        0,
        superuser,
    )
    worse.refresh_from_db()
    assert (worse.status, worse.verdict, worse.score) == ("done", "wrong_answer", 0.75)
    assert worse.exercise_version == dropout.content_hash
    assert worse.regraded_reason == "Checks fixed" and worse.regraded_at == applied.applied_at
    assert worse.message == "wrong_answer now" and worse.case_seed == 7
    record = worse.grading_records.get()
    assert (record.verdict, record.score, record.exercise_version, record.graded_at) == (
        "accepted",
        1.0,
        OLD_VERSION,
        old_finished,
    )
    assert (record.reason, record.replaced_by, record.regrade) == ("Checks fixed", superuser, applied)
    assert worse.previous_result == record
    assert set(regrade.items.values_list("status", flat=True)) == {"applied"}


def test_every_earlier_result_stays_through_successive_regrades(dropout, superuser, learner):
    submission = _graded(learner)
    first = _start(dropout, superuser)
    _preview(first, {submission.pk: ("accepted", 1.0)})
    regrades.regrade_apply(regrade_id=first.pk, by=superuser)
    second_version = change_exercise_checks(dropout, dropout.checks_source + "\n# stricter\n")
    second = _start(dropout, superuser)
    _preview(second, {submission.pk: ("runtime_error", 0.0)})
    regrades.regrade_apply(regrade_id=second.pk, by=superuser)
    submission.refresh_from_db()
    assert (submission.verdict, submission.exercise_version) == ("runtime_error", second_version)
    history = list(submission.grading_records.order_by("replaced_at").values_list("verdict", "exercise_version"))
    assert history == [("wrong_answer", OLD_VERSION), ("accepted", first.exercise_version)]


def test_apply_skips_submissions_whose_result_changed_since_the_preview(
    dropout, superuser, learner, django_capture_on_commit_callbacks
):
    kept, regraded = _graded(learner), _graded(learner)
    regrade = _start(dropout, superuser)
    _preview(regrade, {kept.pk: ("accepted", 1.0), regraded.pk: ("accepted", 1.0)})
    with django_capture_on_commit_callbacks(execute=False):
        services.submission_regrade(submission_id=regraded.pk, reason="Asked by the learner")
    applied = regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)
    assert (applied.applied_count, applied.skipped_count) == (1, 1)
    regraded.refresh_from_db()
    assert (regraded.status, regraded.regraded_reason) == ("queued", "Asked by the learner")
    assert regrade.items.get(submission=regraded).status == "skipped"
    assert regraded.grading_records.count() == 1, "only the learner's own regrade kept a record"


def test_apply_is_refused_until_every_submission_is_previewed(dropout, superuser, learner):
    first, second = _graded(learner), _graded(learner)
    regrade = _start(dropout, superuser)
    item = regrade.items.get(submission=first)
    _, token = regrades.regrade_item_claim(item_id=item.pk)
    regrades.regrade_item_record(
        item_id=item.pk, token=token, report=_report("accepted", 1.0), exercise_version=dropout.content_hash
    )
    with pytest.raises(regrades.RegradeError, match="1 of 2 submissions are not previewed"):
        regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)
    other = regrade.items.get(submission=second)
    _, token = regrades.regrade_item_claim(item_id=other.pk)
    regrades.regrade_item_fail(item_id=other.pk, token=token, error="The grader is unavailable")
    regrade.refresh_from_db()
    assert regrade.status == "ready", "the preview is finished, with a failure to retry"
    with pytest.raises(regrades.RegradeError, match="not previewed"):
        regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)
    assert not GradingRecord.objects.exists()


def test_retrying_failed_items_sends_them_to_the_workers_again(
    dropout, superuser, learner, django_capture_on_commit_callbacks
):
    _graded(learner)
    regrade = _start(dropout, superuser)
    item = regrade.items.get()
    _, token = regrades.regrade_item_claim(item_id=item.pk)
    regrades.regrade_item_fail(item_id=item.pk, token=token, error="The grader is unavailable")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert regrades.regrade_retry_failed(regrade_id=regrade.pk, by=superuser) == 1
    assert len(callbacks) == 1
    item.refresh_from_db()
    regrade.refresh_from_db()
    assert (item.status, item.attempts, item.error, regrade.status) == ("pending", 0, "", "previewing")


def test_apply_is_refused_when_the_checks_changed_again_since_the_preview(dropout, superuser, learner):
    submission = _graded(learner)
    regrade = _start(dropout, superuser)
    _preview(regrade, {submission.pk: ("accepted", 1.0)})
    change_exercise_checks(dropout, dropout.checks_source + "\n# changed again\n")
    with pytest.raises(regrades.RegradeError, match="changed since this preview"):
        regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)
    submission.refresh_from_db()
    assert (submission.verdict, submission.exercise_version) == ("wrong_answer", OLD_VERSION)


def test_a_preview_graded_against_newer_checks_than_it_started_with_is_refused(dropout, superuser, learner):
    submission = _graded(learner)
    regrade = _start(dropout, superuser)
    change_exercise_checks(dropout, dropout.checks_source + "\n# changed during the preview\n")
    _preview(regrade, {submission.pk: ("accepted", 1.0)})
    with pytest.raises(regrades.RegradeError, match="changed since this preview"):
        regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)


def test_applying_twice_changes_nothing_the_second_time(dropout, superuser, learner):
    submission = _graded(learner)
    regrade = _start(dropout, superuser)
    _preview(regrade, {submission.pk: ("accepted", 1.0)})
    first = regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)
    submission.refresh_from_db()
    again = regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)
    assert (again.applied_at, again.applied_count) == (first.applied_at, 1)
    assert GradingRecord.objects.count() == 1
    assert Submission.objects.get(pk=submission.pk).updated_at == submission.updated_at


def test_a_cancelled_regrade_is_neither_graded_nor_applied(dropout, superuser, learner):
    _graded(learner)
    regrade = _start(dropout, superuser)
    cancelled = regrades.regrade_cancel(regrade_id=regrade.pk, by=superuser)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at
    assert regrades.regrade_item_claim(item_id=regrade.items.get().pk) is None
    with pytest.raises(regrades.RegradeError, match="cancelled"):
        regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)
    assert regrades.regrade_cancel(regrade_id=regrade.pk, by=superuser).status == "cancelled"


def test_an_instructor_cannot_apply_or_cancel_a_regrade_of_another_courses_learners(
    two_courses, dropout, instructor, other_learner
):
    _, _, teacher_b = two_courses
    submission = _graded(other_learner)
    regrade = _start(dropout, teacher_b)
    _preview(regrade, {submission.pk: ("accepted", 1.0)})
    with pytest.raises(regrades.RegradeForbidden):
        regrades.regrade_apply(regrade_id=regrade.pk, by=instructor)
    with pytest.raises(regrades.RegradeForbidden):
        regrades.regrade_cancel(regrade_id=regrade.pk, by=instructor)
    assert Regrade.objects.get(pk=regrade.pk).status == "ready"
    assert regrades.regrade_apply(regrade_id=regrade.pk, by=teacher_b).status == "applied"


def test_applying_updates_the_gradebook(two_courses, dropout, instructor, learner):
    course_a, _, _ = two_courses
    assignment = make_assignment(course_a, exercise=dropout)
    submission = _graded(learner)
    assert learner_mark(assignment, learner).score == 0.5
    regrade = _start(dropout, instructor)
    _preview(regrade, {submission.pk: ("accepted", 1.0)})
    assert learner_mark(assignment, learner).score == 0.5, "a preview changes no mark"
    regrades.regrade_apply(regrade_id=regrade.pk, by=instructor)
    assert learner_mark(assignment, learner).score == 1.0


def test_the_sweeper_resends_lost_preview_gradings_and_recovers_abandoned_ones(
    dropout, superuser, learner, django_capture_on_commit_callbacks
):
    lost, abandoned = _graded(learner), _graded(learner)
    regrade = _start(dropout, superuser)
    long_ago = timezone.now() - timedelta(hours=1)
    RegradeItem.objects.filter(regrade=regrade).update(sent_at=long_ago)
    RegradeItem.objects.filter(submission=abandoned).update(status="running", attempts=1, started_at=long_ago)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counts = regrades.regrade_items_requeue_stuck(queued_for=timedelta(minutes=2), running_for=timedelta(minutes=5))
    assert counts == {"regrade_requeued_pending": 1, "regrade_requeued_running": 1, "regrade_given_up": 0}
    assert len(callbacks) == 2
    assert set(regrade.items.values_list("status", flat=True)) == {"pending"}
    assert lost.pk in {item.submission_id for item in regrade.items.all()}


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True)
def test_apply_tells_an_lms_of_each_changed_mark_and_of_no_unchanged_one(
    lms, dropout, superuser, django_capture_on_commit_callbacks
):
    client, _ = lms
    endpoint_create(client=client, url="http://127.0.0.1:9/hook", events=["submission.graded"])
    changed = _graded(external_learner_user(client=client, external_id="s-1"))
    same = _graded(external_learner_user(client=client, external_id="s-2"))
    regrade = _start(dropout, superuser)
    _preview(regrade, {changed.pk: ("accepted", 1.0), same.pk: ("wrong_answer", 0.5)})
    with django_capture_on_commit_callbacks(execute=False):
        regrades.regrade_apply(regrade_id=regrade.pk, by=superuser)
    (delivery,) = WebhookDelivery.objects.all()
    data = json.loads(delivery.payload)["data"]
    assert (data["id"], data["verdict"], data["score"]) == (str(changed.pk), "accepted", 1.0)
