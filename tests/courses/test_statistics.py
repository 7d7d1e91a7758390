"""Course statistics: item analysis of quizzes, exercise outcomes and activity, checked against hand-computed
values; and the admin page that shows them to the course's staff only."""

import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from quizsite.catalog.models import Exercise, Question, Quiz, Topic
from quizsite.courses import statistics
from quizsite.learning.models import Attempt, Submission
from tests.helpers import graded_at, make_assignment, make_course, make_graded_attempt, make_submission

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


# --- Arithmetic on plain values ------------------------------------------------------------------------------


def test_point_biserial_matches_the_textbook_formula():
    # M1 = 0.7, M0 = 0.35, population sd of the rest-scores = sqrt(0.0424), p = 0.6, q = 0.4:
    # (M1 - M0) / sd * sqrt(p q) = 0.35 / 0.205913 * 0.489898 = 0.83270.
    value = statistics.point_biserial([1, 1, 1, 0, 0], [0.8, 0.6, 0.7, 0.2, 0.5])
    assert value == pytest.approx(0.35 / math.sqrt(0.0424) * math.sqrt(0.24)) == pytest.approx(0.83270, abs=1e-5)


@pytest.mark.parametrize(
    ("correct", "rest"),
    [
        ([1, 1, 0, 0], [0.9, 0.8, 0.1, 0.2]),  # too few responses
        ([1, 1, 1, 1, 1], [0.9, 0.8, 0.1, 0.2, 0.5]),  # everyone right
        ([1, 0, 1, 0, 1], [0.5] * 5),  # the rest of the quiz never varies
    ],
)
def test_point_biserial_is_undefined_for_few_responses_or_no_variation(correct, rest):
    assert statistics.point_biserial(correct, rest) is None


def test_item_analysis_scores_difficulty_on_full_marks_and_keeps_partial_credit_apart():
    attempts = [[("a", 1.0), ("b", 0.5)], [("a", 0.0), ("b", 0.5)], [("a", 1.0), ("b", 1.0)], [("a", 1.0)]]
    summary = statistics.item_analysis(attempts)
    assert summary["a"].responses == 4 and summary["a"].difficulty == 0.75 and summary["a"].mean_score == 0.75
    assert summary["b"].difficulty == pytest.approx(1 / 3) and summary["b"].mean_score == pytest.approx(2 / 3)
    # Three two-item attempts and one single-item attempt (with no rest-score): too few pairs to correlate.
    assert summary["a"].discrimination is None


def test_a_parameterised_questions_options_are_counted_by_position_without_a_key():
    question = Question(key="drawn", kind=Question.Kind.SINGLE, options=[], answer=None, generator="kept_scale")
    table = statistics.option_rates(question, [0, 1, 1, None, 2])
    assert table.by_position and table.unanswered == 1
    assert [(o.label, o.chosen, o.rate, o.correct) for o in table.options] == [
        ("Option 1", 1, 0.2, None),
        ("Option 2", 2, 0.4, None),
        ("Option 3", 1, 0.2, None),
    ]


def test_numeric_ordering_and_matching_questions_have_no_option_rates():
    for kind in (Question.Kind.NUMERIC, Question.Kind.ORDERING, Question.Kind.MATCHING):
        assert statistics.option_rates(Question(key="q", kind=kind, options=["x", "y"]), [1.0]) is None


def test_attempts_until_accepted_count_up_to_the_first_accepted_submission():
    assert statistics.attempts_until_accepted(["wrong_answer", "runtime_error", "accepted", "wrong_answer"]) == 3
    assert statistics.attempts_until_accepted(["wrong_answer"]) is None


def test_the_attempts_distribution_fills_gaps_and_gathers_the_long_tail():
    assert statistics.attempts_distribution([1, 3, 1]) == [("1", 2), ("2", 0), ("3", 1)]
    assert statistics.attempts_distribution([2, 14, 10], last=10)[-1] == ("10+", 2)
    assert statistics.attempts_distribution([]) == []


def test_grading_time_percentiles_interpolate_between_closest_ranks():
    # Ranks 0..5: p50 at 2.5 -> (300 + 400) / 2; p90 at 4.5 -> 500 + 0.5 * 500; p99 at 4.95 -> 500 + 0.95 * 500.
    found = statistics.percentiles([1000, 100, 200, 300, 400, 500])
    assert (found.count, found.p50, found.p90, found.p99) == (6, 350, 750, pytest.approx(975))
    assert statistics.percentiles([]) is None


