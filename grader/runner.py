"""Grade one job: run the trusted checks against the learner's code in a sandboxed process.

No Django here. The verdict and the score are computed only on this side, from values rebuilt by
:mod:`grader.protocol`; nothing the learner's process says about itself is believed.
"""

from __future__ import annotations

import logging
import time
import types
from dataclasses import asdict, dataclass, field

from grader import harness
from grader.sandbox.limits import Limits
from grader.sandbox.supervisor import SandboxDied, Zygote

log = logging.getLogger(__name__)

_SYNTAX_ERRORS = {"SyntaxError", "IndentationError", "TabError"}
_DEATH_VERDICTS = {
    "wall_time": ("time_limit_exceeded", "Your code ran longer than the {wall:g} s wall-clock limit"),
    "cpu_time": ("time_limit_exceeded", "Your code used more than the {cpu:g} s CPU-time limit"),
    "output": ("output_limit_exceeded", "Your code printed more than {output} bytes"),
    "exited": ("runtime_error", "Your code ended its own process ({detail})"),
    "protocol": ("runtime_error", "Your code's process sent something that is not a valid answer ({detail})"),
}


@dataclass(frozen=True)
class Job:
    """Everything needed to grade one submission."""

    code: str
    checks_source: str
    limits: Limits = field(default_factory=Limits)
    seed: int = 0
    # Run only the checks marked public: a learner's example run, which is not a graded attempt.
    public_only: bool = False


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str
    points: int
    public: bool
    duration_ms: float


@dataclass
class Report:
    verdict: str
    score: float
    message: str
    results: list[CheckResult]
    output: str = ""
    grading_ms: int = 0
    cpu_seconds: float | None = None
    max_rss_kb: int | None = None

    def results_as_dicts(self) -> list[dict]:
        return [asdict(result) for result in self.results]


def load_checks(checks_source: str) -> list[harness.CheckSpec]:
    """Execute a trusted ``checks.py`` source and return its checks."""
    module = types.ModuleType("exercise_checks")
    exec(compile(checks_source, "checks.py", "exec"), module.__dict__)  # noqa: S102 - trusted content
    checks = harness.collect(module.__dict__)
    if not checks:
        raise ValueError("checks.py defines no @check functions")
    return checks


def grade(job: Job, zygote: Zygote) -> Report:
    """Run every check of ``job`` against its code in one sandboxed process and build the report."""
    checks = load_checks(job.checks_source)
    if job.public_only:
        checks = [spec for spec in checks if spec.public]
    started = time.monotonic()
    results: list[CheckResult] = []
    with zygote.run(job.limits, job.seed) as run:
        verdict, message = _run_all(run, job, checks, results)
    outcome = run.outcome
    total = sum(spec.points for spec in checks)
    earned = sum(result.points for result in results if result.passed)
    info = outcome.exit_info
    return Report(
        verdict=verdict,
        score=round(earned / total, 6) if total else 0.0,
        message=message,
        results=results,
        output=outcome.output,
        grading_ms=int((time.monotonic() - started) * 1000),
        cpu_seconds=info.cpu_seconds if info else None,
        max_rss_kb=info.max_rss_kb if info else None,
    )


def _run_all(run, job: Job, checks: list[harness.CheckSpec], results: list[CheckResult]) -> tuple[str, str]:
    try:
        load = run.request({"op": "load", "source": job.code})
    except SandboxDied as died:
        _skip(checks, results, "Not run: your code did not finish loading.")
        return _death_verdict(died, job.limits, "while your code was being loaded")
    if not load["ok"]:
        error = harness.LearnerError("your code", load.get("error") or {})
        _skip(checks, results, "Not run: your code could not be loaded.")
        return _load_failure_verdict(error)
    learner = harness.Learner(run.request)
    unexpected_errors = []
    for index, spec in enumerate(checks):
        try:
            result, raised = _run_one(spec, learner)
        except SandboxDied as died:
            results.append(CheckResult(spec.name, False, _death_message(died, job.limits), spec.points, spec.public, 0))
            _skip(checks[index + 1 :], results, "Not run: an earlier check hit a limit.")
            return _death_verdict(died, job.limits, f"in the check '{spec.name}'")
        results.append(result)
        if raised is not None:
            unexpected_errors.append(raised)
    if all(result.passed for result in results):
        return "accepted", "All checks passed."
    failed = sum(not result.passed for result in results)
    if any(_is_out_of_memory(error) for error in unexpected_errors):
        return "memory_limit_exceeded", "Your code ran out of memory; see the checks for where."
    if unexpected_errors:
        first = unexpected_errors[0]
        return "runtime_error", f"{failed} of {len(results)} checks failed; {first}."
    return "wrong_answer", f"{failed} of {len(results)} checks failed."


def _run_one(spec: harness.CheckSpec, learner: harness.Learner) -> tuple[CheckResult, harness.LearnerError | None]:
    started = time.monotonic()
    raised = None
    try:
        spec.function(learner)
        passed, message = True, "Passed."
    except harness.CheckFailed as failure:
        passed, message = False, str(failure)
    except harness.LearnerError as error:
        passed, message, raised = False, f"{error}.", error
        if error.traceback:
            message += "\n" + error.traceback
    except SandboxDied:
        raise
    except Exception as exc:  # noqa: BLE001 - fail closed: a check that cannot decide is failed
        log.warning("check %r could not judge the answer: %r", spec.name, exc)
        passed, message = False, f"The answer could not be checked ({type(exc).__name__}: {exc})."
    duration_ms = round((time.monotonic() - started) * 1000, 2)
    return CheckResult(spec.name, passed, message, spec.points, spec.public, duration_ms), raised


def _skip(checks: list[harness.CheckSpec], results: list[CheckResult], message: str) -> None:
    results.extend(CheckResult(spec.name, False, message, spec.points, spec.public, 0) for spec in checks)


def _load_failure_verdict(error: harness.LearnerError) -> tuple[str, str]:
    detail = error.traceback or f"{error.type}: {error.message}"
    if error.type in _SYNTAX_ERRORS:
        return "syntax_error", f"Your code has a syntax error:\n{detail}"
    if _is_out_of_memory(error):
        return "memory_limit_exceeded", "Your code ran out of memory while loading."
    return "runtime_error", f"Your code raised an exception while loading:\n{detail}"


def _is_out_of_memory(error: harness.LearnerError) -> bool:
    # NumPy and Python raise MemoryError; PyTorch's allocator raises RuntimeError saying so.
    message = error.message.lower()
    return error.type == "MemoryError" or (error.type == "RuntimeError" and "can't allocate memory" in message)


def _death_message(died: SandboxDied, limits: Limits) -> str:
    _, template = _DEATH_VERDICTS[died.reason]
    return (
        template.format(
            wall=limits.wall_seconds, cpu=limits.cpu_seconds, output=limits.output_bytes, detail=died.detail
        )
        + "."
    )


def _death_verdict(died: SandboxDied, limits: Limits, where: str) -> tuple[str, str]:
    verdict, _ = _DEATH_VERDICTS[died.reason]
    return verdict, f"{_death_message(died, limits)[:-1]} {where}."
