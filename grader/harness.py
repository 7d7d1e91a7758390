"""What an exercise's ``checks.py`` uses: the ``@check`` decorator, a proxy to the learner's code,
and assertions whose failure messages say what went in, what was expected, what came back and the
tolerance.

Checks run in the trusted worker. ``learner.some_function(...)`` crosses the sandbox boundary: the
arguments are encoded (arrays into memory shared with the learner's process), the call runs in the
learner's process, and the value that comes back was rebuilt from bytes by :mod:`grader.protocol`, so
it is a plain NumPy array or Python value, never an object the learner made.

The rules every check keeps (``docs/sandbox.md``): the learner's process answers with values, about
inputs it could not anticipate (``rng`` is seeded from a secret drawn for each grading), judged against
a trusted recomputation here. Nothing the learner's process reports about itself decides a verdict:
whether an input was changed in place is read from the shared memory by this side
(:meth:`Learner.call_and_read_args`); determinism and hidden state are tested across processes
(:meth:`Learner.fresh`).

A check may attach one picture to its result with :func:`figure`: plain JSON data (recomputed values,
and values the learner's process returned, shown beside them), which the web process draws on request.
A figure is feedback, never evidence: it is attached before the verdict is decided, so it comes with a
failed check too, and nothing in it is read back to decide anything.
"""

from __future__ import annotations

import contextvars
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.protocol import Handle, Region, Seed, Writable
from grader.sandbox.supervisor import SandboxDied

__all__ = [
    "CheckFailed",
    "Learner",
    "LearnerError",
    "Reply",
    "Seed",
    "Writable",
    "assert_array",
    "assert_close",
    "binomial_bounds",
    "check",
    "describe",
    "drawing",
    "exact_binomial_bounds",
    "figure",
    "fisher_exact_p",
    "neighbours",
]

log = logging.getLogger(__name__)


class CheckFailed(AssertionError):
    """A check found wrong behaviour; the message is shown to the learner."""


class LearnerError(Exception):
    """The learner's code raised an exception where the check did not expect one.

    ``type`` is the class's name as the learner's process reported it; ``kinds`` are the built-in
    exception classes it derives from, found there by identity with the real classes captured before
    the learner's code loaded. Test the kind with :meth:`is_a`, never the name.
    """

    def __init__(self, function: str, error: dict) -> None:
        self.function = function
        self.type = str(error.get("type", "Exception"))[:100]
        kinds = error.get("kinds")
        self.kinds = [str(kind) for kind in kinds[:64]] if isinstance(kinds, list) else []
        self.message = str(error.get("message", ""))[:1000]
        self.line = error.get("line") if type(error.get("line")) is int else None
        self.traceback = str(error.get("traceback", ""))[:4000]
        where = f" (line {self.line} of your code)" if self.line is not None else ""
        detail = f": {self.message}" if self.message else ""
        super().__init__(f"{function} raised {self.type}{detail}{where}")

    def is_a(self, builtin_name: str) -> bool:
        """True when the exception is (a subclass of) the built-in exception class ``builtin_name``."""
        return builtin_name in self.kinds


@dataclass(frozen=True)
class CheckSpec:
    name: str
    points: int
    public: bool
    function: Callable[[Learner, np.random.Generator], None]


def check(name: str, *, points: int = 1, public: bool = False) -> Callable:
    """Mark a function ``f(learner, rng)`` as a check; ``name`` is what the learner reads.

    ``rng`` draws the check's hidden cases: from a secret seed fresh for every grading, or, for a
    ``public`` check (an example learners may run), from a fixed seed, so examples never change.
    """

    def mark(function: Callable[[Learner, np.random.Generator], None]) -> Callable:
        function.__check__ = CheckSpec(name=name, points=points, public=public, function=function)
        return function

    return mark


def collect(namespace: dict) -> list[CheckSpec]:
    """The checks defined in a checks module's namespace, in definition order."""
    return [value.__check__ for value in namespace.values() if isinstance(getattr(value, "__check__", None), CheckSpec)]


class Process:
    """What the runner gives a :class:`Learner`: one sandboxed process with the code loaded.

    ``request(message, placed)`` sends one request; ``read(region)`` reads the shared memory;
    ``fresh(key, new)`` starts another process with the same code (and environment) loaded, or, with a ``key``,
    gives the grading's process of that key, started when first asked for (``new``: it must be).
    """

    request: Callable[[dict, list], dict]
    read: Callable[[Region], np.ndarray]
    fresh: Callable[[str | None, bool], Process]


