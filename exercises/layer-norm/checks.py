"""Hidden checks for layer normalisation, forward and backward.

Every hidden case is drawn from ``rng`` (seeded from a secret fresh for each grading): 1 to a few
hundred rows, 1 to 256 features, leading shapes of rank 0 to 3, values at scales from 1e-3 to 1e3,
``gamma`` of both signs, ``eps`` from 1e-8 to 0.1, and a fresh ``dout`` for every backward call.
Public checks (the examples learners run) use fixed inputs.

Expected values are recomputed here in float64 by ``_reference``: the formulas of
``torch.nn.functional.layer_norm`` over the last axis (centred two-pass statistics, biased variance,
eps inside the square root) and the exact gradient of that forward pass,
``dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat))`` with ``g = dout * gamma`` (checked against
PyTorch's autograd in float64 when this file was written, to 1e-15). Tolerances allow only rounding:
``TOL`` times the size of the terms each value is made of (the second item of each ``_reference``
entry), plus the rounding of the centring amplified by ``inv_std`` (the third; it matters only in rows of one
feature, which ``many_calls`` keeps small next to sqrt(eps)), which is 1e-9 for float64
inputs, where the cases keep every row's mean within 10 of its own standard deviations from zero so
rounding stays near 1e-14, while the mistakes looked for (eps outside the root, the unbiased variance, a
missing gradient path, float32 arithmetic, ...) differ by 1e-7 relative or far more. Float32 inputs
are allowed ``TOL32`` = 1e-4: two solutions computing wholly in float32 (centred two-pass and
``np.var``, with a staged and a closed-form backward) stayed within 1e-5 on the cases of 2000 gradings,
and float32 cases have at most 128 rows, so even a naive float32 sum over rows stays below
128 * 6e-8 = 8e-6. The large-offset check has its own bound, derived in its docstring.

The cache: ``layer_norm_forward`` is called with its result kept in the learner's process (a handle);
the environment's ``output_of`` sends back ``out`` as a value and ``cache_of`` makes a handle to the
cache, which goes back, untouched and never read here, to ``layer_norm_backward``. The cache is the
learner's own data: nothing in it is judged. Only values are: ``out`` of every forward call and the
three gradients of every backward call are compared with the reference computed here from the inputs
of *that* forward call. The environment's helpers run in the learner's process and may be replaced
by the learner's code; that can only change which values come back, and values are all that is
judged. Several forward calls of one shape before their backward calls, in an order that is neither
first-in-first-out nor last-in-first-out, fail a backward that reads anything but its own cache.

Arrays sent to the learner's process are mapped read-only there, so writing into an input fails at
once (reported as a change in place); ``inputs_untouched`` also reads ``dout`` back after the call.

Nothing is statistical: a correct solution is never rejected.
"""

import numpy as np

from grader.harness import CheckFailed, Writable, assert_array, assert_close, check, describe

ENVIRONMENT = '''
import sys


class ForwardCaller:
    """Calls layer_norm_forward as a method, so that the checker can read its array arguments back after
    the call, and keeps the result here."""

    def forward(self, *args, **kwargs):
        self.result = sys.modules["submission"].layer_norm_forward(*args, **kwargs)
        return output_of(self.result)


def result_of(caller):
    return caller.result


def round_trips(cases):
    """For each (x, gamma, beta, eps, dout) in turn, a forward call and then the backward call of its cache:
    [(out, (dx, dgamma, dbeta))]."""
    learner = sys.modules["submission"]
    answers = []
    for x, gamma, beta, eps, dout in cases:
        out, cache = learner.layer_norm_forward(x, gamma, beta, eps)
        answers.append((out, learner.layer_norm_backward(dout, cache)))
    return answers


def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T is.
    return x.T


def output_of(result):
    """(True, out) for a forward result (out, cache) kept in this process; (False, its type's name) otherwise."""
    if isinstance(result, tuple) and len(result) == 2:
        return True, result[0]
    return False, type(result).__name__


def cache_of(result):
    """The cache of a forward result, to be kept here as a handle and passed back to the backward."""
    return result[1]
'''

TOL, TOL32 = 1e-9, 1e-4
DEFAULT_EPS = 1e-5


