"""Grade one job: run the trusted checks against the learner's code in sandboxed processes.

No Django here. The verdict and the score are computed only on this side, from values rebuilt by
:mod:`grader.protocol`; nothing the learner's process says about itself is believed. Before anything
runs, the trusted static gate (:mod:`grader.gate`) reads the code: it refuses code that reaches into
the grader or the interpreter, and tells whether the code needs the PyTorch runtime.
"""

from __future__ import annotations

import functools
import logging
import secrets
import time
import types
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, fields

import numpy as np

from grader import gate, harness
from grader.protocol import Region
from grader.sandbox.limits import Limits
from grader.sandbox.supervisor import Run, SandboxDied, Zygote
from grader.vocabulary import Runtime, Verdict

log = logging.getLogger(__name__)

_SYNTAX_ERRORS = {"SyntaxError", "IndentationError", "TabError"}
_DEATH_VERDICTS = {
    "wall_time": (Verdict.TIME_LIMIT_EXCEEDED, "Your code ran longer than the {wall:g} s wall-clock limit"),
    "cpu_time": (Verdict.TIME_LIMIT_EXCEEDED, "Your code used more than the {cpu:g} s CPU-time limit"),
    "output": (Verdict.OUTPUT_LIMIT_EXCEEDED, "Your code printed more than {output} bytes"),
    "exited": (Verdict.RUNTIME_ERROR, "Your code ended its own process ({detail})"),
    "protocol": (Verdict.RUNTIME_ERROR, "Your code's process sent something that is not a valid answer ({detail})"),
}
# Fresh processes a grading may start (determinism and hidden-state checks); a bound on the wall clock.
MAX_PROCESSES_PER_GRADING = 8

ZygotePool = Callable[[str], Zygote]


@dataclass(frozen=True)
class Job:
    """Everything needed to grade one submission."""

    code: str
    checks_source: str
    limits: Limits = field(default_factory=Limits)
    # The secret that draws the hidden cases: fresh for every grading, never derived from the code.
    seed: int = field(default_factory=lambda: secrets.randbits(63))
    # Run only the checks marked public: a learner's example run, which is not a graded attempt.
    public_only: bool = False
    # The runtime the exercise needs; code that imports torch gets the PyTorch runtime anyway.
    runtime: str = Runtime.NUMPY
    # Modules the gate lets this exercise's code import.
    allowed_modules: frozenset[str] = frozenset()
    # The static gate is a second line; the attack suite turns it off to prove the checks hold alone.
    gate: bool = True


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str
    points: int
    public: bool
    duration_ms: float
    # What the check drew, as harness.figure stored it ({"kind", "data", "description"}); the web process
    # renders it on request (quizsite/learning/figures.py), so grading spends no time drawing.
    figure: dict | None = None


@dataclass
class Report:
    verdict: str
    score: float
    message: str
    results: list[CheckResult]
    output: str = ""
    grading_ms: int = 0
    # The secret that drew the hidden cases, kept for staff who need to reproduce a verdict.
    seed: int | None = None

    def results_as_dicts(self) -> list[dict]:
        """The results as the database stores them. Shallow: ``dataclasses.asdict`` would deep-copy every figure's
        values, about 1 ms a grading for nothing (the report is not used after it is stored)."""
        return [{item.name: getattr(result, item.name) for item in fields(result)} for result in self.results]


@functools.lru_cache(maxsize=64)
def load_checks(checks_source: str) -> tuple[tuple[harness.CheckSpec, ...], str | None]:
    """Execute a trusted ``checks.py`` source; return its checks and its ``ENVIRONMENT`` source, if any.

    Cached by source: a worker compiles each exercise's checks once, not on every grading.
    """
    module = types.ModuleType("exercise_checks")
    exec(compile(checks_source, "checks.py", "exec"), module.__dict__)  # noqa: S102 - trusted content
    checks = harness.collect(module.__dict__)
    if not checks:
        raise ValueError("checks.py defines no @check functions")
    environment = module.__dict__.get("ENVIRONMENT")
    if environment is not None and not isinstance(environment, str):
        raise ValueError("ENVIRONMENT in checks.py must be Python source in a string")
    return tuple(checks), environment


def runtime_for(job: Job, reading: gate.Reading) -> str:
    """The zygote a job needs: PyTorch when the exercise or the learner's code uses it."""
    return Runtime.TORCH if job.runtime == Runtime.TORCH or reading.uses_torch else Runtime.NUMPY


