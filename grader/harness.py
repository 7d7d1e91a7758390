"""What an exercise's ``checks.py`` uses: the ``@check`` decorator, a proxy to the learner's code,
and assertions whose failure messages say what went in, what was expected, what came back and the
tolerance.

Checks run in the trusted worker. ``learner.some_function(...)`` crosses the sandbox boundary: the
arguments are encoded, the call runs in the learner's process, and the value that comes back was
rebuilt from bytes by :mod:`grader.protocol`, so it is a plain NumPy array or Python value, never an
object the learner made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.protocol import Handle, Seed

__all__ = [
    "CheckFailed",
    "Learner",
    "LearnerError",
    "Seed",
    "assert_array",
    "assert_close",
    "binomial_bounds",
    "check",
    "describe",
]


class CheckFailed(AssertionError):
    """A check found wrong behaviour; the message is shown to the learner."""


class LearnerError(Exception):
    """The learner's code raised an exception where the check did not expect one."""

    def __init__(self, function: str, error: dict) -> None:
        self.function = function
        self.type = str(error.get("type", "Exception"))
        self.message = str(error.get("message", ""))
        self.line = error.get("line")
        self.traceback = str(error.get("traceback", ""))
        where = f" (line {self.line} of your code)" if isinstance(self.line, int) else ""
        detail = f": {self.message}" if self.message else ""
        super().__init__(f"{function} raised {self.type}{detail}{where}")


@dataclass(frozen=True)
class CheckSpec:
    name: str
    points: int
    public: bool
    function: Callable[[Learner], None]


def check(name: str, *, points: int = 1, public: bool = False) -> Callable:
    """Mark a function ``f(learner)`` as a check; ``name`` is what the learner reads."""

    def mark(function: Callable[[Learner], None]) -> Callable[[Learner], None]:
        function.__check__ = CheckSpec(name=name, points=points, public=public, function=function)
        return function

    return mark


def collect(namespace: dict) -> list[CheckSpec]:
    """The checks defined in a checks module's namespace, in definition order."""
    return [value.__check__ for value in namespace.values() if isinstance(getattr(value, "__check__", None), CheckSpec)]


class Learner:
    """The learner's module, seen from the checker. Every call is a round trip to the sandbox."""

    def __init__(self, request: Callable[[dict], dict]) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the learner's function ``name`` and return what it returned."""
        return self._ask({"op": "call", "name": name, "args": list(args), "kwargs": kwargs}, name)

    def call_echo(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, list]:
        """Like :meth:`call`, but also return the arguments as they were after the call."""
        reply = self._ask({"op": "call", "name": name, "args": list(args), "kwargs": kwargs, "echo_args": True}, name)
        if not isinstance(reply, dict) or set(reply) != {"result", "args"}:
            raise CheckFailed(f"{name} answered in an unexpected form")
        return reply["result"], reply["args"]

    def support(self, source: str) -> None:
        """Load trusted support code into the learner's process (see ``grader.sandbox.child``)."""
        self._ask({"op": "support", "source": source}, "support code")

    def support_call(self, name: str, *args: Any, as_handle: bool = False, **kwargs: Any) -> Any:
        """Call a support function in the learner's process; ``as_handle`` keeps the result there."""
        message = {"op": "call", "support": True, "name": name, "args": list(args), "kwargs": kwargs}
        if as_handle:
            message["as_handle"] = True
            return RemoteObject(self, name, self._ask(message, name))
        return self._ask(message, name)

    def new(self, class_name: str, *args: Any, **kwargs: Any) -> RemoteObject:
        """Construct the learner's class ``class_name`` and return a handle to the instance."""
        message = {"op": "call", "name": class_name, "args": list(args), "kwargs": kwargs, "as_handle": True}
        handle = self._ask(message, class_name)
        if not isinstance(handle, Handle):
            raise CheckFailed(f"constructing {class_name} did not give an object")
        return RemoteObject(self, class_name, handle)

    def _ask(self, message: dict, what: str) -> Any:
        reply = self._request(message)
        if reply["ok"]:
            return reply.get("value")
        error = reply.get("error")
        raise LearnerError(what, error if isinstance(error, dict) else {})


class RemoteObject:
    """An object living in the learner's process: call its methods and read its attributes."""

    def __init__(self, learner: Learner, class_name: str, handle: Handle) -> None:
        self._learner = learner
        self._class_name = class_name
        self._handle = handle

    @property
    def handle(self) -> Handle:
        """Pass this as an argument to hand the object itself to a learner's function."""
        return self._handle

    def call(self, method: str, *args: Any, discard: bool = False, **kwargs: Any) -> Any:
        """Call a method; ``discard`` drops its result (e.g. ``module.train()``, which returns itself)."""
        message = {"op": "method", "handle": self._handle.ref, "name": method, "args": list(args), "kwargs": kwargs}
        if discard:
            message["discard"] = True
        return self._learner._ask(message, f"{self._class_name}.{method}")

    def get(self, attribute: str) -> Any:
        message = {"op": "getattr", "handle": self._handle.ref, "name": attribute}
        return self._learner._ask(message, f"{self._class_name}.{attribute}")


def describe(value: Any, limit: int = 300) -> str:
    """A short, readable rendering of a value for failure messages."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=6, threshold=20, edgeitems=3, linewidth=120):
            text = f"array(shape={value.shape}, dtype={value.dtype}) {np.array2string(value)}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def assert_array(value: Any, *, what: str, shape: tuple[int, ...] | None = None, kinds: str = "f") -> np.ndarray:
    """Check that ``value`` is an ndarray of one of the dtype ``kinds`` (and ``shape``); return it."""
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what}: expected a NumPy array, got {type(value).__name__}: {describe(value)}")
    if value.dtype.kind not in kinds:
        raise CheckFailed(f"{what}: expected a floating-point array, got dtype {value.dtype}")
    if shape is not None and value.shape != tuple(shape):
        raise CheckFailed(f"{what}: expected shape {tuple(shape)}, got shape {value.shape}")
    return value


def assert_close(actual: Any, expected: Any, *, what: str, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Check ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with a helpful message."""
    expected = np.asarray(expected, dtype=float)
    actual_array = assert_array(np.asarray(actual) if np.isscalar(actual) else actual, what=what, kinds="biuf")
    if actual_array.shape != expected.shape:
        raise CheckFailed(f"{what}: expected shape {expected.shape}, got shape {actual_array.shape}")
    actual_array = actual_array.astype(float)
    close = np.isclose(actual_array, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    raise CheckFailed(
        f"{what}: at index {index} expected {expected[index]!r}, got {actual_array[index]!r} "
        f"({int((~close).sum())} of {close.size} entries differ; tolerance atol={atol:g}, rtol={rtol:g}).\n"
        f"Expected {describe(expected)}\nGot      {describe(actual_array)}"
    )


def binomial_bounds(n: int, p: float, false_rejection: float = 1e-7) -> tuple[int, int]:
    """Two-sided acceptance interval for a Binomial(n, p) count.

    Uses the Chernoff-Hoeffding bound ``P(|X - np| >= t) <= 2 exp(-2 t^2 / n)``, so a correct
    sampler falls outside the interval with probability at most ``false_rejection``.
    """
    margin = math.sqrt(n * math.log(2 / false_rejection) / 2)
    return max(0, math.floor(n * p - margin)), min(n, math.ceil(n * p + margin))