class Case:
    """One forward call and the backward call that follows it. ``eps_by`` is how eps is passed:
    "default" (not at all), "position" or "keyword"."""

    # A plain class: checks.py is loaded without an entry in sys.modules, which dataclasses need.
    def __init__(self, x, gamma, beta, dout, eps: float = DEFAULT_EPS, eps_by: str = "keyword") -> None:
        self.x, self.gamma, self.beta, self.dout, self.eps, self.eps_by = x, gamma, beta, dout, eps, eps_by

    def call(self) -> str:
        eps = {"default": "", "position": f", {self.eps!r}", "keyword": f", eps={self.eps!r}"}[self.eps_by]
        return f"layer_norm_forward(x of shape {self.x.shape} and dtype {self.x.dtype}, gamma, beta{eps})"

    def inputs(self) -> str:
        values = (("x", self.x), ("gamma", self.gamma), ("beta", self.beta), ("dout", self.dout))
        return "Inputs: " + "; ".join(f"{name} = {describe(value, 240)}" for name, value in values)


def _reference(case: Case) -> dict:
    """Forward output and gradients in float64, each with the size of the terms it is made of and a floor for the
    rounding of the centring (see below)."""
    x, gamma, beta, dout = (np.asarray(a, dtype=np.float64) for a in (case.x, case.gamma, case.beta, case.dout))
    d = x.shape[-1]
    centred = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + case.eps)
    x_hat = centred * inv_std
    g = dout * gamma
    g_mean, gx_mean = g.mean(axis=-1, keepdims=True), (g * x_hat).mean(axis=-1, keepdims=True)
    # x_hat's rounding error is relative to 1 + |x_hat| (a value near the mean has a small x_hat but
    # the error of the mean), so the scales count 1 + |x_hat| wherever x_hat enters.
    size = 1.0 + np.abs(x_hat)
    # Centring itself rounds each entry by about u |x| (u the unit roundoff of the input's dtype), which x_hat
    # multiplies by inv_std: negligible where a row's mean is within a few standard deviations of 0 (_rows keeps
    # it so), but not in a row of one feature, whose x_hat is 0 and whose inv_std is 1 / sqrt(eps), where
    # computing x * inv_std - mean * inv_std (as PyTorch's kernel does) is off by that much. ``off`` bounds it.
    off = 16 * np.finfo(case.x.dtype).eps * np.abs(x).max(axis=-1, keepdims=True) * inv_std
    return {
        "out": (gamma * x_hat + beta, np.abs(gamma) * size + np.abs(beta), np.abs(gamma) * off),
        "dx": (
            inv_std * (g - g_mean - x_hat * gx_mean),
            inv_std * (np.abs(g) + size * (np.abs(g) * size).mean(axis=-1, keepdims=True)),
            inv_std * off * (np.abs(gx_mean) + (np.abs(x_hat) + off) * np.abs(g).mean(axis=-1, keepdims=True)),
        ),
        "dgamma": (
            (dout * x_hat).reshape(-1, d).sum(axis=0),
            (np.abs(dout) * size).reshape(-1, d).sum(axis=0),
            np.broadcast_to(np.abs(dout) * off, x.shape).reshape(-1, d).sum(axis=0),
        ),
        "dbeta": (dout.reshape(-1, d).sum(axis=0), np.abs(dout).reshape(-1, d).sum(axis=0), 0.0),
    }


def _compare(what: str, got: np.ndarray, expected: tuple, case: Case, tolerance: float | None, hint: str = ""):
    value, scale, off = expected
    if tolerance is None:
        tolerance = TOL32 if case.x.dtype == np.float32 else TOL
    try:
        # Rounding is relative to the size of the terms a value is made of, not to the value itself.
        assert_close(got, value, what=what, rtol=tolerance, atol=tolerance * scale + off)
    except CheckFailed as failure:
        raise CheckFailed(f"{failure}\n{hint}{case.inputs()}") from None


def _view(learner, array: np.ndarray):
    """A handle to ``array`` as a view not in C order in the learner's process."""
    return learner.environment("transposed", np.ascontiguousarray(array.T), as_handle=True).handle