def grade(job: Job, zygotes: ZygotePool) -> Report:
    """Run every check of ``job`` against its code in sandboxed processes and build the report."""
    checks, environment = load_checks(job.checks_source)
    checks = [spec for spec in checks if spec.public or not job.public_only]
    started = time.monotonic()
    reading = gate.read(job.code, allowed_modules=job.allowed_modules)
    if reading.findings and job.gate:
        return _restricted(checks, reading.findings, started)
    results: list[CheckResult] = []
    with _Session(job, zygotes(runtime_for(job, reading)), environment) as session:
        verdict, message = _run_all(session, job, checks, results)
    total = sum(spec.points for spec in checks)
    earned = sum(result.points for result in results if result.passed)
    for result in results:
        result.message = storable(result.message)
    return Report(
        verdict=verdict,
        score=round(earned / total, 6) if total else 0.0,
        message=storable(message),
        results=results,
        output=storable(session.output(job.limits.output_bytes)),
        grading_ms=int((time.monotonic() - started) * 1000),
        seed=job.seed,
    )


def storable(text: str) -> str:
    """``text`` with NUL characters shown as ``\\x00``: PostgreSQL refuses them in text and JSON, and a
    learner's output or exception message may hold any character."""
    return text.replace("\x00", "\\x00")


def _restricted(checks: list[harness.CheckSpec], findings: list[gate.Finding], started: float) -> Report:
    listed = "\n".join(f"- {finding}" for finding in findings[:20])
    results: list[CheckResult] = []
    _skip(checks, results, "Not run: the code uses something exercises here do not allow.")
    return Report(
        verdict=Verdict.RESTRICTED_CODE,
        score=0.0,
        message=f"Your code was not run: it reaches into the grader or the interpreter.\n{listed}",
        results=results,
        grading_ms=int((time.monotonic() - started) * 1000),
    )


class LoadFailed(Exception):
    """The learner's code raised while loading (the reply's error is in ``error``)."""

    def __init__(self, error: harness.LearnerError) -> None:
        super().__init__(str(error))
        self.error = error


class _Session:
    """The sandboxed processes of one grading: the first one, and fresh ones the checks ask for."""

    def __init__(self, job: Job, zygote: Zygote, environment: str | None) -> None:
        self.job = job
        self.zygote = zygote
        self.environment = environment
        self.runs: list[Run] = []
        # The processes checks share by key (harness.Learner.fresh).
        self.shared: dict[str, _Process] = {}
        self.stack = ExitStack()
        # Names this grading to the zygote: none of its processes gets an arena another of them used (Zygote.run).
        self.token = object()

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stack.close()

    def open(self) -> _Process:
        """Start a process with the environment and the code loaded; raises LoadFailed or SandboxDied."""
        if len(self.runs) >= MAX_PROCESSES_PER_GRADING:
            raise AssertionError(f"a grading may start at most {MAX_PROCESSES_PER_GRADING} processes")
        run = self.stack.enter_context(self.zygote.run(self.job.limits, secrets.randbits(63), grading=self.token))
        self.runs.append(run)
        if self.environment is not None:
            reply = run.request({"op": "environment", "source": self.environment})
            if not reply["ok"]:
                # Trusted code that fails is the exercise's fault, never the learner's.
                raise RuntimeError(f"the exercise's environment failed to load: {reply.get('error')}")
        reply = run.request({"op": "load", "source": self.job.code})
        if not reply["ok"]:
            error = reply.get("error")
            raise LoadFailed(harness.LearnerError("your code", error if isinstance(error, dict) else {}))
        return _Process(self, run)

    def output(self, limit: int) -> str:
        """What the learner's code printed, in every process of the grading, up to ``limit`` bytes."""
        parts = [run.outcome.output for run in self.runs if run.outcome.output]
        return "".join(parts)[:limit]


class _Process(harness.Process):
    def __init__(self, session: _Session, run: Run) -> None:
        self.session = session
        self.run = run

    def request(self, message: dict, placed: list) -> dict:
        return self.run.request(message, placed)

    def read(self, region: Region) -> np.ndarray:
        return self.run.arena.read(region)

    def fresh(self, key: str | None = None, new: bool = False) -> _Process:
        shared = self.session.shared
        if key in shared:
            if new:
                raise AssertionError(f"the process {key!r} was asked for before: a check that needs it new asks first")
            return shared[key]
        try:
            process = self.session.open()
        except LoadFailed as failed:
            raise harness.LearnerError("your code, loaded in a fresh process,", _error_dict(failed.error)) from None
        if key is not None:
            shared[key] = process
        return process


