"""Hidden checks for gradient checking: centred finite differences and CS231n's relative error.

The function ``f`` cannot cross the sandbox boundary, so the exercise's ``ENVIRONMENT`` (trusted code
loaded before the learner's) builds it in the learner's process from a specification drawn here, and the
checks pass it by handle. Nothing it could report is read back: the verdict rests on the gradients
``numerical_gradient`` returns, compared with centred differences this side computes itself, in float64,
with the same ``h``, by running the same ``ENVIRONMENT`` source on its own copy of the specification.

The functions. With ``z`` the concatenation of every array flattened (in C order, float64),
``f = fsum_i [a_i z_i^3 + b_i sin(w_i z_i + p_i) + e_i |z_i - t_i| + g_i max(z_i - s_i, 0) + c_i z_i z_pi(i)]``,
``pi`` a permutation that couples entries of the same and of different arrays. Every coefficient, the
arrays' shapes and values are drawn from ``rng`` (a secret seed fresh for every grading); the public
checks use the statement's fixed example. The terms are chosen so that a centred difference says how it
was made: cubic and sine terms give a curvature at which it differs measurably from the true derivative
(by about ``h^2 f''' / 6``) and from a forward difference (by about ``h f'' / 2``); kinks placed within
``h`` of an entry (or exactly on it) give fractional slopes no analytic derivative returns; products
between entries make an entry left perturbed change the next entries' differences.

Every case is screened before it is asked: each wrong way of computing the answer that the check aims
at is computed here (a forward difference, twice the difference, another step, the exact derivative
with either convention at a kink, Richardson's extrapolation, perturbations in float32, an entry left at
``x - h`` or ``x + h``), and the case is drawn again unless every one of them differs from the expected
value, at some entry, by more than ``SCREEN`` times the two rounding allowances together (the case's, and
the mistake's own where its step differs). The learner's version of such a mistake differs from this
side's by at most its allowance (the derivation below applies to it too), so it fails every time: no
check is statistical, and a correct solution can fail only by exceeding a rounding bound. A case is
accepted at the first or second draw almost always (1.2 draws on average for the strictest screen).

The tolerance, entry by entry (``eps = 2^-52``), bounds the differences between two correct float64
implementations:

- the perturbed value: ``x + h`` and ``x - h`` are each one rounding (``x - h`` may also be computed as
  ``(x + h) - 2h``, two), within ``eps (|x| + h)``; allowing twice that, ``delta = 2 eps (|x| + h)``, the
  difference moves by at most ``delta M / h``, with ``M`` a bound on ``|df/dx|`` over ``[x - 2h, x + 2h]``
  (a Lipschitz bound, valid across kinks);
- other entries restored by arithmetic (``x += h; x -= 2h; x += h``) may drift by ``delta``: that moves
  the difference by at most ``sum_k delta_k |d^2 f / dx dx_k|``, which only the products give (the other
  terms are separable);
- evaluating ``f``: both sides run the same code; elementwise arithmetic is correctly rounded and the
  final sum is ``math.fsum`` (exactly rounded, independent of order), so only ``sin`` may differ (a SIMD
  and a scalar path may disagree by up to 4 ulps): ``E = 4 eps sum|b| + eps max|f|`` per value, ``E / h``
  on the difference;
- the division: ``(fp - fm) / (2h)``, ``/ 2 / h`` or ``* (0.5 / h)``, at most ``4 eps |D|``.

Over 300 gradings, a correct implementation that steps by ``x += h; x -= 2h; x += h`` and multiplies by
``0.5 / h`` used at most 36% of this allowance (the reference: none, its values are bit for bit this
side's); the allowance is about ``1e-9`` for well-scaled entries with ``h = 1e-5``.

Whether the arrays were changed in place is read from the memory shared with the learner's process
after every call but those of ``many_calls`` (they are also mapped read-only there). ``relative_error`` must match
``max |a - b| / max(1e-8, |a| + |b|)`` to ``8 eps`` relative: a subtraction, an addition and a division,
each correctly rounded, so two correct implementations differ by a few ulps at most.
"""

import numpy as np

from grader.harness import CheckFailed, Writable, assert_array, check, describe

