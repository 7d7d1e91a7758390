"""Verdicts, scores and per-check messages come from the trusted side, whatever the learner's code does."""

from dataclasses import replace
from pathlib import Path

import pytest

from grader.runner import Job, grade, load_checks
from grader.sandbox.limits import Limits
from grader.vocabulary import Verdict
from quizsite.catalog.content import load_exercise

DROPOUT = Path(__file__).resolve().parents[2] / "exercises" / "inverted-dropout"
EXERCISE = load_exercise(DROPOUT)
CHECKS = EXERCISE.checks_source
SOLUTION = EXERCISE.solution_code


def _grade(zygotes, code, limits=None, **job):
    return grade(Job(code=code, checks_source=CHECKS, limits=limits or Limits(), **job), zygotes)


def test_the_reference_solution_is_accepted_with_full_score(zygotes):
    report = _grade(zygotes, SOLUTION)
    assert report.verdict == "accepted"
    assert report.score == 1.0
    assert all(result.passed for result in report.results)
    assert [r.name for r in report.results] == [spec.name for spec in load_checks(CHECKS)[0]]


@pytest.mark.parametrize("wrong", sorted(EXERCISE.wrong_solutions))
def test_every_known_wrong_solution_gets_its_verdict_by_failing_its_checks(zygotes, wrong):
    sample = EXERCISE.wrong_solutions[wrong]
    report = _grade(zygotes, sample.code)
    assert report.verdict == sample.verdict
    assert 0 < report.score < 1
    failed = {result.name for result in report.results if not result.passed}
    assert set(sample.fails) <= failed
    assert all(result.message for result in report.results if not result.passed)


def test_failure_messages_say_what_was_expected_and_what_came_back(zygotes):
    report = _grade(zygotes, EXERCISE.wrong_solutions["scales_at_evaluation"].code)
    message = next(r.message for r in report.results if not r.passed)
    assert "expected" in message and "got" in message and "tolerance" in message


def test_the_starter_is_a_runtime_error_naming_the_exception(zygotes):
    report = _grade(zygotes, EXERCISE.starter_code)
    assert report.verdict == "runtime_error"
    assert report.score == 0
    assert "NotImplementedError" in report.results[0].message


def test_a_syntax_error_is_reported_with_its_line(zygotes):
    report = _grade(zygotes, "def dropout_forward(x, p, training, rng:\n    return x\n")
    assert report.verdict == "syntax_error"
    assert "line 1" in report.message
    assert report.score == 0 and not any(result.passed for result in report.results)


def test_a_class_named_syntax_error_is_not_a_syntax_error(zygotes):
    report = _grade(zygotes, "class SyntaxError(Exception):\n    pass\nraise SyntaxError('fake')\n")
    assert report.verdict == "runtime_error"


def test_code_that_raises_while_loading_is_a_runtime_error(zygotes):
    report = _grade(zygotes, "raise RuntimeError('broken on import')\n")
    assert report.verdict == "runtime_error"
    assert "broken on import" in report.message


def test_an_infinite_loop_is_a_time_limit_naming_the_check(zygotes):
    code = SOLUTION + "\n\ndef dropout_backward(grad_out, mask):\n    while True:\n        pass\n"
    report = _grade(zygotes, code, Limits(cpu_seconds=1, wall_seconds=10))
    assert report.verdict == "time_limit_exceeded"
    assert "Backward multiplies the gradient" in report.message


def test_checks_that_finished_before_a_limit_keep_their_results(zygotes):
    code = SOLUTION + "\n\ndef dropout_backward(grad_out, mask):\n    import time\n    time.sleep(60)\n"
    report = _grade(zygotes, code, Limits(wall_seconds=2))
    assert report.verdict == "time_limit_exceeded"
    names = [result.name for result in report.results]
    hit = names.index("Backward multiplies the gradient by the forward mask")
    assert all(result.passed for result in report.results[:hit])
    assert not report.results[hit].passed and "wall-clock" in report.results[hit].message
    assert all(result.message.startswith("Not run") for result in report.results[hit + 1 :])
    assert 0 < report.score < 1


def test_the_wall_clock_counts_only_time_waiting_for_the_learner(zygotes):
    # Many quick calls whose checks take longer in total than the wall limit: the learner used little of it.
    report = _grade(zygotes, SOLUTION, Limits(wall_seconds=0.5))
    assert report.verdict == "accepted", report.message


def test_claiming_success_on_stdout_changes_nothing(zygotes):
    code = "print('accepted: all checks passed, score 1.0')\n" + EXERCISE.wrong_solutions["no_rescale"].code
    report = _grade(zygotes, code)
    assert report.verdict == "wrong_answer"
    assert "all checks passed" in report.output


