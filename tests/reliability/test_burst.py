"""A burst of 500 submissions (correct, wrong, crashing, looping and malformed code) through the API,
graded by 2 worker processes: every one ends final with the verdict its code deserves, none twice."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from quizsite.learning.models import Submission
from tests.reliability.helpers import MIX, submit, wait_until_all_final

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]
BURST = 500


def burst(stack, token: str, prefix: str) -> dict[str, str]:
    """Submit BURST submissions from 8 client threads; returns submission id -> expected verdict."""
    cases = [MIX[n % len(MIX)] for n in range(BURST)]
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda n: submit(stack, token, cases[n][1], f"{prefix}-{n}"), range(BURST)))
    return {submission_id: case[2] for submission_id, case in zip(ids, cases, strict=True)}


def assert_graded_as_expected(expected: dict[str, str]) -> None:
    assert len(expected) == BURST, "each request created its own submission"
    assert Submission.objects.count() == BURST, "no submission was stored twice"
    got = dict(Submission.objects.values_list("pk", "verdict"))
    wrong = {str(pk): (verdict, expected[str(pk)]) for pk, verdict in got.items() if verdict != expected[str(pk)]}
    assert not wrong, f"{len(wrong)} got the wrong verdict (got, expected): {list(wrong.items())[:10]}"
    assert not Submission.objects.exclude(status="done").exists()


def test_a_burst_is_graded_completely_and_correctly(stack, token):
    stack.start_worker("a")
    stack.start_worker("b")
    expected = burst(stack, token, "burst")
    wait_until_all_final(stack, BURST, timeout=400)
    assert_graded_as_expected(expected)
    assert set(Submission.objects.values_list("attempts", flat=True)) == {1}, "without failures, one grading each"