ENVIRONMENT = '''
import math

import numpy as np


def values(spec, points):
    """f at every row of ``points`` (shape (m, n), float64): the checks run this same code on their side."""
    z = points
    terms = spec["cubic"] * (z * z * z)
    terms = terms + spec["amplitude"] * np.sin(spec["frequency"] * z + spec["phase"])
    terms = terms + spec["fold"] * np.abs(z - spec["fold_at"])
    terms = terms + spec["hinge"] * np.maximum(z - spec["hinge_at"], 0.0)
    terms = terms + spec["couple"] * (z * z[:, spec["partner"]])
    return [math.fsum(row) for row in terms.tolist()]


def make_function(spec):
    """The scalar function f(*arrays) the learner differentiates."""
    shapes = [tuple(int(n) for n in shape) for shape in spec["shapes"]]

    def f(*arrays):
        got = [np.shape(array) for array in arrays]
        if got != shapes:
            raise ValueError(f"f takes {len(shapes)} arrays of shapes {shapes}, got shapes {got}")
        z = np.concatenate([np.asarray(array, dtype=np.float64).reshape(-1) for array in arrays])
        return values(spec, z.reshape(1, -1))[0]

    return f


def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T is.
    return x.T
'''

_TRUSTED: dict = {}
exec(compile(ENVIRONMENT, "environment.py", "exec"), _TRUSTED)
_values = _TRUSTED["values"]

EPS = float(np.finfo(np.float64).eps)
DEFAULT_H = 1e-5
SCREEN = 4.0  # a screened mistake is off by more than this many times the two rounding allowances together
RELATIVE_RTOL = 8 * EPS
TINY = 1e-8


# The functions and the trusted differences


def _spec(rng, n, *, frequency=(2.0, 25.0), couple=(0.2, 1.0), cubic=1.0):
    """Coefficients of a smooth function of ``n`` entries (no kinks yet)."""
    signs = rng.choice([-1.0, 1.0], size=(3, n))
    return {
        "cubic": rng.uniform(-cubic, cubic, n) * (rng.random(n) < 0.8),
        "amplitude": signs[0] * rng.uniform(0.2, 1.0, n),
        "frequency": rng.uniform(*frequency, n),
        "phase": rng.uniform(0.0, 2 * np.pi, n),
        "fold": np.zeros(n),
        "fold_at": np.zeros(n),
        "hinge": np.zeros(n),
        "hinge_at": np.zeros(n),
        "couple": signs[1] * rng.uniform(*couple, n),
        "partner": rng.permutation(n),
    }


def _perturbed(rows, h, dtype):
    """Every coordinate j perturbed by +h (first n rows) and -h (last n) from row j of ``rows``, computed in
    ``dtype`` as a copy of that dtype would be."""
    n = rows.shape[0]
    rows = rows.astype(dtype)
    step = dtype(h)
    diagonal = np.arange(n)
    plus, minus = rows.copy(), rows.copy()
    plus[diagonal, diagonal] = rows[diagonal, diagonal] + step
    minus[diagonal, diagonal] = rows[diagonal, diagonal] - step
    return np.concatenate([plus, minus]).astype(np.float64)


def _centred(spec, z, h, *, rows=None, dtype=np.float64):
    """Centred differences at ``z`` (or from each coordinate's own row of ``rows``) and the values of f."""
    n = z.size
    if n == 0:
        return np.zeros(0), np.zeros(0)
    points = _perturbed(np.tile(z, (n, 1)) if rows is None else rows, h, dtype)
    values = np.array(_values(spec, points))
    return (values[:n] - values[n:]) / (2 * h), values


def _exact(spec, z, kink):
    """The true derivative; at a kink, ``kink`` (0 or 1) is the slope of |.| and of max(., 0) taken there."""
    inverse = np.argsort(spec["partner"])
    at_fold, at_hinge = z - spec["fold_at"], z - spec["hinge_at"]
    fold = np.where(at_fold == 0, kink, np.sign(at_fold))
    hinge = np.where(at_hinge == 0, kink, (at_hinge > 0).astype(float))
    return (
        3 * spec["cubic"] * z * z
        + spec["amplitude"] * spec["frequency"] * np.cos(spec["frequency"] * z + spec["phase"])
        + spec["fold"] * fold
        + spec["hinge"] * hinge
        + spec["couple"] * z[spec["partner"]]
        + spec["couple"][inverse] * z[inverse]
    )