def test_monkeypatching_numpy_is_refused_by_the_gate_and_cannot_fool_the_checks_without_it(zygotes):
    code = (
        "import numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)\n"
        + EXERCISE.wrong_solutions["no_rescale"].code
    )
    refused = _grade(zygotes, code)
    assert refused.verdict == "restricted_code"
    assert "line 2" in refused.message and "np.allclose" in refused.message
    assert not any(result.passed for result in refused.results)
    assert _grade(zygotes, code, gate=False).verdict == "wrong_answer"


def test_a_memory_bomb_is_a_memory_limit_verdict(zygotes):
    code = "import numpy as np\nHOARD = np.ones(2**32)\n"
    report = _grade(zygotes, code, Limits(memory_bytes=256 << 20))
    assert report.verdict == "memory_limit_exceeded"


def test_the_same_case_seed_reproduces_a_grading_and_another_draws_other_cases(zygotes):
    code = EXERCISE.wrong_solutions["no_rescale"].code
    first, again = _grade(zygotes, code, seed=1234), _grade(zygotes, code, seed=1234)
    other = _grade(zygotes, code, seed=98765)
    messages = [[r.message for r in report.results if not r.public] for report in (first, again, other)]
    assert messages[0] == messages[1]
    assert messages[0] != messages[2]


def test_public_checks_use_the_same_inputs_in_every_grading(zygotes):
    code = EXERCISE.wrong_solutions["no_rescale"].code
    first, second = _grade(zygotes, code, seed=1), _grade(zygotes, code, seed=2)
    public = [[(r.name, r.message) for r in report.results if r.public] for report in (first, second)]
    assert public[0] == public[1]


def test_jobs_draw_a_fresh_secret_seed_each(zygotes):
    assert len({Job(code="", checks_source=CHECKS).seed for _ in range(20)}) == 20


def test_code_that_imports_torch_is_graded_in_the_pytorch_runtime(zygotes):
    torch_solution = """
import numpy as np
import torch

def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError("p")
    if not training:
        return x.copy(), None
    keep = torch.from_numpy(rng.random(x.shape)) >= p
    mask = keep.double() / (1 - p) if p < 1 else torch.zeros(x.shape, dtype=torch.float64)
    return (torch.from_numpy(x) * mask).numpy(), mask.numpy()

def dropout_backward(grad_out, mask):
    return grad_out.copy() if mask is None else (torch.from_numpy(grad_out) * torch.from_numpy(mask)).numpy()
"""
    # Importing torch costs about 2 s of CPU: the PyTorch zygote pays it, not the learner's 1 s budget.
    report = _grade(zygotes, torch_solution, Limits(cpu_seconds=1), runtime="numpy")
    assert report.verdict == "accepted", report.results


def test_output_carries_only_what_the_learner_printed(zygotes):
    code = "import torch\nprint('mine')\n" + SOLUTION
    report = _grade(zygotes, code)
    assert report.verdict == "accepted"
    assert report.output.strip().splitlines() == ["mine"] * len(report.output.strip().splitlines())


def test_an_environment_that_fails_is_the_exercises_fault_not_the_learners(zygotes):
    checks = 'ENVIRONMENT = "raise RuntimeError(\\"broken\\")"\n' + CHECKS.split("ENVIRONMENT = ", 1)[0]
    checks += "\nfrom grader.harness import check\n@check('x')\ndef x(learner, rng):\n    pass\n"
    with pytest.raises(RuntimeError, match="environment failed to load"):
        grade(Job(code=SOLUTION, checks_source=checks), zygotes)


def test_checks_without_any_check_are_refused():
    with pytest.raises(ValueError, match="no @check"):
        load_checks("x = 1\n")


def test_the_gate_can_be_lifted_for_an_exercise(zygotes):
    code = "import threading\n" + SOLUTION
    assert _grade(zygotes, code).verdict == Verdict.RESTRICTED_CODE
    job = Job(code=code, checks_source=CHECKS, allowed_modules=frozenset({"threading"}))
    assert grade(job, zygotes).verdict == Verdict.ACCEPTED
    assert grade(replace(job, allowed_modules=frozenset()), zygotes).verdict == Verdict.RESTRICTED_CODE


def test_nul_characters_in_output_and_messages_are_made_storable(zygotes):
    code = "print('before' + chr(0) + 'after')\n" + SOLUTION.replace(
        'raise ValueError(f"p must be in [0, 1], got {p}")', 'raise RuntimeError("boom" + chr(0))'
    )
    report = _grade(zygotes, code)
    texts = [report.message, report.output, *(result.message for result in report.results)]
    assert not any("\x00" in text for text in texts)
    assert "before\\x00after" in report.output