def test_failed_checks_are_counted_by_name_and_ignore_malformed_results():
    results = [
        [{"name": "shape", "passed": False}, {"name": "scale", "passed": True}],
        [{"name": "shape", "passed": False}, {"name": "scale", "passed": False}, "junk", {"name": "x"}],
        {"not": "a list"},
        [{"name": "scale", "passed": False}],
    ]
    assert statistics.failed_checks(results) == [("scale", 2), ("shape", 2)]


def test_the_course_span_runs_from_opening_to_the_last_deadline_and_takes_in_early_work():
    span = statistics.course_span(
        created=date(2027, 2, 20),
        opens=[date(2027, 3, 1), date(2027, 3, 3)],
        closes=[date(2027, 3, 10)],
        active=[date(2027, 2, 27), date(2027, 3, 5)],
        today=date(2027, 4, 1),
    )
    assert span == (date(2027, 2, 27), date(2027, 3, 10))


def test_a_running_course_is_charted_up_to_today_and_one_without_dates_from_its_creation():
    running = statistics.course_span(
        created=date(2027, 2, 20),
        opens=[date(2027, 3, 1)],
        closes=[date(2027, 5, 1)],
        active=[],
        today=date(2027, 4, 1),
    )
    assert running == (date(2027, 3, 1), date(2027, 4, 1))
    undated = statistics.course_span(created=date(2027, 2, 20), opens=[], closes=[], active=[], today=date(2027, 2, 22))
    assert undated == (date(2027, 2, 20), date(2027, 2, 22))


# --- Selectors over the database -----------------------------------------------------------------------------


@pytest.fixture
def people(django_user_model):
    """Six learners (the first five answer the quiz, the sixth leaves it blank), an idle seventh, an outsider."""
    make = django_user_model.objects.create_user
    return [make(username=f"learner-{n}") for n in range(1, 8)], make(username="outsider")


@pytest.fixture
def topic(db):
    return Topic.objects.create(slug="stats-topic", title="Statistics topic")


@pytest.fixture
def exercise(topic):
    """A hand-made exercise row: these statistics read its submissions, never its content."""
    return Exercise.objects.create(slug="stats-exercise", title="Statistics exercise", topic=topic, content_hash="0")


@pytest.fixture
def bank(topic):
    """A fixed quiz of three hand-made questions: single (key 1), multiple (key 0 and 2), true/false (key True)."""
    single = Question.objects.create(
        key="stats-single", topic=topic, kind="single", prompt="Pick", options=["a0", "a1", "a2"], answer=1
    )
    multiple = Question.objects.create(
        key="stats-multiple",
        topic=topic,
        kind="multiple",
        prompt="Tick",
        options=["b0", "b1", "b2", "b3"],
        answer=[0, 2],
    )
    true_false = Question.objects.create(key="stats-tf", topic=topic, kind="true_false", prompt="True?", answer=True)
    quiz = Quiz.objects.create(
        slug="stats-quiz",
        title="Statistics quiz",
        mode=Quiz.Mode.FIXED,
        question_keys=[q.key for q in (single, multiple, true_false)],
    )
    return quiz, single, multiple, true_false


# (single response, score), (multiple response, score), (true/false response, score) per learner.
ANSWERS = [
    ((1, 1.0), ([0, 2], 1.0), (True, 1.0)),
    ((1, 1.0), ([0], 0.5), (True, 1.0)),
    ((0, 0.0), ([0, 1], 0.0), (False, 0.0)),
    ((1, 1.0), ([0, 2], 1.0), (False, 0.0)),
    ((2, 0.0), ([2], 0.5), (True, 1.0)),
    ((None, 0.0), (None, 0.0), (None, 0.0)),
]