def _tolerance(spec, z, h, expected, values):
    """The rounding allowance of the module docstring, entry by entry."""
    partner, inverse = spec["partner"], np.argsort(spec["partner"])
    couple, reach = np.abs(spec["couple"]), np.abs(z) + 2 * h
    slope = (
        3 * np.abs(spec["cubic"]) * reach**2
        + np.abs(spec["amplitude"] * spec["frequency"])
        + np.abs(spec["fold"])
        + np.abs(spec["hinge"])
        + couple * reach[partner]
        + couple[inverse] * reach[inverse]
    )
    delta = 2 * EPS * (np.abs(z) + h)
    drift = couple * delta[partner] + couple[inverse] * delta[inverse]
    evaluation = 4 * EPS * float(np.abs(spec["amplitude"]).sum()) + EPS * float(np.abs(values).max(initial=0.0))
    return evaluation / h + delta * slope / h + drift + 4 * EPS * np.abs(expected)


# The mistakes a case is screened against: name -> (description, computation)


def _left_at(shift):
    def variant(case):
        n = case.z.size
        earlier = np.tril(np.ones((n, n), dtype=bool), k=-1)  # row j: the coordinates perturbed before j
        rows = np.where(earlier, case.z + shift * case.h, case.z)
        return _centred(case.spec, case.z, case.h, rows=rows)[0]

    return variant


def _forward(case):
    base = _values(case.spec, case.z.reshape(1, -1))[0]
    return (case.values[: case.z.size] - base) / case.h


def _step_of(h):
    """The centred difference with step ``h`` instead, and its own rounding allowance."""

    def variant(case):
        expected, values = _centred(case.spec, case.z, h)
        return expected, _tolerance(case.spec, case.z, h, expected, values)

    return variant


def _richardson(case):
    half = _centred(case.spec, case.z, case.h / 2)[0]
    return (4 * half - case.expected) / 3


# Each computes the mistake's values, or (values, their own rounding allowance) when its step differs.
MISTAKES = {
    "forward": ("the forward difference (f(x + h) - f(x)) / h", _forward),
    "twice": ("(f(x + h) - f(x - h)) / h, twice the centred difference", lambda case: 2 * case.expected),
    "float32": (
        "the centred difference with the perturbed copies in float32",
        lambda case: _centred(case.spec, case.z, case.h, dtype=np.float32)[0],
    ),
    "exact_0": ("the exact derivative (slope 0 on a kink)", lambda case: _exact(case.spec, case.z, 0.0)),
    "exact_1": ("the exact derivative (slope 1 on a kink)", lambda case: _exact(case.spec, case.z, 1.0)),
    "left_below": ("the centred difference with each entry left at x - h afterwards", _left_at(-1.0)),
    "left_above": ("the centred difference with each entry left at x + h afterwards", _left_at(1.0)),
    "step_1e-5": ("the centred difference with h = 1e-5 instead", _step_of(1e-5)),
    "step_1e-4": ("the centred difference with h = 1e-4 instead", _step_of(1e-4)),
    "step_1e-6": ("the centred difference with h = 1e-6 instead", _step_of(1e-6)),
    "richardson": ("Richardson's extrapolation (4 D(h/2) - D(h)) / 3", _richardson),
}


class Case:
    """One call: a function, its arrays and ``h``; the expected gradients, their tolerance and the
    mistakes computed for the screen and for the failure message."""

    def __init__(self, spec, arrays, h, description, pass_h=True):
        self.spec, self.arrays, self.h, self.pass_h = spec, arrays, float(h), pass_h
        self.spec["shapes"] = [list(array.shape) for array in arrays]
        self.description = description
        self.z = np.concatenate([array.astype(np.float64).reshape(-1) for array in arrays])
        self.expected, self.values = _centred(spec, self.z, self.h)
        self.tolerance = _tolerance(spec, self.z, self.h, self.expected, self.values)
        self.mistakes = {}

    def mistake(self, name):
        """The values mistake ``name`` gives here, and their rounding allowance."""
        if name not in self.mistakes:
            found = MISTAKES[name][1](self)
            self.mistakes[name] = found if isinstance(found, tuple) else (found, self.tolerance)
        return self.mistakes[name]

    def catches(self, names):
        """True when every mistake in ``names`` is off by more than SCREEN times both allowances together
        at some entry, so that the learner's version of it, within its own allowance, always fails."""
        for name in names:
            values, allowance = self.mistake(name)
            with np.errstate(invalid="ignore"):
                if not (np.abs(values - self.expected) > SCREEN * (self.tolerance + allowance)).any():
                    return False
        return True

    def call(self):
        step = f", h={self.h:g}" if self.pass_h else " (default h)"
        return f"numerical_gradient(f, arrays{step}) with {self.description}"