class Learner:
    """The learner's module in one process, seen from the checker. Every call is a round trip."""

    def __init__(self, process: Process) -> None:
        self._process = process

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the learner's function ``name`` and return what it returned."""
        return self._ask({"op": "call", "name": name, "args": list(args), "kwargs": kwargs}, name)

    def map(self, name: str, calls: Iterable[tuple]) -> list[Reply]:
        """Call the learner's function ``name`` once per tuple of positional arguments, in one round trip: one
        :class:`Reply` per call, in order.

        The calls run one after another in this process exactly as separate calls would (each ``Seed`` a new
        generator, a handle the same object, whose state carries from one call to the next), except that a call
        that raises does not stop the ones after it: its reply raises when read. A call that returns a value that
        cannot be sent fails the whole batch: ``map`` itself raises :class:`LearnerError` (never catch it to mean
        that each call raised). A round trip costs about as much CPU as a small call itself, so checks that make
        many independent calls make them this way.

        The learner's process sees every call of a batch before it answers the first: never let a property be
        tested only by calls a submission could tell apart from the rest (alone in their batch, say).
        """
        calls = [list(args) for args in calls]
        reply = self._process.request({"op": "map", "name": name, "calls": calls}, [])
        if not reply["ok"]:
            # The batch as a whole failed (a value that cannot be sent): raised here, as a single call's failure
            # is, never handed to each reply, where one poisoned value would read as every call raising it.
            raise LearnerError(f"{name} (one of {len(calls)} calls)", _error_of(reply))
        # One [ok, value or error] list per call (grader.sandbox.child._Server.answer).
        answers = reply.get("value")
        if not (
            isinstance(answers, list)
            and len(answers) == len(calls)
            and all(type(answer) is list and len(answer) == 2 and type(answer[0]) is bool for answer in answers)
        ):
            raise CheckFailed(f"{len(calls)} calls of {name} did not get {len(calls)} well-formed answers")
        return [
            Reply(name, {"ok": True, "value": value} if ok else {"ok": False, "error": value}) for ok, value in answers
        ]

    def call_and_read_args(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, list]:
        """Call ``name``; also return the positional arguments as they are after the call.

        Every array argument lives in memory shared with the learner's process; this side reads it
        back itself, so an input modified in place is seen whatever that process claims. Arrays are mapped
        read-only there (a write raises) unless wrapped in ``Writable``, as a caller's own arrays are: code
        that writes only to writable arrays is seen only that way. Arguments that are not arrays come back as
        they were sent.
        """
        placed: list[Region | None] = []
        message = {"op": "call", "name": name, "args": list(args), "kwargs": kwargs}
        result = self._ask(message, name, placed)
        return result, self._after(args, iter(placed))

    def _after(self, value: Any, placed) -> Any:
        if isinstance(value, (np.ndarray, Writable)) or _is_tensor(value):
            region = next(placed)
            if region is None:
                raise AssertionError("an argument too large for the shared arena: make the check's input smaller")
            return self._process.read(region)
        if isinstance(value, (list, tuple)):
            return type(value)(self._after(item, placed) for item in value)
        if isinstance(value, dict):
            return {key: self._after(item, placed) for key, item in value.items()}
        return value

    def environment(self, name: str, *args: Any, as_handle: bool = False, **kwargs: Any) -> Any:
        """Call a function of the exercise's ``ENVIRONMENT`` (trusted code loaded before the learner's).

        ``as_handle`` keeps the result in the learner's process and returns a :class:`RemoteObject`.
        Environment code shares the process with the learner's code: use it to build inputs and to
        take measurements whose *values* are then checked here, never to decide a verdict.
        """
        message = {"op": "call", "environment": True, "name": name, "args": list(args), "kwargs": kwargs}
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

    def fresh(self, key: str | None = None, *, new: bool = False) -> Learner:
        """The same code loaded in a new sandboxed process, with differently seeded global generators.

        Use it to test determinism and hidden state across processes: a submission that memoises,
        counts calls or draws from a global generator cannot look the same in two fresh processes.

        With a ``key``, checks share one such process: the first check of the grading to ask for ``key`` gets it
        new, with nothing run in it, and each later one gets it as the checks before left it (checks run in the
        order they are defined). A process costs about 6 ms of CPU (its fork, confinement, first-touch page
        faults and exit), more than many checks; share one between checks that need *another* process, where
        at most the first of them needs it untouched, and says so with ``new=True``: asked for that way after
        another check, the process fails the check that asked (the exercise's validation then fails too).
        """
        return Learner(self._process.fresh(key, new))

    def _ask(self, message: dict, what: str, placed: list | None = None) -> Any:
        return Reply(what, self._process.request(message, placed if placed is not None else [])).value