class Forward:
    """A forward call whose result stays in the learner's process. ``sent`` is how ``x`` travels:
    "read-only" (as every array by default), "view" (a transposed view, and so ``dout`` in the backward
    call), or "writable" (every array writable, as a caller's own arrays are, and read back after the call:
    code that writes only to writable arrays is seen too)."""

    def __init__(self, learner, case: Case, sent: str = "read-only"):
        self.learner, self.case, self.sent = learner, case, sent
        args, kwargs = [case.x, case.gamma, case.beta], {}
        if sent == "view":
            args[0] = _view(learner, case.x)
        elif sent == "writable":
            args = [Writable(a.copy()) for a in args]
        if case.eps_by == "position":
            args.append(case.eps)
        elif case.eps_by == "keyword":
            kwargs["eps"] = case.eps
        if sent == "writable":
            caller = learner.environment("ForwardCaller", as_handle=True)
            (is_pair, out), after = caller.call_and_read_args("forward", *args, **kwargs)
            for name, before, now in zip(("x", "gamma", "beta"), (case.x, case.gamma, case.beta), after, strict=False):
                if not np.array_equal(now, before):
                    raise CheckFailed(f"{case.call()} changed {name} in place. Leave every input as it was.")
            result = learner.environment("result_of", caller.handle, as_handle=True)
        else:
            # learner.new calls a function and keeps its result there: the cache never crosses.
            result = learner.new("layer_norm_forward", *args, **kwargs)
            is_pair, out = learner.environment("output_of", result.handle)
        if not is_pair:
            raise CheckFailed(f"{case.call()} must return a tuple (out, cache); got a {out}")
        self.out = assert_array(out, what=f"{case.call()}: out", shape=case.x.shape, dtype=case.x.dtype)
        self.result = result
        self.expected = _reference(case)

    def check_output(self, tolerance: float | None = None, hint: str = "") -> None:
        case = self.case
        _compare(f"{case.call()}: out", self.out, self.expected["out"], case, tolerance, hint)

    def check_backward(self, tolerance: float | None = None, hint: str = "", read_back: bool = False) -> None:
        case = self.case
        what = f"layer_norm_backward(dout of shape {case.dout.shape}, cache of {case.call()})"
        # Asked for only now (a round trip saved where only the output is checked); handles stay valid.
        cache = self.learner.environment("cache_of", self.result.handle, as_handle=True).handle
        if read_back or self.sent == "writable":
            dout = Writable(case.dout.copy()) if self.sent == "writable" else case.dout
            result, (dout_after, _) = self.learner.call_and_read_args("layer_norm_backward", dout, cache)
            if not np.array_equal(dout_after, case.dout):
                raise CheckFailed(f"{what} changed dout in place. Leave every input as it was.")
        else:
            dout = _view(self.learner, case.dout) if self.sent == "view" else case.dout
            result = self.learner.layer_norm_backward(dout, cache)
        if not (isinstance(result, tuple) and len(result) == 3):
            raise CheckFailed(f"{what} must return a tuple (dx, dgamma, dbeta); got {describe(result)}")
        d = case.x.shape[-1]
        for name, value, shape in zip(("dx", "dgamma", "dbeta"), result, (case.x.shape, (d,), (d,)), strict=True):
            assert_array(value, what=f"{what}: {name}", shape=shape, dtype=case.x.dtype)
            _compare(f"{what}: {name}", value, self.expected[name], case, tolerance, hint)

    def check_both(self, tolerance: float | None = None, hint: str = "") -> None:
        self.check_output(tolerance, hint)
        self.check_backward(tolerance, hint)


def _round_trip(learner, case: Case, tolerance: float | None = None, hint: str = "", sent: str = "read-only") -> None:
    Forward(learner, case, sent).check_both(tolerance, hint)


# Fresh cases