def _screened(rng, build, names, tries=200):
    """``build(rng)`` until its case catches every mistake in ``names``."""
    for _ in range(tries):
        case = build(rng)
        if case.catches(names):
            return case
    raise AssertionError(f"no case catching {names} in {tries} draws")  # a bug of the checks


def _shapes_text(arrays):
    return ", ".join(f"{array.shape} {array.dtype}" for array in arrays)


def _random_shapes(rng, count, max_size, min_total=2):
    """``count`` shapes of 1 to 3 dimensions, each of at most ``max_size`` entries, ``min_total`` in all."""
    while True:
        shapes = []
        for _ in range(count):
            shape = [int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 4)))]
            while int(np.prod(shape)) > max_size:
                shape[int(np.argmax(shape))] -= 1
            shapes.append(tuple(shape))
        if sum(int(np.prod(shape)) for shape in shapes) >= min_total:
            return shapes


def _arrays(rng, shapes, dtype=np.float64):
    return [np.asarray(rng.normal(0.0, 1.0, size=shape), dtype=dtype) for shape in shapes]


def _log_uniform(rng, low, high):
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _smooth_case(rng, shapes, h, pass_h=True, *, dtype=np.float64, what="smooth", **spec_options):
    arrays = _arrays(rng, shapes, dtype)
    spec = _spec(rng, sum(array.size for array in arrays), **spec_options)
    description = (
        f"a {what} f (cubic, sine and product terms) of arrays of shapes {_shapes_text(arrays)}, drawn N(0, 1)"
    )
    return Case(spec, arrays, h, description, pass_h)


# Asking and judging


def _ask(learner, case, writable=False):
    """Ask for ``case``'s gradients; ``writable`` passes the arrays writable, as a caller's own arrays are, so
    perturbing them in place is seen too (unless every entry is put back exactly)."""
    function = learner.environment("make_function", case.spec, as_handle=True)
    arrays = [Writable(array) for array in case.arrays] if writable else case.arrays
    args = (function.handle, arrays, case.h) if case.pass_h else (function.handle, arrays)
    result, after = learner.call_and_read_args("numerical_gradient", *args)
    _unchanged(case, after[1])
    _judge(case, result)


def _unchanged(case, after):
    for index, (before, now) in enumerate(zip(case.arrays, after, strict=True)):
        if not np.array_equal(before, now):
            raise CheckFailed(
                f"{case.call()}: arrays[{index}] changed during the call: it was {describe(before)}, it is now "
                f"{describe(now)}. Perturb copies and leave the caller's arrays as they were"
            )


def _judge(case, result):
    what = case.call()
    if not isinstance(result, (list, tuple)):
        raise CheckFailed(f"{what}: expected a list of arrays, got {type(result).__name__}: {describe(result)}")
    if len(result) != len(case.arrays):
        raise CheckFailed(f"{what}: expected one gradient per array ({len(case.arrays)}), got {len(result)}")
    offset = 0
    for index, (array, gradient) in enumerate(zip(case.arrays, result, strict=True)):
        name = f"{what}: gradient of arrays[{index}]"
        assert_array(gradient, what=name, shape=array.shape, dtype=np.float64)
        entries = slice(offset, offset + array.size)
        offset += array.size
        actual = gradient.reshape(-1)
        with np.errstate(invalid="ignore"):
            wrong = ~(np.abs(actual - case.expected[entries]) <= case.tolerance[entries])
        if wrong.any():
            flat = int(np.argmax(wrong))
            raise CheckFailed(_failure(case, name, array, flat, entries.start + flat, float(actual[flat]), wrong))


def _failure(case, name, array, flat, coordinate, actual, wrong):
    entry = tuple(int(i) for i in np.unravel_index(flat, array.shape)) if array.ndim else ()
    expected, tolerance = float(case.expected[coordinate]), float(case.tolerance[coordinate])
    exact = float(_exact(case.spec, case.z, 0.0)[coordinate])
    message = (
        f"{name} at index {entry} (the entry was {float(case.z[coordinate])!r}): expected the centred difference "
        f"(f(x + h) - f(x - h)) / (2h) = {expected!r}, computed here in float64, got {actual!r} (tolerance "
        f"{tolerance:.3g}, a rounding allowance; {int(wrong.sum())} of {wrong.size} entries of this array are off). "
        f"For comparison, the exact derivative there is {exact!r}."
    )
    match = _matching(case, coordinate, actual)
    return message + (f" Your value matches {match}." if match else "")