def _error_of(answer: dict) -> dict:
    """The learner's error as a failed answer describes it (``{}`` when it describes none)."""
    return answer["error"] if isinstance(answer.get("error"), dict) else {}


@dataclass(frozen=True)
class Reply:
    """The answer to one call of :meth:`Learner.map`: ``value`` is what the call returned, or raises what a
    single call would have raised."""

    function: str
    answer: dict

    @property
    def value(self) -> Any:
        """What the call returned. Raises :class:`LearnerError` when it raised, and :class:`CheckFailed` when it
        tried to change an input array in place."""
        if self.answer["ok"]:
            return self.answer.get("value")
        error = LearnerError(self.function, _error_of(self.answer))
        if error.is_a("ValueError") and "read-only" in error.message:
            # Array arguments are mapped read-only in the learner's process: this is an input changed in place.
            where = f" (line {error.line} of your code)" if error.line is not None else ""
            raise CheckFailed(
                f"{self.function} tried to change one of its input arrays in place{where}: {error.message}. The "
                "arguments must not be modified (they are read-only here); work on a copy"
            )
        raise error

    def value_in(self, call: str) -> Any:
        """What the call returned; if it raised, the check fails saying which call of the batch (``call``, e.g.
        "call 3 of 80: f(x of shape (2, 3))") raised what. A MemoryError is raised on as it came, so that the
        runner reports the memory limit."""
        try:
            return self.value
        except LearnerError as error:
            if error.is_a("MemoryError"):
                raise
            raise CheckFailed(f"{call} raised {error.type}: {error.message}") from None


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

    def call_and_read_args(self, method: str, *args: Any, **kwargs: Any) -> tuple[Any, list]:
        """Like :meth:`Learner.call_and_read_args`, for a method."""
        placed: list[Region | None] = []
        message = {"op": "method", "handle": self._handle.ref, "name": method, "args": list(args), "kwargs": kwargs}
        result = self._learner._ask(message, f"{self._class_name}.{method}", placed)
        return result, self._learner._after(args, iter(placed))

    def get(self, attribute: str) -> Any:
        message = {"op": "getattr", "handle": self._handle.ref, "name": attribute}
        return self._learner._ask(message, f"{self._class_name}.{attribute}")


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def describe(value: Any, limit: int = 300) -> str:
    """A short, readable rendering of a value for failure messages."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=6, threshold=20, edgeitems=3, linewidth=120):
            text = f"array(shape={value.shape}, dtype={value.dtype}) {np.array2string(value)}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_KIND_NAMES = {"b": "boolean", "i": "signed integer", "u": "unsigned integer", "f": "floating-point", "c": "complex"}


def assert_array(
    value: Any, *, what: str, shape: tuple[int, ...] | None = None, kinds: str = "f", dtype: Any = None
) -> np.ndarray:
    """Check that ``value`` is an ndarray of one of the dtype ``kinds`` (or exactly ``dtype``) and ``shape``."""
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what}: expected a NumPy array, got {type(value).__name__}: {describe(value)}")
    if dtype is not None and value.dtype != np.dtype(dtype):
        raise CheckFailed(f"{what}: expected dtype {np.dtype(dtype)}, got dtype {value.dtype}")
    if value.dtype.kind not in kinds:
        wanted = " or ".join(_KIND_NAMES.get(kind, kind) for kind in kinds)
        raise CheckFailed(f"{what}: expected a {wanted} array, got dtype {value.dtype}")
    if shape is not None and value.shape != tuple(shape):
        raise CheckFailed(f"{what}: expected shape {tuple(shape)}, got shape {value.shape}")
    return value


def assert_close(
    actual: Any, expected: Any, *, what: str, rtol: float = 1e-7, atol: float = 1e-9, equal_nan: bool = False
) -> None:
    """Check ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with a helpful message.

    A NaN matches nothing unless ``equal_nan`` says the contract expects NaN exactly there.
    """
    expected = np.asarray(expected, dtype=float)
    actual_array = assert_array(np.asarray(actual) if np.isscalar(actual) else actual, what=what, kinds="biuf")
    if actual_array.shape != expected.shape:
        raise CheckFailed(f"{what}: expected shape {expected.shape}, got shape {actual_array.shape}")
    actual_array = actual_array.astype(float, copy=False)
    close = _close(actual_array, expected, rtol, atol, equal_nan)
    if close.all():
        return
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    tolerance = f"atol={_tolerance(atol, index, close.shape)}, rtol={_tolerance(rtol, index, close.shape)}"
    raise CheckFailed(
        f"{what}: at index {index} expected {expected[index]!r}, got {actual_array[index]!r} "
        f"({int((~close).sum())} of {close.size} entries differ; tolerance {tolerance}).\n"
        f"Expected {describe(expected)}\nGot      {describe(actual_array)}"
    )


def _tolerance(value: Any, index: tuple[int, ...], shape: tuple[int, ...]) -> str:
    """A tolerance as the message shows it: the failing entry's, when it is given per entry."""
    return f"{float(np.broadcast_to(np.asarray(value, dtype=float), shape)[index]):g}"


