"""Helpers for reliability tests: the code they submit, and a client submitting and waiting as a real one would."""

import time

from quizsite.learning.models import Submission
from tests.helpers import exercise_file
from tests.reliability.stack import Stack

SOLUTION = exercise_file("inverted-dropout", "solution.py")
# Correct, but takes 3 s: long enough to be caught mid-grading, within the exercise's wall limit.
SLOW = "import time\ntime.sleep(3)\n" + SOLUTION
# What a burst contains, per 50 submissions: the code and the verdict it must get.
MIX = (
    [("loop", "while True:\n    pass\n", "time_limit_exceeded")] * 1
    + [("crash", "raise ValueError('boom')\n", "runtime_error")] * 4
    + [("syntax", "def dropout_forward(:\n", "syntax_error")] * 5
    + [("correct", SOLUTION, "accepted")] * 20
    + [("wrong", exercise_file("inverted-dropout", "wrong/no_rescale.py"), "wrong_answer")] * 20
)


def submit(stack: Stack, token: str, code: str, key: str, deadline: float = 120) -> str:
    """Submit as a client that retries until it gets an answer, with one Idempotency-Key throughout."""
    give_up = time.monotonic() + deadline
    while True:
        status, body = stack.call(
            "POST",
            "/api/v1/exercises/inverted-dropout/submissions/",
            token,
            {"code": code},
            headers={"Idempotency-Key": key},
        )
        if status == 202:
            return body["id"]
        assert status == 0 or status >= 500, (status, body)
        assert time.monotonic() < give_up, f"no 202 for {key} after {deadline} s: {status} {body}"
        time.sleep(0.5)


def wait_until_all_final(stack: Stack, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        pending = Submission.objects.exclude(status__in=Submission.FINAL_STATUSES).count()
        total = Submission.objects.count()
        if total == expected and pending == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{pending} of {total} submissions not final after {timeout} s\n{stack.logs()}")
        time.sleep(0.5)
