"""An assignment's terms turn attempts into a mark: window, attempt limit, late penalty, policy, override."""

from datetime import UTC, datetime, timedelta

import pytest

from quizsite.courses.policy import AVERAGE, BEST, LATEST, Terms, Try, days_late, mark

DUE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def at(offset: timedelta) -> datetime:
    return DUE + offset


def test_nothing_counted_gives_no_mark():
    result = mark([], Terms(due_at=DUE))
    assert result.score is None and result.counted == 0 and not result.late


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(-HOUR, 0), (timedelta(0), 0), (timedelta(seconds=1), 1), (DAY, 1), (DAY + timedelta(seconds=1), 2)],
)
def test_lateness_is_counted_in_started_days(offset, expected):
    assert days_late(at(offset), DUE) == expected


def test_a_late_attempt_loses_the_penalty_for_each_started_day():
    terms = Terms(due_at=DUE, late_penalty_percent_per_day=10)
    result = mark([Try(at(DAY + HOUR), 1.0)], terms)
    assert result.score == pytest.approx(0.8) and result.raw_score == 1.0 and result.days_late == 2 and result.late


def test_the_penalty_never_makes_a_score_negative():
    result = mark([Try(at(30 * DAY), 0.9)], Terms(due_at=DUE, late_penalty_percent_per_day=25))
    assert result.score == 0.0


def test_attempts_after_the_cutoff_and_before_opening_do_not_count():
    terms = Terms(opens_at=DUE - 7 * DAY, due_at=DUE, cutoff_at=DUE + DAY)
    tries = [Try(DUE - 8 * DAY, 1.0), Try(at(-HOUR), 0.4), Try(at(2 * DAY), 1.0)]
    result = mark(tries, terms)
    assert result.score == 0.4 and result.counted == 1 and result.ignored == 2


def test_only_the_first_attempts_up_to_the_limit_count():
    tries = [Try(at(-3 * HOUR), 0.2), Try(at(-2 * HOUR), 0.5), Try(at(-HOUR), 1.0)]
    result = mark(list(reversed(tries)), Terms(due_at=DUE, max_attempts=2))
    assert result.score == 0.5 and result.counted == 2 and result.ignored == 1


def test_best_takes_the_highest_penalised_score_not_the_highest_raw_one():
    terms = Terms(due_at=DUE, late_penalty_percent_per_day=50, policy=BEST)
    result = mark([Try(at(-HOUR), 0.7), Try(at(HOUR), 1.0)], terms)
    assert result.score == 0.7 and not result.late


def test_latest_takes_the_last_counted_attempt_even_if_worse():
    result = mark([Try(at(-2 * HOUR), 1.0), Try(at(-HOUR), 0.3)], Terms(due_at=DUE, policy=LATEST))
    assert result.score == 0.3


def test_average_is_the_mean_of_penalised_counted_scores():
    terms = Terms(due_at=DUE, late_penalty_percent_per_day=50, policy=AVERAGE)
    result = mark([Try(at(-HOUR), 1.0), Try(at(HOUR), 1.0), Try(at(-2 * HOUR), 0.4)], terms)
    assert result.score == pytest.approx((1.0 + 0.5 + 0.4) / 3) and result.days_late == 1 and result.counted == 3


def test_an_extension_moves_the_due_date_and_the_cutoff():
    tries = [Try(at(2 * DAY), 1.0)]
    strict = Terms(due_at=DUE, cutoff_at=DUE + DAY, late_penalty_percent_per_day=10)
    extended = Terms(due_at=DUE + 3 * DAY, cutoff_at=DUE + 4 * DAY, late_penalty_percent_per_day=10, extended=True)
    assert mark(tries, strict).score is None
    result = mark(tries, extended)
    assert result.score == 1.0 and result.extended and not result.late


def test_an_override_replaces_the_derived_mark():
    result = mark([Try(at(-HOUR), 0.2)], Terms(due_at=DUE), override=0.9)
    assert result.score == 0.9 and result.overridden and result.counted == 1


def test_an_override_applies_even_without_attempts():
    assert mark([], Terms(due_at=DUE), override=0.0).score == 0.0