def _matching(case, coordinate, actual):
    """The first known mistake that gives the learner's value at ``coordinate``, if any."""
    for name, (description, _) in MISTAKES.items():
        values, allowance = case.mistake(name)
        if (
            abs(values[coordinate] - actual)
            <= allowance[coordinate]
            < abs(values[coordinate] - case.expected[coordinate])
        ):
            return description
    return None


# Public checks


def _example_case(h, pass_h=True):
    """The statement's f(x, y) = sum(x^3) + sum(|y|) + x[0] y[0, 0] at x = [1, -2], y = [[0.5, 0]]."""
    spec = {
        "cubic": np.array([1.0, 1.0, 0.0, 0.0]),
        "amplitude": np.zeros(4),
        "frequency": np.zeros(4),
        "phase": np.zeros(4),
        "fold": np.array([0.0, 0.0, 1.0, 1.0]),
        "fold_at": np.zeros(4),
        "hinge": np.zeros(4),
        "hinge_at": np.zeros(4),
        "couple": np.array([1.0, 0.0, 0.0, 0.0]),
        "partner": np.array([2, 1, 0, 3]),
    }
    arrays = [np.array([1.0, -2.0]), np.array([[0.5, 0.0]])]
    description = "the worked example: f(x, y) = sum(x**3) + sum(abs(y)) + x[0] * y[0, 0], x = [1, -2], y = [[0.5, 0]]"
    return Case(spec, arrays, h, description, pass_h)


@check("The worked example: centred differences of x^3, |y| and a product", points=1, public=True)
def worked_example(learner, rng):
    _ask(learner, _example_case(1e-3))
    _ask(learner, _example_case(DEFAULT_H, pass_h=False))


@check("The worked example's relative errors", points=1, public=True)
def relative_error_example(learner, rng):
    numerical = _example_case(1e-3).expected[:2]
    _ask_relative(
        learner, numerical, np.array([3.5, 12.0]), "the worked example's gradient of x against 3x^2 + y[0, 0]"
    )
    _ask_relative(learner, np.array([0.0, 3e-9]), np.array([0.0, -1e-9]), "two tiny entries (denominator 1e-8)")


# Hidden checks: numerical_gradient


def _step(rng, low, high):
    """``(h, pass_h)``: the default (not passed) when ``low`` is None, else h drawn log-uniformly."""
    return (DEFAULT_H, False) if low is None else (_log_uniform(rng, low, high), True)


