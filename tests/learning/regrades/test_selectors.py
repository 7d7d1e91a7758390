"""Reads for regrades: how a verdict moved, who may regrade what, which exercises have outdated results."""

import pytest

from quizsite.learning.regrades import selectors
from quizsite.learning.regrades import services as regrades
from tests.helpers import make_course, make_submission

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        ("wrong_answer", "accepted", "improved"),
        ("system_error", "accepted", "improved"),
        ("accepted", "runtime_error", "worse"),
        ("wrong_answer", "time_limit_exceeded", "changed"),
        ("wrong_answer", "wrong_answer", "unchanged"),
        ("accepted", None, ""),
    ],
)
def test_a_verdict_change_is_named_by_whether_it_is_accepted_now(old, new, change):
    assert selectors.verdict_change(old, new) == change


@pytest.fixture
def taught(synced, instructor, learner, other_learner):
    """``instructor`` teaches ada, not grace; each has a final submission graded against an older version."""
    make_course(instructors=[instructor], learners=[learner])
    return {
        person.username: make_submission(user=person, status="done", verdict="accepted", exercise_version="old")
        for person in (learner, other_learner)
    }


def test_an_instructor_may_regrade_their_learners_final_graded_submissions_only(taught, instructor, learner):
    make_submission(user=learner, status="running")
    make_submission(user=learner, status="done", examples_only=True)
    assert list(selectors.submissions_regradable_by(instructor)) == [taught["ada"]]


def test_outdated_exercises_count_only_submissions_the_user_may_regrade(taught, instructor, dropout, learner):
    make_submission(user=learner, status="done", exercise_version=dropout.content_hash)
    rows = selectors.exercises_with_outdated_grades(instructor)
    assert [(row["exercise__slug"], row["submissions"], row["versions"]) for row in rows] == [
        ("inverted-dropout", 1, 1)
    ]


def test_a_regrade_is_visible_to_those_who_teach_every_learner_in_it(taught, instructor, dropout, django_user_model):
    root = django_user_model.objects.create_superuser(username="root")
    everyone = regrades.regrade_preview_start(exercise=dropout, requested_by=root, reason="Fixed")
    own = regrades.regrade_preview_start(exercise=dropout, requested_by=instructor, reason="Fixed")
    assert list(selectors.regrades_visible_to(instructor)) == [own]
    assert set(selectors.regrades_visible_to(root)) == {own, everyone}
    counted = selectors.regrades_visible_to(root).get(pk=everyone.pk)
    assert (counted.item_count, counted.graded_count) == (2, 0)