def _error_dict(error: harness.LearnerError) -> dict:
    return {"type": error.type, "kinds": error.kinds, "message": error.message, "traceback": error.traceback}


def _run_all(session: _Session, job: Job, checks: list[harness.CheckSpec], results: list[CheckResult]):
    try:
        process = session.open()
    except SandboxDied as died:
        _skip(checks, results, "Not run: your code did not finish loading.")
        return _death_verdict(died, job.limits, "while your code was being loaded")
    except LoadFailed as failed:
        _skip(checks, results, "Not run: your code could not be loaded.")
        return _load_failure_verdict(failed.error)
    learner = harness.Learner(process)
    unexpected_errors = []
    for index, spec in enumerate(checks):
        try:
            result, raised = _run_one(spec, learner, _case_generator(job, spec))
        except SandboxDied as died:
            results.append(CheckResult(spec.name, False, _death_message(died, job.limits), spec.points, spec.public, 0))
            _skip(checks[index + 1 :], results, "Not run: an earlier check hit a limit.")
            return _death_verdict(died, job.limits, f"in the check '{spec.name}'")
        results.append(result)
        if raised is not None:
            unexpected_errors.append(raised)
    if all(result.passed for result in results):
        return Verdict.ACCEPTED, "All checks passed."
    failed = sum(not result.passed for result in results)
    if any(_is_out_of_memory(error) for error in unexpected_errors):
        return Verdict.MEMORY_LIMIT_EXCEEDED, "Your code ran out of memory; see the checks for where."
    if unexpected_errors:
        first = unexpected_errors[0]
        return Verdict.RUNTIME_ERROR, f"{failed} of {len(results)} checks failed; {first}."
    return Verdict.WRONG_ANSWER, f"{failed} of {len(results)} checks failed."


def _case_generator(job: Job, spec: harness.CheckSpec) -> np.random.Generator:
    """The check's source of hidden cases: fixed for public checks, from the secret seed otherwise.

    Each check gets its own stream, so a check's cases do not depend on which checks ran before it.
    """
    name_key = zlib.crc32(spec.name.encode())
    return np.random.default_rng([name_key] if spec.public else [job.seed, name_key])


def _run_one(
    spec: harness.CheckSpec, learner: harness.Learner, rng: np.random.Generator
) -> tuple[CheckResult, harness.LearnerError | None]:
    started = time.monotonic()
    # The figure is kept whatever the check then decides: it was attached before the verdict.
    with harness.figure_slot() as slot:
        passed, message, raised = _judge(spec, learner, rng)
    duration_ms = round((time.monotonic() - started) * 1000, 2)
    result = CheckResult(spec.name, passed, message, spec.points, spec.public, duration_ms, slot.figure)
    return result, raised


def _judge(
    spec: harness.CheckSpec, learner: harness.Learner, rng: np.random.Generator
) -> tuple[bool, str, harness.LearnerError | None]:
    raised = None
    try:
        spec.function(learner, rng)
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
    return passed, message, raised


def _skip(checks: list[harness.CheckSpec], results: list[CheckResult], message: str) -> None:
    results.extend(CheckResult(spec.name, False, message, spec.points, spec.public, 0) for spec in checks)


def _load_failure_verdict(error: harness.LearnerError) -> tuple[str, str]:
    detail = error.traceback or f"{error.type}: {error.message}"
    if error.type in _SYNTAX_ERRORS and any(kind in _SYNTAX_ERRORS for kind in error.kinds):
        return Verdict.SYNTAX_ERROR, f"Your code has a syntax error:\n{detail}"
    if _is_out_of_memory(error):
        return Verdict.MEMORY_LIMIT_EXCEEDED, "Your code ran out of memory while loading."
    return Verdict.RUNTIME_ERROR, f"Your code raised an exception while loading:\n{detail}"


def _is_out_of_memory(error: harness.LearnerError) -> bool:
    # NumPy and Python raise MemoryError; PyTorch's allocator raises RuntimeError saying so.
    message = error.message.lower()
    return error.is_a("MemoryError") or (error.is_a("RuntimeError") and "can't allocate memory" in message)


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