def _leading(rng, d: int, max_entries: int = 4096, max_rows: int = 256) -> tuple[int, ...]:
    rows = int(rng.choice([1, 2, int(rng.integers(1, 17)), int(rng.integers(1, max_rows + 1))]))
    return (max(1, min(rows, max_entries // d)),)


def _features(rng) -> int:
    return int(rng.choice([2, int(rng.integers(2, 17)), int(rng.integers(2, 65)), int(rng.integers(2, 257))]))


def _rows(rng, shape: tuple[int, ...], scale) -> np.ndarray:
    """``scale * (centre + noise)``, with a centre in [-3, 3] per row and standard normal noise, keeping
    only rows whose mean is within 10 of their own standard deviations from 0: the rows whose own
    spread is tiny next to their mean (two close values when D = 2) are redrawn, as rounding alone
    would take them past the tolerances. The large-offset check makes such rows on purpose."""
    x = scale * (rng.uniform(-3, 3, size=(*shape[:-1], 1)) + rng.standard_normal(shape))
    while shape[-1] > 1:
        bad = (x.std(axis=-1) < np.abs(x.mean(axis=-1)) / 10)[..., None]
        if not bad.any():
            return x
        x = np.where(bad, scale * (rng.uniform(-3, 3, size=(*shape[:-1], 1)) + rng.standard_normal(shape)), x)
    return x


def _case(
    rng, shape: tuple[int, ...], dtype=np.float64, eps: float | None = None, eps_by: str = "keyword", scales=(-3, 3)
) -> Case:
    """Rows with a scale from ``10**scales[0]`` to ``10**scales[1]`` (each row its own, within a factor of 3
    of the case's), see ``_rows``."""
    d = shape[-1]
    x = _rows(rng, shape, 10.0 ** rng.uniform(*scales) * rng.uniform(0.3, 3.0, size=(*shape[:-1], 1)))
    gamma = rng.uniform(0.25, 2.5, size=d) * rng.choice([-1.0, 1.0], size=d)
    beta = rng.uniform(-2, 2, size=d)
    dout = rng.standard_normal(shape) * 10.0 ** rng.uniform(-2, 2)
    if eps_by == "default":
        eps = DEFAULT_EPS
    elif eps is None:
        eps = float(10.0 ** rng.uniform(-8, -1))
    arrays = (a.astype(dtype) for a in (x, gamma, beta, dout))
    return Case(*arrays, eps=eps, eps_by=eps_by)


def _fresh(rng, eps_by: str = "keyword", dtype=np.float64, max_rows: int = 256, scales=(-3, 3)) -> Case:
    d = _features(rng)
    return _case(rng, (*_leading(rng, d, max_rows=max_rows), d), dtype=dtype, eps_by=eps_by, scales=scales)


def _large(rng, eps_by: str = "keyword") -> Case:
    """2048 to 4096 entries with 64 to 256 features: code that is careful only on small inputs fails."""
    d = int(rng.integers(64, 257))
    return _case(rng, (int(rng.integers(-(-2048 // d), 4096 // d + 1)), d), eps_by=eps_by)


# Public checks (fixed inputs)

WORKED_X = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])


@check("Forward and backward match the worked example", points=2, public=True)
def worked_example(learner, rng):
    case = Case(WORKED_X, np.ones(3), np.array([0.0, 0.0, 0.5]), np.array([[1.0, 0, 0], [1.0, 0, 0]]), eps_by="default")
    _round_trip(learner, case)


@check("Forward and backward match PyTorch on a fixed (2, 3, 4) input", points=2, public=True)
def fixed_sequence_batch(learner, rng):
    fixed = np.random.default_rng(18)
    x = fixed.normal(size=(2, 3, 4)) * 2.0 + 1.0
    gamma, beta, dout = fixed.uniform(0.5, 2.0, size=4), fixed.normal(size=4), fixed.normal(size=(2, 3, 4))
    _round_trip(learner, Case(x, gamma, beta, dout, eps=1e-3))


# Hidden checks (fresh cases from rng)


@check("Sixty to a hundred forward and backward calls in a row", points=1)
def many_calls(learner, rng):
    """60 to 100 small cases of every rank and both dtypes, each a forward call and the backward call of its
    cache, all in one round trip (the environment's ``round_trips`` makes them in the learner's process, with
    eps by position; keeping several caches apart is ``caches_kept_apart``'s test). The first hidden check:
    every later check's calls come after these, so behaviour that changes after some number of calls (up to
    60 or more of each function) meets judged calls. Float32 cases have at most 128 rows, as the module's
    docstring requires. Rows of one feature (x_hat 0, out = beta) have values of at most about 20 and eps from
    0.01 to 0.1: their rounding floor (``off`` in ``_reference``) then stays below 4e-4 of gamma in float32 and
    1e-12 in float64, where larger values over a smaller eps would let out stray far from beta."""
    cases = []
    for _ in range(int(rng.integers(60, 101))):
        d = int(rng.choice([1, int(rng.integers(2, 17))]))
        leading = [int(n) for n in rng.integers(1, 5, size=int(rng.integers(0, 4)))]
        dtype = np.float32 if rng.random() < 0.3 else np.float64
        if d == 1:
            cases.append(_case(rng, (*leading, d), dtype=dtype, eps=float(10.0 ** rng.uniform(-2, -1)), scales=(-3, 0)))
        else:
            cases.append(_case(rng, (*leading, d), dtype=dtype))
    answers = learner.environment(
        "round_trips", [(case.x, case.gamma, case.beta, case.eps, case.dout) for case in cases]
    )
    if not (isinstance(answers, list) and len(answers) == len(cases)):
        raise CheckFailed(f"{len(cases)} forward and backward calls did not give {len(cases)} answers")
    for index, (case, answer) in enumerate(zip(cases, answers, strict=True)):
        case.eps_by = "position"
        what = f"call {index + 1} of {len(cases)} in a row: {case.call()}"
        if not (
            isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[1], tuple) and len(answer[1]) == 3
        ):
            raise CheckFailed(f"{what}: expected out and a tuple (dx, dgamma, dbeta); got {describe(answer)}")
        expected = _reference(case)
        out = assert_array(answer[0], what=f"{what}: out", shape=case.x.shape, dtype=case.x.dtype)
        _compare(f"{what}: out", out, expected["out"], case, None)
        d = case.x.shape[-1]
        for name, value, shape in zip(("dx", "dgamma", "dbeta"), answer[1], (case.x.shape, (d,), (d,)), strict=True):
            assert_array(value, what=f"{what}, then its backward: {name}", shape=shape, dtype=case.x.dtype)
            _compare(f"{what}, then its backward: {name}", value, expected[name], case, None)


@check("Each row is normalised with its own mean and biased variance, on new shapes", points=2)
def forward_fresh(learner, rng):
    for case in (_fresh(rng, "keyword"), _fresh(rng, "position"), _large(rng)):
        Forward(learner, case).check_output()


@check("The default eps is 1e-5", points=1)
def default_eps(learner, rng):
    # Row variances from about 1e-8 to 1e-2, where eps = 1e-5 and any other default differ by far
    # more than rounding (1e-6 instead changes 1 / sqrt(var + eps) by 4.5e-4 relative or more).
    Forward(learner, _fresh(rng, "default", scales=(-3.5, -1.5))).check_both()


@check("Backward gives the exact gradients, through the mean and the variance too, on new shapes", points=2)
def backward_fresh(learner, rng):
    # x and dout of one case (a random one of several rows) are views not in C order, as a caller's x.T is.
    cases = [_fresh(rng, "keyword"), _fresh(rng, "position"), _large(rng)]
    viewed = int(rng.choice([index for index, case in enumerate(cases) if case.x.ndim > 1 and case.x.shape[0] > 1]))
    for index, case in enumerate(cases):
        _round_trip(learner, case, sent="view" if index == viewed else "read-only")


@check("A batch of one example gives the same result alone as within its batch", points=1)
def single_example(learner, rng):
    d = _features(rng)
    batch = _case(rng, (int(rng.integers(2, 65)), d))
    index = int(rng.integers(batch.x.shape[0]))
    alone = Case(batch.x[index : index + 1], batch.gamma, batch.beta, batch.dout[index : index + 1], eps=batch.eps)
    for case in (batch, alone):
        _round_trip(learner, case)


@check("Inputs of shape (D,), (B, T, D) and (A, B, T, D): last axis normalised, dgamma and dbeta summed over the rest")
def higher_rank(learner, rng):
    d = _features(rng)
    shapes = [
        (d,),
        (int(rng.integers(1, 9)), int(rng.integers(1, 17)), d),
        (int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 9)), d),
    ]
    for shape in shapes:
        while int(np.prod(shape)) > 4096:  # keep the case small: halve the longest leading axis
            axis = int(np.argmax(shape[:-1]))
            shape = (*shape[:axis], shape[axis] // 2, *shape[axis + 1 :])
        _round_trip(learner, _case(rng, shape))


@check("One feature (D = 1): the output is beta and dx is 0", points=1)
def single_feature(learner, rng):
    for shape in ((int(rng.integers(1, 65)), 1), (1,), (int(rng.integers(1, 5)), int(rng.integers(1, 9)), 1)):
        _round_trip(learner, _case(rng, shape))


@check("Constant rows give beta, and gradients scaled by 1 / sqrt(eps)", points=1)
def constant_rows(learner, rng):
    """Some rows are constant, of small dyadic values (few significant bits) so that any correct mean
    is exact there and x_hat is exactly 0; eps from 1e-5 to 1e-1 keeps 1 / sqrt(eps) at most 316.
    ``sqrt(var) + eps`` and ``sqrt(var + eps)`` differ there by a factor of 1 / sqrt(eps) >= 3."""
    d = int(rng.integers(2, 65))
    case = _case(rng, (int(rng.integers(2, 33)), d), eps=float(10.0 ** rng.uniform(-5, -1)))
    constant = rng.random(case.x.shape[0]) < 0.5
    constant[int(rng.integers(case.x.shape[0]))] = True
    values = rng.integers(-64, 65, size=case.x.shape[0]) * 2.0 ** rng.integers(-6, 1, size=case.x.shape[0])
    case.x[constant] = values[constant, None]
    _round_trip(learner, case, hint="Check where eps goes, in the forward and the backward pass.\n")


@check("eps is added to the variance inside the square root", points=1)
def eps_inside_sqrt(learner, rng):
    # Row variances from about 1e-4 to 300 times eps: sqrt(var + eps) and sqrt(var) + eps differ by far more
    # than rounding, in the output and in the gradient.
    eps = float(10.0 ** rng.uniform(-6, -2))
    d = int(rng.integers(2, 65))
    rows = int(rng.integers(1, 33))
    case = _case(rng, (rows, d), eps=eps)
    case.x = _rows(rng, (rows, d), np.sqrt(eps * 10.0 ** rng.uniform(-3, 1.5, size=(rows, 1))))
    _round_trip(learner, case)


@check("Accurate when a row has a large mean and a small spread", points=1)
def large_offset(learner, rng):
    """Rows with means of magnitude 1e6 to 1e7 and spreads (their own standard deviations, which the
    noise is redrawn to keep above half the scale drawn) from 1.5e-3 to 3e-2, eps = 1e-10. A centred
    computation loses at most about D * 1.1e-16 * |mean| / spread <= 64 * 1.1e-16 * 6.4e9 = 4.5e-5 of
    a standard deviation (summing naively; NumPy's pairwise sums lose far less), so ``x_hat`` and
    everything made from it are allowed 1e-4 of their terms' size. ``E[x^2] - E[x]^2`` rounds to a
    multiple of ulp(mean^2) >= 1.2e-4 while the variance is below about 6e-3 (most often below 1e-3):
    a row's variance is off by a few percent or far more (often negative, giving NaN), unless it
    happens to lie within 1e-4 relative of such a multiple (probability below 1e-2 per row; 16 rows
    or more, so a miss below 1e-32)."""
    rows, d = int(rng.integers(16, 65)), int(rng.integers(2, 65))
    offset = 10.0 ** rng.uniform(6, 7, size=(rows, 1)) * rng.choice([-1.0, 1.0], size=(rows, 1))
    spread = 10.0 ** rng.uniform(-2.5, -1.5, size=(rows, 1))
    case = _case(rng, (rows, d), eps=1e-10)
    noise = rng.standard_normal((rows, d))
    while (low := noise.std(axis=1) < 0.5).any():
        noise[low] = rng.standard_normal((int(low.sum()), d))
    case.x = offset + spread * noise
    _round_trip(learner, case, tolerance=1e-4, hint="Centre each row before squaring.\n")


@check("Float32 inputs give float32 results of float32 accuracy", points=1)
def float32_inputs(learner, rng):
    # Ranks 1 to 4, in random order, at most 128 rows (see the module docstring).
    for rank in rng.permutation(4).tolist():
        d = _features(rng)
        leading = [int(n) for n in rng.integers(1, 9, size=rank)]
        while int(np.prod(leading)) > min(128, 4096 // d):
            leading[int(np.argmax(leading))] //= 2
        _round_trip(learner, _case(rng, (*leading, d), dtype=np.float32))


@check("Each backward call uses its own cache, with several forward calls in flight", points=2)
def caches_kept_apart(learner, rng):
    """3 to 5 forward calls of one shape, then their backward calls in a shuffled order that is
    neither the order of the forward calls nor its reverse."""
    d = int(rng.integers(4, 65))
    shape = (int(rng.integers(2, 33)), d)
    forwards = [Forward(learner, _case(rng, shape)) for _ in range(int(rng.integers(3, 6)))]
    for forward in forwards:
        forward.check_output()
    count = len(forwards)
    order = list(range(count))
    while order in (list(range(count)), list(range(count))[::-1]):
        order = rng.permutation(count).tolist()
    for index in order:
        hint = (
            f"Forward calls 0 to {count - 1} were made first, then their backward calls in the order {order}; "
            f"this was the backward of forward call {index}, given that call's cache.\n"
        )
        forwards[index].check_backward(hint=hint)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    # Read-only arrays, then writable ones (as a caller's own arrays are), each read back after the call.
    forward = Forward(learner, _fresh(rng))
    forward.check_backward(read_back=True)
    Forward(learner, _fresh(rng), "writable").check_both()