@check("Sixty to a hundred calls of each function in a row, one array a view not in C order", points=1)
def many_calls(learner, rng):
    """numerical_gradient: three functions built in the learner's process (of a 0-d and a 1-d array, of one
    2 by 2 array, and of a 3-d and an empty array; at most 4 entries each), then 60 to 100 calls in one
    round trip, each with one of them, new values (float32 one time in five), the default h or one from
    1e-6 to 1e-2, the arrays of about half of them writable, and one 2-d array (in a call at a random place)
    a transposed view; each case is screened against a forward and a doubled difference. relative_error:
    60 to 100 calls in one round trip, on pairs of small arrays (0-d to 2-d) at many scales, near-equal,
    of opposite signs or below 1e-8. The first hidden check: every later check's calls come after these, so
    behaviour that changes after some number of calls (up to 60 or more of each function) meets judged calls
    too."""
    families = [
        [(), (int(rng.integers(1, 3)),)],
        [(2, 2)],
        [(int(rng.integers(1, 3)), 1, 1), (int(rng.integers(0, 3)), 0)],
    ]
    specs = [_smooth_case(rng, shapes, DEFAULT_H).spec for shapes in families]
    functions = [learner.environment("make_function", spec, as_handle=True).handle for spec in specs]
    count = int(rng.integers(60, 101))
    viewed = int(rng.integers(count))
    cases, calls = [], []
    for index, writable in enumerate(rng.random(count) < 0.5):
        # Every f evaluation is a cost of the learner's process: the 2-d function, of the most entries, is rare.
        family = 1 if index == viewed else int(rng.choice(3, p=(0.45, 0.1, 0.45)))
        dtype = np.float32 if rng.random() < 0.2 else np.float64
        h, pass_h = _step(rng, *((None, None) if rng.random() < 0.4 else (1e-6, 1e-2)))

        # Each function keeps its coefficients; the values of its arrays change from call to call.
        def build(rng, family=family, dtype=dtype, h=h, pass_h=pass_h):
            arrays = _arrays(rng, families[family], dtype)
            description = f"f number {family} (cubic, sine and product terms) of arrays {_shapes_text(arrays)}"
            return Case(specs[family], arrays, h, description, pass_h)

        case = _screened(rng, build, ("forward", "twice"))
        arrays = [Writable(array) for array in case.arrays] if writable else list(case.arrays)
        if index == viewed:
            view = learner.environment("transposed", np.ascontiguousarray(case.arrays[0].T), as_handle=True)
            arrays[0] = view.handle
        cases.append(case)
        calls.append((functions[family], arrays, h) if pass_h else (functions[family], arrays))
    replies = learner.map("numerical_gradient", calls)
    for index, (case, reply) in enumerate(zip(cases, replies, strict=True)):
        layout = ", arrays[0] a transposed view" if index == viewed else ""
        case.description = f"{case.description} (call {index + 1} of {count} in a row{layout})"
        _judge(case, reply.value_in(case.call()))
    count = int(rng.integers(60, 101))
    pairs = []
    for _ in range(count):
        shape = tuple(int(n) for n in rng.integers(1, 4, size=int(rng.integers(0, 3))))
        a = rng.normal(0.0, 1.0, shape) * 10.0 ** rng.uniform(-10, 3, shape)
        kind = int(rng.integers(3))  # near-equal, of opposite signs, or with relative differences up to 1e-2
        if kind == 1:
            b = -a * rng.uniform(0.2, 5.0, shape)
        else:
            b = a * (1 + rng.normal(0.0, 1.0, shape) * 10.0 ** rng.uniform(-13 if kind == 0 else -8, -2, shape))
        pairs.append((a, b))
    replies = learner.map("relative_error", pairs)
    for index, ((a, b), reply) in enumerate(zip(pairs, replies, strict=True)):
        what = f"call {index + 1} of {count} in a row: relative_error(a, b)"
        try:
            _judge_relative(what, reply.value_in(what), a, b)
        except CheckFailed as failure:
            # The arrays are described only when something failed: describing them is slow.
            raise CheckFailed(f"{failure} (a = {describe(a)}, b = {describe(b)})") from None


@check("New smooth functions of several arrays, with the default h = 1e-5", points=3)
def smooth_default_step(learner, rng):
    screen = ("forward", "twice", "float32", "step_1e-4", "step_1e-6", "left_below")
    same = _random_shapes(rng, int(rng.integers(2, 5)), 12)
    # The same shapes twice, with new values and a new f: an answer remembered by shape fails.
    all_shapes = (same, same, _random_shapes(rng, 1, 16, min_total=4), _random_shapes(rng, int(rng.integers(2, 5)), 16))
    # At least two calls pass writable arrays and one read-only, in random order: with h = 1e-5, restoring an
    # entry by arithmetic (x += h; x -= 2h; x += h) leaves it changed about 3 times in 4.
    writables = rng.permutation([True, True, False, bool(rng.random() < 0.5)])
    for shapes, writable in zip(all_shapes, writables, strict=True):
        build = lambda rng, shapes=shapes: _smooth_case(rng, shapes, DEFAULT_H, pass_h=False)  # noqa: E731
        _ask(learner, _screened(rng, build, screen), writable=bool(writable))


@check("The h you pass, from 1e-6 to 1e-2: curvature, where the centred difference is not the derivative", points=2)
def given_steps(learner, rng):
    exact = ("forward", "twice", "step_1e-5", "exact_0", "exact_1")
    for low, high, screen in (
        (1e-3, 1e-2, exact),
        (5e-5, 1e-3, exact),
        (1e-6, 2e-6, ("forward", "twice", "step_1e-5")),
    ):
        shapes = _random_shapes(rng, int(rng.integers(1, 4)), 12)

        def build(rng, shapes=shapes, low=low, high=high):
            return _smooth_case(rng, shapes, _log_uniform(rng, low, high), what="curved")

        _ask(learner, _screened(rng, build, screen))


