"""Grade passback (AGS) to the independent platform: what is sent, when, and what happens when it fails.

Sends run here by calling the service (the end-to-end test runs them on a real worker); the platform is
its own process and rejects what the AGS spec forbids (no timezone, a timestamp going back, a wrong URL).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from lti_tool.models import LtiResourceLink

from quizsite.courses.services import score_override_add
from quizsite.learning.models import Submission
from quizsite.learning.services import submission_create, submission_finished
from quizsite.lti import passback, platform
from quizsite.lti.models import LinkedAssignment, ScorePassback
from tests.helpers import graded_at, make_assignment, make_lti_link, make_submission

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sends_run_here(monkeypatch):
    """Sends run in the test, through the service: the Celery worker an earlier integration test started
    (it lives for the session, on this database) must not take them first."""
    monkeypatch.setattr(passback, "_send_on_commit", lambda *args, **kwargs: None)


@pytest.fixture
def link(lti_platform, live_server, learner, instructor, synced):
    return make_lti_link(lti_platform, live_server.url, learners=[learner], instructors=[instructor])


def _send_all() -> list[str]:
    return [passback.score_send(passback_id=pk) for pk in ScorePassback.objects.values_list("pk", flat=True)]


def _posted(lti_platform) -> list[dict]:
    return lti_platform.state()["scores"]


def test_a_queued_submission_is_sent_as_pending_then_its_grade_as_fully_graded(link, learner, lti_platform):
    submission = make_submission(user=learner, exercise=link.assignment.exercise)
    assert passback.work_changed(learner_id=learner.pk, exercise_id=submission.exercise_id) == 1
    assert _send_all() == ["sent"]
    graded_at(submission, timezone.now(), 0.75)
    passback.work_changed(learner_id=learner.pk, exercise_id=submission.exercise_id)
    assert _send_all() == ["sent"]
    pending, graded = _posted(lti_platform)
    assert pending["userId"] == "ada" and pending["gradingProgress"] == "Pending"
    assert pending["activityProgress"] == "Submitted" and "scoreGiven" not in pending
    assert graded["gradingProgress"] == "FullyGraded" and graded["activityProgress"] == "Completed"
    assert (graded["scoreGiven"], graded["scoreMaximum"]) == (7.5, 10)
    assert graded["line_item_id"] == link.line_item.url and "?type_id=" in graded["line_item_id"]
    assert datetime.fromisoformat(graded["timestamp"]).utcoffset() == timedelta(0)


def test_an_up_to_date_row_is_not_sent_again(link, learner, lti_platform):
    graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 1.0)
    passback.work_changed(learner_id=learner.pk, exercise_id=link.assignment.exercise_id)
    assert _send_all() == ["sent"]
    assert _send_all() == ["skipped"]
    assert len(_posted(lti_platform)) == 1


def test_timestamps_move_forward_even_when_the_clock_goes_back(link, learner, lti_platform):
    graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 1.0)
    passback.work_changed(learner_id=learner.pk, exercise_id=link.assignment.exercise_id)
    _send_all()
    ahead = timezone.now() + timedelta(hours=1)  # as if the last send's clock had been an hour fast
    ScorePassback.objects.update(sent_timestamp=ahead)
    passback.work_changed(learner_id=learner.pk, exercise_id=link.assignment.exercise_id)
    assert _send_all() == ["sent"]
    assert datetime.fromisoformat(_posted(lti_platform)[-1]["timestamp"]) > ahead
    assert lti_platform.state()["rejected_scores"] == []


def test_an_override_sends_the_new_mark(link, learner, instructor, lti_platform):
    graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 0.5)
    score_override_add(assignment=link.assignment, learner=learner, score=0.9, reason="Oral exam", by=instructor)
    _send_all()
    assert _posted(lti_platform)[-1]["scoreGiven"] == 9.0


def test_a_regraded_result_is_queued_again(link, learner, lti_platform):
    submission = graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 1.0)
    passback.work_changed(learner_id=learner.pk, exercise_id=submission.exercise_id)
    _send_all()
    Submission.objects.filter(pk=submission.pk).update(score=0.25)  # what a regrade writes
    submission_finished(submission_id=submission.pk)
    assert _send_all() == ["sent"]
    assert _posted(lti_platform)[-1]["scoreGiven"] == 2.5


def test_example_runs_and_other_people_are_not_sent(link, learner, other_learner, lti_platform):
    submission_create(user=learner, exercise=link.assignment.exercise, code="x = 1\n", examples_only=True)
    submission_create(user=other_learner, exercise=link.assignment.exercise, code="x = 1\n")  # not in the course
    assert not ScorePassback.objects.exists()


def test_the_access_token_is_reused_until_it_expires(link, learner, lti_platform):
    lti_platform.set_config(token_expires_in=2)
    graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 1.0)
    for _ in range(2):
        passback.work_changed(learner_id=learner.pk, exercise_id=link.assignment.exercise_id)
        _send_all()
    assert lti_platform.state()["token_requests"] == 1
    time.sleep(2.1)
    passback.work_changed(learner_id=learner.pk, exercise_id=link.assignment.exercise_id)
    _send_all()
    assert lti_platform.state()["token_requests"] == 2


def test_a_platform_that_is_down_delays_the_score_and_it_is_retried(link, learner, lti_platform, settings):
    settings.LTI_PASSBACK_RETRY_DELAYS = [0.0]
    graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 1.0)
    passback.work_changed(learner_id=learner.pk, exercise_id=link.assignment.exercise_id)
    lti_platform.set_down(True)
    assert _send_all() == ["failed"]
    row = ScorePassback.objects.get()
    assert row.status == "failing" and row.attempts == 1 and "503" in row.last_error
    assert passback.passbacks_due_send() == 1  # the periodic sweep picks it up
    lti_platform.set_down(False)
    assert _send_all() == ["sent"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 0, "")
    assert _posted(lti_platform)[-1]["scoreGiven"] == 10


def test_retry_delays_back_off_and_then_repeat(settings):
    settings.LTI_PASSBACK_RETRY_DELAYS = [30.0, 120.0, 600.0]
    assert [passback.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 9)] == [30, 120, 600, 600, 600]


def test_scores_go_on_the_path_before_the_query_string():
    assert (
        platform.scores_url("https://lms/c/1/lineitems/7/lineitem?type_id=7")
        == "https://lms/c/1/lineitems/7/lineitem/scores?type_id=7"
    )
    assert (
        platform.scores_url("https://lms/api/lti/courses/1/line_items/7/")
        == "https://lms/api/lti/courses/1/line_items/7/scores"
    )


def test_resend_grades_is_an_instructor_action_on_their_own_course(link, learner, instructor, other_instructor):
    graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 1.0)
    staff = Client()
    staff.force_login(instructor)
    changelist = "/admin/lti/linkedassignment/"
    response = staff.post(changelist, {"action": "resend_grades", "_selected_action": [link.pk]}, follow=True)
    assert "1 score(s) queued to send" in response.content.decode()
    outsider = Client()
    outsider.force_login(other_instructor)
    assert outsider.get(changelist).status_code == 403
    assert outsider.get("/admin/lti/scorepassback/").status_code == 403


def test_failures_are_listed_in_the_admin_with_the_platforms_answer(link, learner, lti_platform, admin_user):
    graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 1.0)
    passback.work_changed(learner_id=learner.pk, exercise_id=link.assignment.exercise_id)
    lti_platform.set_down(True)
    _send_all()
    staff = Client()
    staff.force_login(admin_user)
    page = staff.get("/admin/lti/scorepassback/?status__exact=failing").content.decode()
    assert "Failing (retrying)" in page and "503" in page


def _unlinked(link, resource_link_id: str):
    """A second resource link of the context, linked to a new assignment but to no line item."""
    context = link.resource_link.context
    context.lineitems_url = link.line_item.url.split("/lineitems/")[0] + "/lineitems"
    context.can_manage_lineitems = True
    context.save()
    resource_link = LtiResourceLink.objects.create(context=context, id_on_platform=resource_link_id)
    assignment = make_assignment(link.assignment.course, points=4, title="Added by hand")
    return LinkedAssignment.objects.create(resource_link=resource_link, assignment=assignment)


def test_a_link_added_by_hand_gets_a_new_line_item_and_the_marks_learners_have(link, learner, lti_platform):
    unlinked = _unlinked(link, "rl-hand")
    graded_at(make_submission(user=learner, exercise=unlinked.assignment.exercise), timezone.now(), 0.5)
    assert passback.line_item_ensure(link_id=unlinked.pk)
    unlinked.refresh_from_db()
    created = next(item for item in lti_platform.state()["line_items"] if item["id"] == unlinked.line_item.url)
    assert created["resourceLinkId"] == "rl-hand" and created["scoreMaximum"] == 4
    assert created["tag"] == "gradient-gym:exercise:inverted-dropout" and created["label"] == "Added by hand"
    _send_all()
    posted = [score for score in _posted(lti_platform) if score["line_item_id"] == unlinked.line_item.url]
    assert [score["scoreGiven"] for score in posted] == [2.0]
    assert not passback.line_item_ensure(link_id=unlinked.pk)  # done once


def test_a_line_item_the_platform_already_has_for_the_link_is_reused(link, lti_platform):
    unlinked = _unlinked(link, "rl-2")
    made = lti_platform.add_line_item("course-1", label="Made in the LMS", score_maximum=20, resource_link_id="rl-2")
    assert passback.line_item_ensure(link_id=unlinked.pk)
    unlinked.refresh_from_db()
    assert unlinked.line_item.url == made["id"]
    assert sum(item.get("resourceLinkId") == "rl-2" for item in lti_platform.state()["line_items"]) == 1


def test_learners_with_no_work_get_no_score_posted(link, learner, lti_platform):
    assert passback.assignment_changed(assignment=link.assignment) == 1
    assert _send_all() == ["skipped"]
    assert _posted(lti_platform) == []


def test_work_that_changes_during_a_send_is_sent_again(link, learner, lti_platform, monkeypatch):
    submission = graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 0.5)
    passback.work_changed(learner_id=learner.pk, exercise_id=submission.exercise_id)
    real_post = platform.post_score

    def post_then_regrade(line_item, score):
        real_post(line_item, score)
        Submission.objects.filter(pk=submission.pk).update(score=1.0)  # a regrade lands mid-send
        passback.work_changed(learner_id=learner.pk, exercise_id=submission.exercise_id)

    monkeypatch.setattr(platform, "post_score", post_then_regrade)
    assert _send_all() == ["sent"]
    row = ScorePassback.objects.get()
    assert row.status == "pending" and row.next_attempt_at is not None and row.version > row.sent_version
    monkeypatch.setattr(platform, "post_score", real_post)
    assert _send_all() == ["sent"]
    assert [score["scoreGiven"] for score in _posted(lti_platform)] == [5.0, 10.0]
    assert ScorePassback.objects.get().status == "sent"


def test_a_token_the_platform_no_longer_takes_is_replaced_once(link, learner, lti_platform):
    from django.core.cache import cache

    registration = link.line_item.context.deployment.registration
    cache.set(platform._token_cache_key(registration, [platform.SCORE_SCOPE]), "revoked-token", 600)
    graded_at(make_submission(user=learner, exercise=link.assignment.exercise), timezone.now(), 1.0)
    passback.work_changed(learner_id=learner.pk, exercise_id=link.assignment.exercise_id)
    assert _send_all() == ["sent"]
    assert lti_platform.state()["token_requests"] == 1