def _close(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float, equal_nan: bool) -> np.ndarray:
    # np.isclose's rule, written out: several times faster on large arrays. Equal values (infinities
    # included) are close; NaN is close only to NaN, and only with equal_nan. An exact comparison, the most
    # common, is the equality alone: a tenth of the rule's time on large arrays.
    if np.ndim(rtol) == 0 and np.ndim(atol) == 0 and rtol == 0 and atol == 0:
        close = actual == expected
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            close = np.abs(actual - expected) <= atol + rtol * np.abs(expected)
        close |= actual == expected
    if equal_nan:
        close |= np.isnan(actual) & np.isnan(expected)
    return close


def neighbours(array: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Every entry of ``array`` and its next neighbour along ``axis``, as two aligned views (for tests of
    independence between neighbours)."""
    before = (slice(None),) * axis
    return array[(*before, slice(None, -1))], array[(*before, slice(1, None))]


def exact_binomial_bounds(n: int, p: float, false_rejection: float) -> tuple[int, int]:
    """Two-sided acceptance interval for a Binomial(n, p) count from its exact quantiles: a correct sampler
    falls outside it with probability at most ``false_rejection``. Tight at rates near 0 or 1, where
    :func:`binomial_bounds` is not."""
    from scipy import stats  # only the checks that use it pay for the import

    return int(stats.binom.ppf(false_rejection / 2, n, p)), int(stats.binom.isf(false_rejection / 2, n, p))


def binomial_bounds(n: int, p: float, false_rejection: float = 1e-7) -> tuple[int, int]:
    """Two-sided acceptance interval for a Binomial(n, p) count.

    Uses the Chernoff-Hoeffding bound ``P(|X - np| >= t) <= 2 exp(-2 t^2 / n)``, so a correct
    sampler falls outside the interval with probability at most ``false_rejection``.
    """
    margin = math.sqrt(n * math.log(2 / false_rejection) / 2)
    return max(0, math.floor(n * p - margin)), min(n, math.ceil(n * p + margin))


def fisher_exact_p(table) -> float:
    """Two-sided p-value of Fisher's exact test on the 2x2 table ``[[a, b], [c, d]]``: with the margins fixed
    and rows and columns independent, the probability of every table no more likely than this one.

    Computed as R's ``fisher.test`` does: the whole support's probabilities at once from log-factorials,
    tables within a relative 1e-7 of the observed one's probability counted as equally likely. It agrees
    with ``scipy.stats.fisher_exact`` (tests/grader/test_harness.py compares them) at a small fraction of
    its time, which searches the support point by point. P-values below about 1e-300 read as 0.
    """
    from scipy.special import gammaln

    (a, b), (c, d) = ((int(value) for value in row) for row in table)
    first_row, first_column, total = a + b, a + c, a + b + c + d
    low = max(0, first_column - (c + d))
    k = np.arange(low, min(first_column, first_row) + 1, dtype=np.float64)
    # log P(k) up to a constant: 1 / (k! (first_row - k)! (first_column - k)! (total - first_row - first_column + k)!)
    log_p = -(gammaln(k + 1) + gammaln(first_row - k + 1) + gammaln(first_column - k + 1))
    log_p -= gammaln(total - first_row - first_column + k + 1)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    return min(1.0, float(p[p <= p[a - low] * (1 + 1e-7)].sum()))


# The kinds of figure the web process can draw (quizsite/learning/figure_kinds.py draws each).
FIGURE_KINDS = frozenset({"lines", "band", "histogram", "fold_grid", "images", "bars"})
# Bounds on one stored figure: it sits in every copy of the results, so a learner's huge or odd value
# must not bloat the database or the page.
MAX_FIGURE_NUMBERS = 5000
MAX_FIGURE_TEXT = 200
MAX_FIGURE_DESCRIPTION = 1000
# JSON has no NaN or infinity (PostgreSQL refuses them in jsonb): they are stored as these strings.
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class FigureSlot:
    """Where the figure of the check that is running is put (see :func:`figure_slot`)."""

    def __init__(self) -> None:
        self.figure: dict | None = None


_slot: contextvars.ContextVar[FigureSlot | None] = contextvars.ContextVar("figure_slot", default=None)


@contextmanager
def figure_slot() -> Iterator[FigureSlot]:
    """Collect the figure a check attaches while this block runs; the runner wraps each check in one."""
    slot = FigureSlot()
    token = _slot.set(slot)
    try:
        yield slot
    finally:
        _slot.reset(token)


@contextmanager
def drawing() -> Iterator[None]:
    """Build and attach a figure inside this block: an exception raised in it (``CheckFailed`` included:
    drawing never decides) is a bug of the checks, logged as an error, and the check goes on to its
    verdict as if nothing had been drawn."""
    try:
        yield
    except SandboxDied:
        raise  # the learner's process died (asked inside the block): the grading ends, as anywhere else
    except Exception:  # a figure must never change a verdict: the bug of the checks is logged loudly instead
        log.exception("a check failed to draw its figure; it goes on without one")


def figure(kind: str, data: dict, description: str) -> None:
    """Attach a figure of ``kind`` (see ``FIGURE_KINDS``) to the running check's result; a later call
    replaces it, so a check that compares several cases can redraw the figure after each one.

    ``data`` holds numbers, strings, lists, dicts and NumPy arrays; non-finite numbers are kept as the
    strings ``"nan"``, ``"inf"``, ``"-inf"``. ``description`` is the figure's text alternative. Call it
    before deciding the verdict, so a failed check shows its figure. It never raises: a figure that
    cannot be stored (an unknown kind, a value that is not plain data, more than ``MAX_FIGURE_NUMBERS``
    values, counting every number, string, null and list) is a bug of the checks, logged as an error and
    dropped, and the verdict is unchanged.
    """
    slot = _slot.get()
    if slot is None:
        return  # called outside a grading (a check run by hand): nothing collects figures
    try:
        if kind not in FIGURE_KINDS:
            raise ValueError(f"unknown figure kind {kind!r}")
        budget = [MAX_FIGURE_NUMBERS]
        plain = {"kind": kind, "data": _plain(data, budget), "description": _text(description, MAX_FIGURE_DESCRIPTION)}
    except Exception:  # a figure must never change a verdict: the bug of the checks is logged loudly instead
        log.exception("a check built a figure that cannot be stored; it is dropped")
        return
    slot.figure = plain


def _plain(value: Any, budget: list[int]) -> Any:
    """``value`` as JSON-safe data, counting every part (number, string, null, list, ...) against ``budget``
    (a one-item list): a list of a million nulls is as heavy to store and to draw as a million numbers."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"a figure may hold at most {MAX_FIGURE_NUMBERS} values")
    if isinstance(value, np.ndarray):
        if value.size > budget[0]:
            raise ValueError(f"a figure may hold at most {MAX_FIGURE_NUMBERS} values")
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return _text(value, MAX_FIGURE_TEXT)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, int):
            return value if abs(value) < 2**53 else float(value)
        return value if math.isfinite(value) else ("nan" if math.isnan(value) else "inf" if value > 0 else "-inf")
    if isinstance(value, (list, tuple)):
        return [_plain(item, budget) for item in value]
    if isinstance(value, dict):
        return {_text(str(key), MAX_FIGURE_TEXT): _plain(item, budget) for key, item in value.items()}
    raise TypeError(f"a figure holds plain data, not {type(value).__name__}")


def _text(value: str, limit: int) -> str:
    # PostgreSQL refuses NUL in text and JSON; anything else is escaped when drawn.
    return str(value).replace("\x00", "")[:limit]