def _kinked_case(rng, shapes, h, pass_h):
    arrays = _arrays(rng, shapes)
    z = np.concatenate([array.reshape(-1) for array in arrays])
    spec, n = _spec(rng, z.size, frequency=(0.5, 3.0)), z.size
    for weight, at in (("fold", "fold_at"), ("hinge", "hinge_at")):
        chosen = rng.choice(n, size=max(2, n // 3), replace=False)
        offsets = rng.choice([-1.0, 1.0], size=chosen.size) * rng.uniform(0.05, 0.95, size=chosen.size)
        if weight == "hinge":
            offsets[0] = 0.0  # one entry exactly on its kink
        spec[weight][chosen] = rng.choice([-1.0, 1.0], size=chosen.size) * rng.uniform(0.5, 2.0, size=chosen.size)
        spec[at][chosen] = z[chosen] + offsets * h
    description = (
        f"a kinked f (|z - t| and max(z - s, 0) terms with some entries within h of their kink, one exactly on "
        f"a kink of max; cubic, sine and product terms) of arrays of shapes {_shapes_text(arrays)}, drawn N(0, 1)"
    )
    return Case(spec, arrays, h, description, pass_h)


@check("Kinks (|x| and ReLU) within h of an entry give the centred difference, not a derivative", points=2)
def kinks(learner, rng):
    screen = ("forward", "twice", "exact_0", "exact_1", "richardson")
    for low, high in ((None, None), (1e-6, 1e-2)):
        shapes = _random_shapes(rng, int(rng.integers(1, 4)), 12)
        build = lambda rng, s=shapes, low=low, high=high: _kinked_case(rng, s, *_step(rng, low, high))  # noqa: E731
        _ask(learner, _screened(rng, build, screen))


@check("Each entry is put back before the next one is perturbed", points=2)
def entries_restored(learner, rng):
    screen = ("forward", "twice", "left_below", "left_above")
    # One call with writable arrays, one with read-only ones, in random order.
    for (low, high), writable in zip(((None, None), (1e-5, 1e-2)), rng.permutation([True, False]), strict=True):
        shapes = _random_shapes(rng, int(rng.integers(2, 4)), 12)

        def build(rng, shapes=shapes, low=low, high=high):
            h, pass_h = _step(rng, low, high)
            options = {"couple": (0.5, 1.5), "frequency": (0.5, 3.0)}
            return _smooth_case(rng, shapes, h, pass_h=pass_h, what="strongly coupled", **options)

        _ask(learner, _screened(rng, build, screen), writable=bool(writable))


@check("float32 arrays: the differences are still taken in float64", points=1)
def float32_arrays(learner, rng):
    screen = ("forward", "twice", "float32")
    for (low, high), writable in zip(((None, None), (1e-5, 1e-3)), rng.permutation([True, False]), strict=True):
        shapes = _random_shapes(rng, int(rng.integers(1, 4)), 12)
        build = lambda rng, s=shapes, low=low, high=high: _smooth_case(  # noqa: E731
            rng, s, *_step(rng, low, high), dtype=np.float32
        )
        _ask(learner, _screened(rng, build, screen), writable=bool(writable))


@check("Edge shapes: 0-d arrays, one entry, 3-D arrays, empty arrays, many arrays, a larger array", points=2)
def edge_shapes(learner, rng):
    def size(low, high):
        return int(rng.integers(low, high + 1))

    cases = (
        ([()], ("forward", "twice")),
        ([(1,)], ("forward", "twice")),
        ([(), (size(2, 3), size(2, 3), size(2, 3))], ("forward", "twice")),
        ([(size(2, 4),), (0,), (size(1, 3), 0)], ("forward", "twice")),
        ([(size(1, 3),) for _ in range(6)], ("forward", "twice", "left_below")),
        ([(size(8, 9), size(9, 11))], ("forward", "twice", "float32", "left_below")),
    )
    for shapes, screen in cases:
        low, high = (None, None) if rng.random() < 0.5 else (1e-5, 1e-3)
        build = lambda rng, s=shapes, low=low, high=high: _smooth_case(rng, s, *_step(rng, low, high))  # noqa: E731
        _ask(learner, _screened(rng, build, screen))


# relative_error


def _relative(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(TINY, np.abs(a) + np.abs(b))))


def _ask_relative(learner, a, b, description):
    what = f"relative_error(a, b) with {description}: a = {describe(a)}, b = {describe(b)}"
    result, after = learner.call_and_read_args("relative_error", a, b)
    for name, before, now in (("a", a, after[0]), ("b", b, after[1])):
        if not np.array_equal(before, now):
            raise CheckFailed(f"{what}: {name} changed during the call; it is now {describe(now)}")
    _judge_relative(what, result, a, b)


def _judge_relative(what, result, a, b):
    if isinstance(result, np.ndarray) and result.ndim == 0:
        result = result[()]
    if isinstance(result, (bool, np.bool_)) or not isinstance(result, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"{what}: expected a float, got {type(result).__name__}: {describe(result)}")
    expected, actual = _relative(a, b), float(result)
    if not abs(actual - expected) <= RELATIVE_RTOL * expected:
        raise CheckFailed(
            f"{what}: expected max |a - b| / max(1e-8, |a| + |b|) = {expected!r}, got {actual!r} (relative tolerance "
            f"{RELATIVE_RTOL:.2g})"
        )


def _relative_variants(a, b):
    """What common other definitions give, each of which some call below must tell apart."""
    difference, total = np.abs(a - b), np.abs(a) + np.abs(b)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    return {
        "max(|a|, |b|) below": np.max(difference / np.maximum(TINY, np.maximum(np.abs(a), np.abs(b)))),
        "1e-8 added below": np.max(difference / (total + TINY)),
        "a smaller floor": np.max(difference / np.maximum(1e-12, total)),
        "the mean over entries": np.mean(difference / np.maximum(TINY, total)),
        "norms": np.linalg.norm(a - b) / max(TINY, float(np.linalg.norm(a) + np.linalg.norm(b))),
        "float32": float(np.max(np.abs(a32 - b32) / np.maximum(np.float32(TINY), np.abs(a32) + np.abs(b32)))),
        "tiny errors rounded to 0": 0.0,
    }


@check("relative_error on new arrays: tiny denominators, zeros, opposite signs, near-equal arrays", points=2)
def relative_error_cases(learner, rng):
    shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 4))))
    a = rng.normal(0.0, 1.0, shape) * 10.0 ** rng.uniform(-3, 3, shape)
    b = a * (1 + rng.normal(0.0, 1.0, shape) * 10.0 ** rng.uniform(-12, -2, shape))
    cases = [(a, b, "entries of many scales, relative differences from 1e-12 to 1e-2")]
    n = int(rng.integers(3, 30))
    a = rng.normal(0.0, 1.0, n) * 10.0 ** rng.uniform(0, 3, n)
    b = a * (1 + rng.normal(0.0, 1e-13, n))
    b[0] = a[0] * (1 + rng.uniform(1e-12, 1e-11))
    cases.append((a, b, "near-equal arrays (relative differences about 1e-13 to 1e-11)"))
    small = a * (1 + rng.normal(0.0, 1e-12, n))
    index = int(rng.integers(n))
    tiny_a, tiny_b = a.copy(), small.copy()
    tiny_a[index], tiny_b[index] = rng.uniform(1e-9, 4e-9), -rng.uniform(1e-9, 4e-9)
    cases.append((tiny_a, tiny_b, f"entry {index} of both below 1e-8 in size, of opposite signs"))
    zeros_a, zeros_b = np.zeros(n), np.zeros(n)
    zeros_a[index], zeros_b[index] = a[index], a[index] * (1 + rng.uniform(0.1, 0.5))
    cases.append((zeros_a, zeros_b, "zeros in both but one entry"))
    opposite = rng.normal(0.0, 1.0, n)
    cases.append((opposite, -opposite * rng.uniform(0.2, 5.0, n), "every entry of opposite signs"))
    equal = rng.normal(0.0, 1.0, (int(rng.integers(1, 5)), int(rng.integers(1, 5))))
    equal[0, 0] = 0.0
    cases.append((equal, equal.copy(), "equal arrays (with a zero)"))
    value = rng.normal(0.0, 1.0)
    cases.append((np.array(value), np.array(value * (1 + rng.uniform(1e-6, 1e-3))), "0-d arrays"))
    cases.append((np.array([0.0]), np.array([0.0]), "a single zero in both"))
    _screen_relative(cases)
    for a, b, description in cases:
        _ask_relative(learner, a, b, description)


def _screen_relative(cases):
    """Every other definition must be caught by some case, by more than SCREEN times the tolerance."""
    caught = set()
    for a, b, _ in cases:
        expected = _relative(a, b)
        for name, value in _relative_variants(a, b).items():
            if abs(value - expected) > SCREEN * RELATIVE_RTOL * expected:
                caught.add(name)
    missed = set(_relative_variants(np.zeros(1), np.zeros(1))) - caught
    if missed:
        raise AssertionError(f"no relative_error case catches {sorted(missed)}")  # a bug of the checks
