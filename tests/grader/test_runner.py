"""Verdicts, scores and per-check messages come from the trusted side, whatever the learner's code does."""

from pathlib import Path

import pytest

from grader.runner import Job, grade, load_checks
from grader.sandbox.limits import Limits

DROPOUT = Path(__file__).resolve().parents[2] / "exercises" / "inverted-dropout"
CHECKS = (DROPOUT / "checks.py").read_text()
SOLUTION = (DROPOUT / "solution.py").read_text()


def _grade(zygote, code, limits=None):
    return grade(Job(code=code, checks_source=CHECKS, limits=limits or Limits()), zygote)


def test_the_reference_solution_is_accepted_with_full_score(zygote):
    report = _grade(zygote, SOLUTION)
    assert report.verdict == "accepted"
    assert report.score == 1.0
    assert all(result.passed for result in report.results)
    assert [r.name for r in report.results] == [spec.name for spec in load_checks(CHECKS)]


@pytest.mark.parametrize("wrong", sorted(p.name for p in (DROPOUT / "wrong").glob("*.py")))
def test_every_known_wrong_solution_is_rejected(zygote, wrong):
    report = _grade(zygote, (DROPOUT / "wrong" / wrong).read_text())
    assert report.verdict == "wrong_answer"
    assert 0 < report.score < 1
    failed = [result for result in report.results if not result.passed]
    assert failed and all(result.message for result in failed)


def test_failure_messages_say_what_was_expected_and_what_came_back(zygote):
    report = _grade(zygote, (DROPOUT / "wrong" / "scales_at_evaluation.py").read_text())
    message = next(r.message for r in report.results if not r.passed)
    assert "expected" in message and "got" in message and "tolerance" in message


def test_the_starter_is_a_runtime_error_naming_the_exception(zygote):
    report = _grade(zygote, (DROPOUT / "starter.py").read_text())
    assert report.verdict == "runtime_error"
    assert report.score == 0
    assert "NotImplementedError" in report.results[0].message


def test_a_syntax_error_is_reported_with_its_line(zygote):
    report = _grade(zygote, "def dropout_forward(x, p, training, rng:\n    return x\n")
    assert report.verdict == "syntax_error"
    assert "line 1" in report.message
    assert report.score == 0 and not any(result.passed for result in report.results)


def test_code_that_raises_while_loading_is_a_runtime_error(zygote):
    report = _grade(zygote, "raise RuntimeError('broken on import')\n")
    assert report.verdict == "runtime_error"
    assert "broken on import" in report.message


def test_an_infinite_loop_is_a_time_limit_naming_the_check(zygote):
    code = SOLUTION + "\n\ndef dropout_backward(grad_out, mask):\n    while True:\n        pass\n"
    report = _grade(zygote, code, Limits(cpu_seconds=1, wall_seconds=3))
    assert report.verdict == "time_limit_exceeded"
    assert "Backward multiplies the gradient" in report.message


def test_checks_that_finished_before_a_limit_keep_their_results(zygote):
    code = SOLUTION + "\n\ndef dropout_backward(grad_out, mask):\n    import time\n    time.sleep(60)\n"
    report = _grade(zygote, code, Limits(wall_seconds=2))
    assert report.verdict == "time_limit_exceeded"
    names = [result.name for result in report.results]
    hit = names.index("Backward multiplies the gradient by the forward mask")
    assert all(result.passed for result in report.results[:hit])
    assert not report.results[hit].passed and "wall-clock" in report.results[hit].message
    assert all(result.message.startswith("Not run") for result in report.results[hit + 1 :])
    assert 0 < report.score < 1


def test_claiming_success_on_stdout_changes_nothing(zygote):
    code = "print('accepted: all checks passed, score 1.0')\n" + (DROPOUT / "wrong" / "no_rescale.py").read_text()
    report = _grade(zygote, code)
    assert report.verdict == "wrong_answer"
    assert "all checks passed" in report.output


def test_monkeypatching_numpy_in_the_sandbox_cannot_fool_the_checks(zygote):
    code = (
        "import numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)\n"
        + (DROPOUT / "wrong" / "no_rescale.py").read_text()
    )
    assert _grade(zygote, code).verdict == "wrong_answer"


def test_a_memory_bomb_is_a_memory_limit_verdict(zygote):
    code = "import numpy as np\nHOARD = np.ones(2**32)\n"
    report = _grade(zygote, code, Limits(memory_bytes=256 << 20))
    assert report.verdict == "memory_limit_exceeded"


def test_grading_is_deterministic(zygote):
    code = (DROPOUT / "wrong" / "uses_global_random.py").read_text()
    first, second = _grade(zygote, code), _grade(zygote, code)
    assert [(r.passed, r.message) for r in first.results] == [(r.passed, r.message) for r in second.results]


def test_checks_without_any_check_are_refused():
    with pytest.raises(ValueError, match="no @check"):
        load_checks("x = 1\n")