@pytest.fixture
def quiz_course(bank, people, instructor):
    quiz, *questions = bank
    learners, outsider = people
    course = make_course(instructors=[instructor], learners=learners)
    assignment = make_assignment(course, quiz=quiz, opens_at=START, due_at=START + 7 * DAY)
    for learner, answers in zip(learners, ANSWERS, strict=False):
        make_graded_attempt(
            user=learner,
            quiz=quiz,
            answers=[(q, response, score) for q, (response, score) in zip(questions, answers, strict=True)],
            submitted_at=START + DAY,
        )
    # Neither an outsider's attempt nor an attempt still being answered counts.
    make_graded_attempt(user=outsider, quiz=quiz, answers=[(questions[0], 0, 0.0)], submitted_at=START + DAY)
    Attempt.objects.create(user=learners[6], quiz=quiz, status=Attempt.Status.ANSWERING)
    return course, assignment


@pytest.mark.django_db
def test_quiz_statistics_give_hand_computed_difficulty_discrimination_and_option_rates(quiz_course):
    course, _ = quiz_course
    [quiz] = statistics.course_statistics(course, today=date(2027, 4, 1)).quizzes
    assert (quiz.attempts, quiz.learners, quiz.mean_score) == (6, 6, pytest.approx(0.5))
    single, multiple, true_false = quiz.questions
    assert [item.question.key for item in quiz.questions] == ["stats-single", "stats-multiple", "stats-tf"]
    # Single: right for learners 1, 2, 4. Rest-scores (mean of the other two items): 1, .75, 0, .5, .75, 0;
    # M1 = .75, M0 = .25, sd = sqrt(.875 / 6), p = q = .5: r = .5 / sd * .5 = sqrt(3 / 7).
    assert single.summary.responses == 6 and single.summary.difficulty == 0.5
    assert single.summary.discrimination == pytest.approx(math.sqrt(3 / 7))
    # Multiple: full marks for learners 1 and 4 only, half marks for 2 and 5. Rest: 1, 1, 0, .5, .5, 0;
    # M1 = .75, M0 = .375, sd = sqrt(1 / 6), sqrt(pq) = sqrt(2) / 3: r = sqrt(3) / 4.
    assert multiple.summary.difficulty == pytest.approx(1 / 3) and multiple.summary.mean_score == pytest.approx(0.5)
    assert multiple.summary.discrimination == pytest.approx(math.sqrt(3) / 4)
    assert _rates(single) == [("a0", 1, False), ("a1", 3, True), ("a2", 1, False)]
    assert _rates(multiple) == [("b0", 4, True), ("b1", 1, False), ("b2", 3, True), ("b3", 0, False)]
    assert _rates(true_false) == [("True", 3, True), ("False", 2, False)]
    assert single.options.options[1].rate == 0.5 and single.options.unanswered == 1
    assert not single.options.by_position


def _rates(item):
    return [(option.label, option.chosen, option.correct) for option in item.options.options]


def _graded(user, exercise, when, *, accepted=False, failed=(), passed=(), ms=None, **fields):
    results = [{"name": name, "passed": False} for name in failed] + [{"name": name, "passed": True} for name in passed]
    submission = make_submission(user=user, exercise=exercise, results=results, grading_ms=ms, **fields)
    return graded_at(submission, when, 1.0 if accepted else 0.0)


@pytest.fixture
def exercise_course(exercise, people):
    learners, outsider = people
    first, second, third, idle = learners[:4]
    course = make_course(learners=[first, second, third, idle])
    assignment = make_assignment(course, exercise=exercise, opens_at=START, due_at=START + 7 * DAY)
    _graded(first, exercise, START, failed=["shape"], passed=["scale"], ms=100)
    _graded(first, exercise, START + HOUR, failed=["shape", "scale"], ms=200)
    _graded(first, exercise, START + DAY, accepted=True, ms=300)
    _graded(second, exercise, START, accepted=True, ms=400)
    _graded(second, exercise, START + 2 * DAY, failed=["scale"], ms=500)
    _graded(third, exercise, START + DAY, failed=["scale"], ms=1000)
    # None of these is graded work by the course's learners.
    _graded(third, exercise, START + DAY, accepted=True, ms=9, examples_only=True)
    broken = _graded(third, exercise, START + DAY, failed=["shape"], ms=9)
    Submission.objects.filter(pk=broken.pk).update(verdict=Submission.Verdict.SYSTEM_ERROR)
    make_submission(user=third, exercise=exercise)
    _graded(outsider, exercise, START, accepted=True, ms=9)
    return course, assignment


