"""The expected wait a submission not yet final is told: simulated from what is running and queued now, each grading
taking its exercise's typical time, not the median of recent gradings times the length of the line."""

from datetime import timedelta

import pytest
from django.utils import timezone

from quizsite.catalog.models import Exercise
from quizsite.learning import selectors
from quizsite.learning.models import Submission
from quizsite.learning.selectors import submission_queue_estimate
from tests.helpers import make_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def slow_exercise(synced) -> Exercise:
    """An exercise other than inverted-dropout, for per-exercise times."""
    return Exercise.objects.exclude(slug="inverted-dropout").order_by("slug").first()


def graded(exercise, *times_ms: int) -> None:
    """Finished gradings of ``exercise`` that took ``times_ms``: its typical time is their median."""
    for grading_ms in times_ms:
        make_submission(exercise=exercise, status="done", grading_ms=grading_ms, finished_at=timezone.now())


def line(*entries: tuple[Exercise, str, float]) -> list[Submission]:
    """Submissions in queue order, each ``(exercise, status, seconds ago)``: a queued one entered the queue then,
    a running one started then."""
    now = timezone.now()
    made = []
    for position, (exercise, status, ago) in enumerate(entries):
        when = now - timedelta(seconds=ago)
        # Queue order is queued_at's; one microsecond apart keeps it whatever the clock's resolution.
        queued_at = now - timedelta(minutes=10) + timedelta(microseconds=position)
        started = {"started_at": when} if status == "running" else {}
        made.append(make_submission(exercise=exercise, status=status, queued_at=queued_at, **started))
    return made


def test_behind_two_slow_gradings_the_wait_is_their_wall_limit_left_not_the_typical_second(dropout, settings):
    settings.GRADING_SLOTS = 2
    Exercise.objects.filter(pk=dropout.pk).update(wall_seconds=20)
    graded(dropout, 1000, 1000, 1000)
    # Both started 5 s ago on a 1 s exercise: slow ones, running until the learner's 20 s are used up, on top of
    # the 1 s a grading takes; so both slots free in about 1 + 20 - 5 = 16 s, then its own 1 s grading.
    *_, mine = line((dropout, "running", 5), (dropout, "running", 5), (dropout, "queued", 0))
    estimate = submission_queue_estimate(mine)
    assert estimate["ahead"] == 0
    assert estimate["expected_wait_seconds"] == 17


def test_a_grading_a_little_past_its_typical_time_is_expected_to_end_soon_not_at_the_wall_limit(dropout, settings):
    settings.GRADING_SLOTS = 1
    Exercise.objects.filter(pk=dropout.pk).update(wall_seconds=20)
    graded(dropout, 4000, 4000, 4000)
    # 5 s into a 4 s grading: half of all gradings run past their median; it is given until twice that (8 s).
    _, mine = line((dropout, "running", 5), (dropout, "queued", 0))
    assert submission_queue_estimate(mine)["expected_wait_seconds"] == 3 + 4


def test_each_queued_submission_takes_its_own_exercises_typical_time(dropout, slow_exercise, settings):
    settings.GRADING_SLOTS = 1
    graded(dropout, 2000, 2000, 2000)
    graded(slow_exercise, 10_000)
    unseen = Exercise.objects.exclude(pk__in=[dropout.pk, slow_exercise.pk]).first()
    # 10 s for the slow exercise's, the 2 s median of all recent gradings for one never graded, and 2 s its own.
    *_, mine = line((slow_exercise, "queued", 0), (unseen, "queued", 0), (dropout, "queued", 0))
    estimate = submission_queue_estimate(mine)
    assert estimate["ahead"] == 2
    assert estimate["expected_wait_seconds"] == 10 + 2 + 2


def test_the_line_ahead_is_spread_over_the_grading_slots_earliest_free_first(dropout, slow_exercise, settings):
    settings.GRADING_SLOTS = 2
    graded(dropout, 4000, 4000, 4000)
    graded(slow_exercise, 6000, 6000, 6000)
    # Slots free at 3 s (a 4 s grading started 1 s ago) and now. Ahead: dropout 4 s -> slot free now (busy to 4),
    # slow 6 s -> the slot free at 3 (busy to 9), dropout 4 s -> the one free at 4 (busy to 8); its turn at 8.
    *_, mine = line(
        (dropout, "running", 1),
        (dropout, "queued", 0),
        (slow_exercise, "queued", 0),
        (dropout, "queued", 0),
        (dropout, "queued", 0),
    )
    assert submission_queue_estimate(mine)["expected_wait_seconds"] == 8 + 4


@pytest.mark.parametrize(
    ("started_ago", "expected"),
    [
        (1, 4 - 1),  # an ordinary grading: its typical 4 s less the time it has run
        (10, 4 + 20 - 10),  # a slow one: the learner's 20 s wall limit on top of a typical grading
    ],
)
def test_a_running_submission_waits_only_its_own_remaining_time(dropout, settings, started_ago, expected):
    settings.GRADING_SLOTS = 1
    Exercise.objects.filter(pk=dropout.pk).update(wall_seconds=20)
    graded(dropout, 4000, 4000, 4000)
    # Others running and queued do not hold it up: it has its slot.
    others = [(dropout, "running", 0)] + [(dropout, "queued", 0)] * 3
    mine, *_ = line((dropout, "running", started_ago), *others)
    mine.refresh_from_db()
    estimate = submission_queue_estimate(mine)
    assert (estimate["ahead"], estimate["expected_wait_seconds"]) == (0, expected)


def test_a_long_line_is_counted_not_read_the_rest_at_the_mean_of_the_rows_read(
    dropout, slow_exercise, settings, monkeypatch, django_assert_max_num_queries
):
    settings.GRADING_SLOTS = 1
    monkeypatch.setattr(selectors, "QUEUE_ROWS_READ", 2)
    graded(dropout, 4000, 4000)
    graded(slow_exercise, 10_000, 10_000, 10_000)
    *_, mine = line(*[(dropout, "queued", 0)] * 2, *[(slow_exercise, "queued", 0)] * 2, (dropout, "queued", 0))
    with django_assert_max_num_queries(3):  # the counts, the rows, the typical times (cached afterwards)
        estimate = submission_queue_estimate(mine)
    # Two rows read (4 s each); the two not read count at their 4 s mean, though they are 10 s ones.
    assert estimate["ahead"] == 4
    assert estimate["expected_wait_seconds"] == 4 * 4 + 4
