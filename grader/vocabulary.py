"""The shared words of grading: verdicts, runtimes and default limits. No Django here.

Models, the runner, the sandbox, content sync, the API and the pages all import these, so a word is
defined once (as judge-server keeps every verdict in one ``Result``).
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """How a graded submission ended, in display order (best first)."""

    ACCEPTED = "accepted"
    WRONG_ANSWER = "wrong_answer"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT_EXCEEDED = "time_limit_exceeded"
    MEMORY_LIMIT_EXCEEDED = "memory_limit_exceeded"
    OUTPUT_LIMIT_EXCEEDED = "output_limit_exceeded"
    SYNTAX_ERROR = "syntax_error"
    RESTRICTED_CODE = "restricted_code"
    SYSTEM_ERROR = "system_error"

    @property
    def label(self) -> str:
        """What a learner reads."""
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    Verdict.ACCEPTED: "Accepted",
    Verdict.WRONG_ANSWER: "Wrong answer",
    Verdict.RUNTIME_ERROR: "Runtime error",
    Verdict.TIME_LIMIT_EXCEEDED: "Time limit exceeded",
    Verdict.MEMORY_LIMIT_EXCEEDED: "Memory limit exceeded",
    Verdict.OUTPUT_LIMIT_EXCEEDED: "Output limit exceeded",
    Verdict.SYNTAX_ERROR: "Syntax error",
    Verdict.RESTRICTED_CODE: "Restricted code",
    Verdict.SYSTEM_ERROR: "System error",
}


class Runtime(StrEnum):
    """What a sandbox zygote preloads. NumPy alone forks in about a millisecond; with PyTorch about five."""

    NUMPY = "numpy"
    TORCH = "torch"


RUNTIMES = tuple(runtime.value for runtime in Runtime)