@pytest.mark.django_db
def test_exercise_statistics_count_only_graded_work_by_the_courses_learners(exercise_course):
    course, _ = exercise_course
    [stats] = statistics.course_statistics(course, today=date(2027, 4, 1)).exercises
    assert (stats.enrolled, stats.learners_tried, stats.learners_accepted) == (4, 3, 2)
    assert (stats.submissions, stats.accepted) == (6, 2)
    assert stats.learner_pass_rate == 0.5 and stats.submission_pass_rate == pytest.approx(1 / 3)
    assert stats.failed_checks == [("scale", 3), ("shape", 2)]
    assert sorted(stats.attempts_until_accepted) == [1, 3] and stats.median_attempts_until_accepted == 2
    assert stats.attempts_distribution == [("1", 1), ("2", 0), ("3", 1)]
    assert (stats.grading_ms.p50, stats.grading_ms.p90, stats.grading_ms.p99) == (350, 750, pytest.approx(975))


@pytest.mark.django_db
def test_activity_counts_submissions_and_quiz_attempts_per_day_over_the_courses_span(exercise, bank, people):
    learners, outsider = people
    quiz, single, *_ = bank
    course = make_course(learners=learners[:2])
    make_assignment(course, exercise=exercise, opens_at=START, due_at=START + 3 * DAY)
    make_assignment(course, quiz=quiz, opens_at=START + DAY, due_at=START + 4 * DAY)
    _graded(learners[0], exercise, START)
    _graded(learners[0], exercise, START + HOUR)
    _graded(learners[1], exercise, START + 2 * DAY)
    make_graded_attempt(user=learners[1], quiz=quiz, answers=[(single, 1, 1.0)], submitted_at=START + 2 * DAY)
    _graded(learners[0], exercise, START, examples_only=True)
    _graded(outsider, exercise, START)
    activity = statistics.course_statistics(course, today=date(2027, 4, 1)).activity
    assert activity.days == [date(2027, 3, day) for day in range(1, 6)]
    assert activity.submissions == [2, 0, 1, 0, 0]
    assert activity.quiz_attempts == [0, 0, 1, 0, 0]


# --- The admin page ------------------------------------------------------------------------------------------


def _page(course):
    return reverse("admin:courses_course_statistics", args=[course.pk])


@pytest.mark.django_db
def test_only_the_staff_of_the_course_may_open_its_statistics(client, instructor, django_user_model, people):
    learners, _ = people
    assistant = django_user_model.objects.create_user(username="ta", is_staff=True)
    stranger = django_user_model.objects.create_user(username="turing", is_staff=True)
    course = make_course(instructors=[instructor], assistants=[assistant], learners=learners[:1])
    make_course(instructors=[stranger])
    for user, status in ((instructor, 200), (assistant, 200), (stranger, 403)):
        client.force_login(user)
        assert client.get(_page(course)).status_code == status, user
    client.force_login(learners[0])
    assert client.get(_page(course)).status_code == 302  # to the admin's login: not staff at all


@pytest.mark.django_db
def test_the_statistics_page_draws_valid_escaped_svg_charts_and_is_linked_from_the_course_list(
    client, exercise, instructor, quiz_course, people
):
    course, _ = quiz_course
    learners, _ = people
    make_assignment(course, exercise=exercise, opens_at=START)
    hostile = '<script>alert("check")</script>'
    _graded(learners[0], exercise, START + DAY, failed=[hostile], ms=50)
    _graded(learners[0], exercise, START + 2 * DAY, accepted=True, ms=70)
    client.force_login(instructor)

    assert _page(course) in client.get(reverse("admin:courses_course_changelist")).text
    response = client.get(_page(course))
    assert response.status_code == 200
    svgs = re.findall(r'<svg\b[^>]*\bclass="chart".*?</svg>', response.text, flags=re.DOTALL)
    roots = [ET.fromstring(svg) for svg in svgs]
    titles = [root.find("{http://www.w3.org/2000/svg}title").text for root in roots]
    assert titles[0] == "Activity per day"
    assert any(title.startswith("Difficulty of the questions") for title in titles)
    assert any(title.startswith("Most failed checks") for title in titles)
    assert any(title.startswith("Attempts until accepted") for title in titles)
    assert hostile not in response.text and "&lt;script&gt;alert(" in response.text
    assert 'data-question="stats-single"' in response.text
