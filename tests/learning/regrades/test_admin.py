"""The regrade pages: start a preview, see old → new per learner with counts, apply or cancel; each instructor
only for the learners they teach."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from grader.runner import Report
from quizsite.learning.models import Regrade
from quizsite.learning.regrades import services as regrades
from tests.helpers import change_exercise_checks, make_course, make_submission

pytestmark = pytest.mark.django_db

OLD_VERSION = "a" * 64


@pytest.fixture
def teacher_b(django_user_model):
    return django_user_model.objects.create_user(username="turing", password="pw-turing-123456", is_staff=True)


@pytest.fixture
def courses(synced, instructor, teacher_b, learner, other_learner):
    """Course A: ``instructor`` teaches ada; course B: ``teacher_b`` teaches grace. Each learner has a graded
    submission to inverted-dropout, graded against an older version."""
    make_course(code="A", instructors=[instructor], learners=[learner])
    make_course(code="B", instructors=[teacher_b], learners=[other_learner])
    yesterday = timezone.now() - timedelta(days=1)
    return {
        person.username: make_submission(
            user=person,
            status="done",
            verdict="wrong_answer",
            score=0.5,
            exercise_version=OLD_VERSION,
            finished_at=yesterday,
        )
        for person in (learner, other_learner)
    }


def _previewed(exercise, by, verdict="accepted", score=1.0) -> Regrade:
    regrade = regrades.regrade_preview_start(exercise=exercise, requested_by=by, reason="Statistics check fixed")
    for item in regrade.items.all():
        _, token = regrades.regrade_item_claim(item_id=item.pk)
        report = Report(verdict=verdict, score=score, message="", results=[])
        regrades.regrade_item_record(
            item_id=item.pk, token=token, report=report, exercise_version=exercise.content_hash
        )
    return regrade


def _detail(regrade) -> str:
    return reverse("admin:learning_regrade_change", args=[regrade.pk])


def test_the_start_page_lists_exercises_graded_against_older_checks_and_starts_a_preview(
    client, instructor, courses, dropout, django_capture_on_commit_callbacks
):
    client.force_login(instructor)
    page = client.get(reverse("admin:learning_regrade_add"))
    assert page.status_code == 200
    assert 'data-exercise="inverted-dropout"' in page.text and "1 (against 1 older version)" in page.text
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("admin:learning_regrade_add"), {"exercise": dropout.pk, "reason": "Statistics check fixed"}
        )
    regrade = Regrade.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(regrade)
    assert [item.submission_id for item in regrade.items.all()] == [courses["ada"].pk], "only course A's learner"
    assert len(callbacks) == 1
    progress = client.get(_detail(regrade))
    assert 'http-equiv="refresh"' in progress.text and "1 still to grade" in progress.text
    assert 'id="apply-regrade"' not in progress.text


def test_a_form_error_is_shown_not_raised(client, instructor, courses, dropout):
    client.force_login(instructor)
    response = client.post(reverse("admin:learning_regrade_add"), {"exercise": dropout.pk, "reason": " "})
    assert response.status_code == 200 and not Regrade.objects.exists()


def test_the_preview_shows_old_and_new_per_learner_with_counts_and_versions(client, instructor, courses, dropout):
    regrade = _previewed(dropout, instructor)
    client.force_login(instructor)
    page = client.get(_detail(regrade)).text
    assert 'data-learner="ada"' in page and 'data-learner="grace"' not in page
    assert 'data-change="improved"' in page and "Wrong answer" in page and "Accepted" in page
    assert 'data-count="improved">Improved (now accepted): <strong>1</strong>' in page
    assert OLD_VERSION[:12] in page and dropout.content_hash[:12] in page
    assert 'id="apply-regrade"' in page and 'http-equiv="refresh"' not in page


def test_apply_is_a_post_that_replaces_the_results(client, instructor, courses, dropout):
    regrade = _previewed(dropout, instructor)
    client.force_login(instructor)
    apply_url = reverse("admin:learning_regrade_apply", args=[regrade.pk])
    assert client.get(apply_url).status_code == 405
    response = client.post(apply_url)
    assert response.status_code == 302 and response["Location"] == _detail(regrade)
    submission = courses["ada"]
    submission.refresh_from_db()
    assert (submission.verdict, submission.regraded_reason) == ("accepted", "Statistics check fixed")
    page = client.get(_detail(regrade)).text
    assert "1 replaced, 0 skipped" in page and 'id="apply-regrade"' not in page


def test_apply_after_another_checks_change_is_refused_with_a_message(client, instructor, courses, dropout):
    regrade = _previewed(dropout, instructor)
    change_exercise_checks(dropout, dropout.checks_source + "\n# again\n")
    client.force_login(instructor)
    assert "cannot be applied" in client.get(_detail(regrade)).text
    response = client.post(reverse("admin:learning_regrade_apply", args=[regrade.pk]), follow=True)
    assert "changed since this preview" in response.text
    assert Regrade.objects.get().status == "ready"


def test_cancel_leaves_every_result_alone(client, instructor, courses, dropout):
    regrade = _previewed(dropout, instructor)
    client.force_login(instructor)
    client.post(reverse("admin:learning_regrade_cancel", args=[regrade.pk]))
    assert Regrade.objects.get().status == "cancelled"
    courses["ada"].refresh_from_db()
    assert courses["ada"].verdict == "wrong_answer"


def test_an_instructor_can_neither_see_nor_apply_a_regrade_of_another_courses_learners(
    client, instructor, teacher_b, courses, dropout
):
    theirs = _previewed(dropout, teacher_b)
    client.force_login(instructor)
    listing = client.get(reverse("admin:learning_regrade_changelist"))
    assert listing.status_code == 200 and str(theirs.pk) not in listing.text
    assert client.get(_detail(theirs)).status_code == 404
    for action in ("apply", "cancel", "retry"):
        assert client.post(reverse(f"admin:learning_regrade_{action}", args=[theirs.pk])).status_code == 404
    assert Regrade.objects.get(pk=theirs.pk).status == "ready"
    courses["grace"].refresh_from_db()
    assert courses["grace"].verdict == "wrong_answer"


def test_an_instructor_cannot_start_a_preview_of_another_courses_learners_submissions(
    client, instructor, courses, dropout
):
    client.force_login(instructor)
    response = client.post(
        reverse("admin:learning_regrade_add"),
        {"exercise": dropout.pk, "reason": "Fixed", "submissions": str(courses["grace"].pk)},
    )
    assert response.status_code == 200 and "that you may regrade" in response.text
    assert not Regrade.objects.exists()


def test_a_superuser_sees_and_regrades_everyone(client, django_user_model, courses, dropout, teacher_b):
    root = django_user_model.objects.create_superuser(username="root", password="pw-root-123456")
    theirs = _previewed(dropout, teacher_b)
    client.force_login(root)
    assert client.get(_detail(theirs)).status_code == 200
    client.post(reverse("admin:learning_regrade_apply", args=[theirs.pk]))
    assert Regrade.objects.get(pk=theirs.pk).status == "applied"


def test_staff_who_teach_no_course_have_no_regrade_pages(client, django_user_model, courses):
    staff = django_user_model.objects.create_user(username="clerk", password="pw-clerk-123456", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:learning_regrade_add")).status_code == 403
    assert "Regrades" not in client.get(reverse("admin:index")).text
