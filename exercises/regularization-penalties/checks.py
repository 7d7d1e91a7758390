"""Hidden checks for L1/L2 penalties, SGD with weight decay and soft thresholding.

Every hidden case is drawn from ``rng``, seeded from a secret fresh for each grading: the number of
arrays in ``weights`` (one to eight), their shapes (0-d to 4-d, with zero-length dimensions now and
then), their magnitudes (1e-4 to 1e4, exact zeros and tiny non-zero weights such as 1e-300
sprinkled in), ``lam``, ``lr``, ``weight_decay`` and ``threshold``, and one large case per function
(6400 to 40000 entries). A submission cannot recognise or memorise the cases; a failure
message names the case's shapes and parameters and the first entry that differs.

Expected values are recomputed here in NumPy from the definitions: penalties with pairwise sums per array
added with ``math.fsum``, gradients, ``sgd_step`` (``torch.optim.SGD`` without momentum) and
``soft_threshold`` (``torch.nn.functional.softshrink``) elementwise. Tolerances are bounds on the
rounding error of any float64 formula, not margins for approximations: a penalty may differ by
``(entries + 4) * 2 * eps`` relative (a sum of non-negative terms in any order), an elementwise result
by a few ``eps`` of the magnitudes it was computed from; float32 arithmetic, approximations or any
mistake in the formulas land far outside.

Array arguments are read-only in the learner's process (a write there fails the check) or, at random,
writable as a caller's own arrays are, and every call but those of ``many_calls`` (one batch of 50 to
70 more calls of each function, with magnitudes and parameters over many orders of magnitude, so that
a result right only for the first calls of a process or only in ordinary ranges fails) is made with
``call_and_read_args``: after each call this side also reads the arguments back
from the memory it shares with that process, so an input modified in place is seen on any call,
whatever that process reports. Every value a call returns is checked (type, dtype float64,
shape, value), so hidden state kept between calls (a momentum buffer, a cache, a call counter) has
nothing to hide behind.

Nothing is statistical: a correct solution is never rejected (false-rejection rate 0).
"""

import math
import numbers

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, assert_array, check, describe

EPS = float(np.finfo(np.float64).eps)
# Rounding of products involving subnormal weights is absolute, not relative.
TINY = 1e-300
LN10 = math.log(10.0)

EXAMPLE = [np.array([[1.0, -2.0], [0.0, 3.0]]), np.array([0.5, -0.5])]


# Cases


def _shape(rng, max_entries, empty_allowed=True):
    """0-d to 4-d with at most ``max_entries`` entries; now and then (when ``empty_allowed``) with a
    zero-length dimension."""
    ndim = int(rng.integers(0, 5))
    if ndim == 0:
        return ()
    shape = [int(n) for n in rng.integers(1, max(2, int(max_entries ** (1 / ndim))) + 1, size=ndim)]
    if empty_allowed and rng.random() < 0.08:
        shape[int(rng.integers(ndim))] = 0
    return tuple(shape)


def _values(rng, shape):
    """Entries of both signs spanning 1e-4..1e4, with exact zeros, -0.0 and tiny non-zeros (1e-310..1e-290)."""
    u = rng.uniform(-1.0, 1.0, size=shape)
    values = np.asarray(np.copysign(np.exp(LN10 * (8.0 * np.abs(u) - 4.0)), u), dtype=np.float64)
    if values.size:
        flat = values.reshape(-1)
        # Each entry is special with probability 1/8: 0.0 (1/12), -0.0 (1/48) or tiny (1/48).
        special = rng.random(flat.size)
        flat[special < 1 / 12] = 0.0
        flat[(special >= 1 / 12) & (special < 5 / 48)] = -0.0
        tiny = np.flatnonzero((special >= 5 / 48) & (special < 1 / 8))
        flat[tiny] = np.copysign(
            np.exp(LN10 * rng.uniform(-310.0, -290.0, size=tiny.size)), rng.uniform(-1, 1, tiny.size)
        )
    return values


def _weights(rng, max_entries=600):
    """One to eight arrays of random shapes (values drawn in one batch, then cut)."""
    shapes = [_shape(rng, max_entries) for _ in range(int(rng.integers(1, 9)))]
    values = _values(rng, (sum(math.prod(shape) for shape in shapes),))
    ends = np.cumsum([math.prod(shape) for shape in shapes])
    return [part.reshape(shape) for part, shape in zip(np.split(values, ends[:-1]), shapes, strict=True)]


def _nonzero(rng, shape):
    """Values with at least one ordinary non-zero entry, so that a single case always shows something."""
    values = _values(rng, shape)
    values.reshape(-1)[int(rng.integers(values.size))] = float(rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-1, 1))
    return values


def _telling_weights(rng):
    """A list of weights with at least one ordinary non-zero entry."""
    weights = _weights(rng)
    weights[0] = _nonzero(rng, _shape(rng, 600, empty_allowed=False))
    return weights


def _like(rng, weights):
    """New values in the shapes of ``weights``: a result remembered per shape (or per call) cannot pass."""
    return [_values(rng, w.shape) for w in weights]


def _large(rng):
    return int(rng.integers(80, 200)), int(rng.integers(80, 200))


def _large_weights(rng):
    rows, columns = _large(rng)
    return [_values(rng, (rows, columns)), _values(rng, (columns,)), _values(rng, ())]


def _lam(rng, zero_allowed=True):
    """lam from 1e-6 to 100, or 0 now and then (never for a case that must show what was summed)."""
    return 0.0 if zero_allowed and rng.random() < 0.1 else float(10.0 ** rng.uniform(-6, 2))


# What came back


def _show(weights):
    return "[" + ", ".join(f"array of shape {w.shape}" for w in weights) + "]"


def _number(value, what):
    """A penalty: a real number (Python or NumPy scalar, or a 0-d array)."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    raise CheckFailed(f"{what}: expected a single float, got {type(value).__name__}: {describe(value)}")


def _array(value, what, shape):
    """A float64 array of ``shape``; for a 0-d input a NumPy float64 scalar or a Python float is fine."""
    if shape == () and isinstance(value, float):
        value = np.asarray(value, dtype=np.float64)
    return assert_array(value, what=what, shape=shape, dtype=np.float64)


def _within(got, expected, bound, what):
    """|got - expected| <= bound elementwise (bound: the rounding error a float64 formula may make)."""
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(got - expected) <= bound
    ok |= got == expected
    if ok.all():
        return
    index = tuple(int(i) for i in np.argwhere(~ok)[0])
    raise CheckFailed(
        f"{what}: at index {index} expected {float(expected[index])!r}, got {float(got[index])!r} (allowed difference "
        f"{bound[index]:.3g}: float64 rounding only; {int((~ok).sum())} of {ok.size} entries differ)"
    )


def _shared(rng, value):
    """``value`` with each array, at random, passed writable as a caller's own arrays are (``Writable``): code
    that changes its input in place only where it can is seen on about half of the calls, at random."""
    if isinstance(value, list):
        return [_shared(rng, item) for item in value]
    return Writable(value) if isinstance(value, np.ndarray) and rng.random() < 0.5 else value


def _call(learner, rng, name, *args, **kwargs):
    """Call ``name``, its arrays read-only or writable at random; fail if any array argument (also inside a
    list) was changed in place."""
    try:
        result, after = learner.call_and_read_args(name, *(_shared(rng, arg) for arg in args), **kwargs)
    except LearnerError as error:
        if error.is_a("MemoryError"):
            raise  # the runner reports memory_limit_exceeded
        raise CheckFailed(f"{name}({_describe_args(args, kwargs)}) raised {error.type}: {error.message}") from None
    for position, (before, now) in enumerate(zip(args, after, strict=True)):
        pairs = list(zip(before, now, strict=True)) if isinstance(before, list) else [(before, now)]
        for item, (original, read_back) in enumerate(pairs):
            if isinstance(original, np.ndarray) and not np.array_equal(original, read_back):
                where = f"[{item}]" if isinstance(before, list) else ""
                index = tuple(int(i) for i in np.argwhere(original != read_back)[0])
                raise CheckFailed(
                    f"{name}({_describe_args(args, kwargs)}) modified argument {position + 1}{where} in place: "
                    f"entry {index} was {float(original[index])!r} before the call and "
                    f"{float(read_back[index])!r} after. "
                    "Never modify an input; compute a new array"
                )
    return result


def _describe_args(args, kwargs):
    parts = []
    for arg in args:
        if isinstance(arg, list):
            parts.append(f"weights={_show(arg)}")
        elif isinstance(arg, np.ndarray):
            parts.append(f"array of shape {arg.shape}")
        else:
            parts.append(repr(arg))
    parts += [f"{key}={value!r}" for key, value in kwargs.items()]
    return ", ".join(parts)


# Expected values and comparisons


def _penalty(learner, rng, name, weights, lam):
    # Pairwise sums per array (error about log2(size) eps), added exactly: far inside the tolerance.
    terms = [np.square(w) if name == "l2_penalty" else np.abs(w) for w in weights]
    expected = lam * math.fsum(float(t.sum()) for t in terms)
    entries = sum(w.size for w in weights)
    what = f"{name}(weights={_show(weights)}, lam={lam!r})"
    got = _number(_call(learner, rng, name, weights, lam), what)
    # A sum of non-negative terms, in any order, is within (n - 1) eps of exact; the product with lam adds one.
    rtol = 2 * (entries + 4) * EPS
    if not abs(got - expected) <= rtol * abs(expected) + TINY:
        raise CheckFailed(
            f"{what}: expected {expected!r}, got {got!r} (relative tolerance {rtol:.3g}, float64 rounding only; "
            f"{entries} entries in all)"
        )


def _gradient(learner, rng, name, weights, lam):
    what = f"{name}(weights={_show(weights)}, lam={lam!r})"
    got = _call(learner, rng, name, weights, lam)
    if not isinstance(got, (list, tuple)) or len(got) != len(weights):
        raise CheckFailed(
            f"{what}: expected a list of {len(weights)} arrays (one per weight array), "
            f"got {type(got).__name__}: {describe(got)}"
        )
    for i, (g, w) in enumerate(zip(got, weights, strict=True)):
        g = _array(g, f"{what}[{i}]", w.shape)
        expected = 2.0 * lam * w if name == "l2_penalty_grad" else lam * np.sign(w)
        _within(g, expected, 4 * EPS * np.abs(expected) + TINY, f"{what}[{i}] (array of shape {w.shape})")


def _sgd(learner, rng, w, grad, lr, weight_decay, how):
    """``how``: "default" (weight_decay left out), "positional" or "keyword"."""
    if how == "default":
        got, shown = _call(learner, rng, "sgd_step", w, grad, lr), f"lr={lr!r}"
        weight_decay = 0.0
    elif how == "positional":
        got, shown = _call(learner, rng, "sgd_step", w, grad, lr, weight_decay), f"lr={lr!r}, {weight_decay!r}"
    else:
        got = _call(learner, rng, "sgd_step", w, grad, lr, weight_decay=weight_decay)
        shown = f"lr={lr!r}, weight_decay={weight_decay!r}"
    what = f"sgd_step(w of shape {np.shape(w)}, grad, {shown})"
    got = _array(got, what, np.shape(w))
    expected = w - lr * (grad + weight_decay * w)
    # torch.optim.SGD: d = grad + wd * w; w - lr * d. Any order of these operations is within this bound.
    bound = 8 * EPS * (np.abs(w) + lr * np.abs(grad) + lr * weight_decay * np.abs(w)) + TINY
    _within(got, expected, bound, f"{what} (compared with torch.optim.SGD without momentum)")
    return got


def _soft(learner, rng, w, threshold):
    what = f"soft_threshold(w of shape {np.shape(w)}, threshold={threshold!r})"
    got = _array(_call(learner, rng, "soft_threshold", w, threshold), what, np.shape(w))
    small = np.abs(w) <= threshold
    wrong_zero = small & (got != 0.0)
    if wrong_zero.any():
        index = tuple(int(i) for i in np.argwhere(wrong_zero)[0])
        raise CheckFailed(
            f"{what}: w{list(index)} = {w[index]!r} has magnitude <= threshold, so the result must be exactly 0; "
            f"got {got[index]!r}"
        )
    expected = np.where(small, 0.0, w - np.sign(w) * threshold)
    _within(got, expected, 4 * EPS * (np.abs(w) + threshold) + TINY, f"{what} (compared with softshrink)")


# Public checks: the worked examples


@check("Worked example: both penalties and their gradients", points=1, public=True)
def worked_example_penalties(learner, rng):
    for name in ("l2_penalty", "l1_penalty"):
        _penalty(learner, rng, name, EXAMPLE, 0.1)
    for name in ("l2_penalty_grad", "l1_penalty_grad"):
        _gradient(learner, rng, name, EXAMPLE, 0.1)


@check("Worked example: sgd_step and soft_threshold", points=1, public=True)
def worked_example_steps(learner, rng):
    _sgd(learner, rng, np.array([1.0, -2.0]), np.array([0.5, 0.5]), 0.1, 0.01, "keyword")
    _soft(learner, rng, np.array([-2.0, -0.5, 0.0, 0.3, 1.5]), 0.5)


# Hidden checks


@check("L2 penalty: lam times the sum of squares of every entry of every array", points=1)
def l2_penalty_values(learner, rng):
    first, lam = _telling_weights(rng), _lam(rng, zero_allowed=False)
    _penalty(learner, rng, "l2_penalty", first, lam)
    for _ in range(4):
        _penalty(learner, rng, "l2_penalty", _weights(rng), _lam(rng))
    _penalty(learner, rng, "l2_penalty", _like(rng, first), lam)
    _penalty(learner, rng, "l2_penalty", _large_weights(rng), _lam(rng, zero_allowed=False))


@check("L2 gradient is 2 * lam * w for every array", points=1)
def l2_gradient(learner, rng):
    first, lam = _telling_weights(rng), _lam(rng, zero_allowed=False)
    _gradient(learner, rng, "l2_penalty_grad", first, lam)
    for _ in range(3):
        _gradient(learner, rng, "l2_penalty_grad", _weights(rng), _lam(rng))
    _gradient(learner, rng, "l2_penalty_grad", _like(rng, first), lam)
    _gradient(learner, rng, "l2_penalty_grad", _large_weights(rng), _lam(rng, zero_allowed=False))


@check("L1 penalty: lam times the sum of absolute values of every array", points=1)
def l1_penalty_values(learner, rng):
    first, lam = _telling_weights(rng), _lam(rng, zero_allowed=False)
    _penalty(learner, rng, "l1_penalty", first, lam)
    for _ in range(4):
        _penalty(learner, rng, "l1_penalty", _weights(rng), _lam(rng))
    _penalty(learner, rng, "l1_penalty", _like(rng, first), lam)
    _penalty(learner, rng, "l1_penalty", _large_weights(rng), _lam(rng, zero_allowed=False))


@check("L1 gradient is lam * sign(w): 0 exactly where w is 0, +-lam for tiny non-zero w", points=1)
def l1_gradient(learner, rng):
    first, lam = _telling_weights(rng), _lam(rng, zero_allowed=False)
    _gradient(learner, rng, "l1_penalty_grad", first, lam)
    for _ in range(3):
        _gradient(learner, rng, "l1_penalty_grad", _weights(rng), _lam(rng))
    _gradient(learner, rng, "l1_penalty_grad", _like(rng, first), lam)
    _gradient(learner, rng, "l1_penalty_grad", _large_weights(rng), _lam(rng, zero_allowed=False))


@check("An empty list of weights, and arrays with no entries", points=1)
def empty_weights(learner, rng):
    lam = float(10.0 ** rng.uniform(-3, 1))
    for name in ("l2_penalty", "l1_penalty"):
        _penalty(learner, rng, name, [], lam)
    for name in ("l2_penalty_grad", "l1_penalty_grad"):
        _gradient(learner, rng, name, [], lam)
    no_entries = [np.zeros((0,)), np.zeros((int(rng.integers(1, 6)), 0)), _values(rng, _shape(rng, 40))]
    for name in ("l2_penalty", "l1_penalty"):
        _penalty(learner, rng, name, no_entries, lam)
    for name in ("l2_penalty_grad", "l1_penalty_grad"):
        _gradient(learner, rng, name, no_entries, lam)


@check("sgd_step matches torch.optim.SGD (weight_decay left out, positional and by keyword)", points=2)
def sgd_matches_torch(learner, rng):
    shapes = [_shape(rng, 600) for _ in range(5)] + [_large(rng)]
    ways = ("default", "positional", "keyword", "keyword", "positional", "keyword")
    for shape, how in zip(shapes, ways, strict=True):
        w, grad = _values(rng, shape), _values(rng, shape)
        lr = float(10.0 ** rng.uniform(-5, 1))
        weight_decay = 0.0 if rng.random() < 0.15 else float(10.0 ** rng.uniform(-5, 0))
        _sgd(learner, rng, w, grad, lr, weight_decay, how)


@check("Repeated sgd_step calls: each step is plain SGD, with nothing carried between calls", points=1)
def sgd_run(learner, rng):
    """12 to 40 steps (a random number) on one parameter, each fed the previous result (already
    checked) and a fresh gradient, every third with a zero gradient (weight decay alone shrinks w by
    1 - lr * wd): a momentum buffer, a cache or anything else kept between calls changes a step."""
    shape = _shape(rng, 300, empty_allowed=False)
    w = _nonzero(rng, shape)
    lr, weight_decay = float(10.0 ** rng.uniform(-3, -0.5)), float(10.0 ** rng.uniform(-3, 0))
    for step in range(int(rng.integers(12, 41))):
        grad = np.zeros(shape) if step % 3 == 2 else _nonzero(rng, shape)
        w = _sgd(learner, rng, w, grad, lr, weight_decay, "keyword" if step % 2 else "positional")


@check("soft_threshold shrinks by threshold and gives exact zeros (softshrink)", points=2)
def soft_threshold_values(learner, rng):
    shapes = [_shape(rng, 600, empty_allowed=False)] + [_shape(rng, 600) for _ in range(2)]
    shapes += [shapes[0], _large(rng)]
    for shape in shapes:
        w = _values(rng, shape)
        threshold = float(10.0 ** rng.uniform(-4, 3))
        if w.size:
            # Entries exactly at the threshold, one float step either side of it, and 3 to 1e6 steps
            # either side (a result rounded to 0 there is off by far more than rounding allows).
            flat = w.reshape(-1)
            picks = rng.choice(flat.size, size=min(flat.size, 10), replace=False)
            steps = 10.0 ** rng.uniform(0.5, 6.0, size=picks.size) * EPS * rng.choice([-1.0, 1.0], size=picks.size)
            near = threshold * (1.0 + steps)
            edges = [threshold, np.nextafter(threshold, 0.0), np.nextafter(threshold, np.inf)]
            near[: picks.size // 2] = rng.choice(edges, size=picks.size // 2)
            flat[picks] = rng.choice([-1.0, 1.0], size=picks.size) * near
        _soft(learner, rng, w, threshold)


@check("soft_threshold: threshold 0 keeps w, a threshold above every |w| zeroes everything", points=1)
def soft_threshold_extremes(learner, rng):
    w = _nonzero(rng, _shape(rng, 600, empty_allowed=False))
    _soft(learner, rng, w, 0.0)
    largest = float(np.abs(w).max())
    _soft(learner, rng, w, largest * float(rng.uniform(1.0, 10.0)))


@check("Inputs are never modified in place (one more call of each function)", points=1)
def inputs_untouched(learner, rng):
    # Every call of every check reads its arguments back; this check calls each function once more.
    weights, lam = _telling_weights(rng), _lam(rng, zero_allowed=False)
    for name in ("l2_penalty", "l1_penalty"):
        _penalty(learner, rng, name, weights, lam)
    for name in ("l2_penalty_grad", "l1_penalty_grad"):
        _gradient(learner, rng, name, weights, lam)
    shape = _shape(rng, 600, empty_allowed=False)
    w, grad = _nonzero(rng, shape), _nonzero(rng, shape)
    _sgd(learner, rng, w, grad, float(10.0 ** rng.uniform(-3, 0)), float(10.0 ** rng.uniform(-3, 0)), "positional")
    _soft(learner, rng, w, float(10.0 ** rng.uniform(-2, 2)))


def _replies(learner, name, calls):
    """The values of one batch of calls of ``name`` (see ``many_calls``)."""
    values = []
    for i, reply in enumerate(learner.map(name, calls)):
        try:
            values.append(reply.value)
        except LearnerError as error:
            if error.is_a("MemoryError"):
                raise  # the runner reports memory_limit_exceeded
            raise CheckFailed(f"call {i + 1} of {len(calls)} of {name} raised {error.type}: {error.message}") from None
    return values


def _rows(got, expected, bound, about):
    """Compare one batch row by row (row i: call i); the first wrong call is reported as ``about(i)`` says."""
    with np.errstate(invalid="ignore", over="ignore"):
        ok = (np.abs(got - expected) <= bound) | (got == expected)
    bad = ~ok.reshape(len(ok), -1).all(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        _within(got[i], expected[i], bound[i], about(i))


@check("Many calls in a row, with magnitudes and parameters over many orders of magnitude", points=1)
def many_calls(learner, rng):
    """50 to 70 calls of each function, in one batch per function, on small arrays (1 to 5 entries):
    in three calls in four the weights are scaled by 1e-100 to 1e100 (log-uniform, one factor per call),
    and lam (1e-40 to 1e40), lr and weight_decay (1e-20 to 1e20, or 0) and the threshold (1e-4 to 1e3
    times the call's scale) span far more than the other checks draw. A result that is right only for
    the first calls of a process, or only for the magnitudes or parameters the other checks use, fails:
    a property of the inputs that holds with probability q per call goes untested with probability
    (1 - q) ** 50 (below 1e-6 for q = 1/4; weights above 1e5, for one, have q above 1/3). Squares stay
    below 1e210, so nothing overflows."""
    n, k = int(rng.integers(50, 71)), int(rng.integers(1, 6))
    scale = np.where(rng.random((n, 1)) < 0.25, 1.0, 10.0 ** rng.uniform(-100, 100, size=(n, 1)))
    w, grad = _values(rng, (n, k)) * scale, _values(rng, (n, k)) * scale
    lam = 10.0 ** rng.uniform(-40, 40, size=n)
    lr = 10.0 ** rng.uniform(-20, 20, size=n)
    weight_decay = np.where(rng.random(n) < 0.1, 0.0, 10.0 ** rng.uniform(-20, 20, size=n))
    threshold = scale[:, 0] * 10.0 ** rng.uniform(-4, 3, size=n)
    for name in ("l2_penalty", "l1_penalty"):
        got = np.array(
            [
                _number(v, f"{name}, call {i + 1}")
                for i, v in enumerate(_replies(learner, name, [([w[i]], float(lam[i])) for i in range(n)]))
            ]
        )
        expected = lam * (np.square(w) if name == "l2_penalty" else np.abs(w)).sum(axis=1)
        bound = 2 * (k + 4) * EPS * np.abs(expected) + TINY
        _rows(got, expected, bound, lambda i, name=name: f"{name}(weights=[{describe(w[i])}], lam={lam[i]!r})")
    for name in ("l2_penalty_grad", "l1_penalty_grad"):
        replies = _replies(learner, name, [([w[i]], float(lam[i])) for i in range(n)])
        rows = []
        for i, value in enumerate(replies):
            if not isinstance(value, (list, tuple)) or len(value) != 1:
                raise CheckFailed(f"{name}, call {i + 1}: expected a list of 1 array, got {describe(value)}")
            rows.append(_array(value[0], f"{name}, call {i + 1}", (k,)))
        expected = 2.0 * lam[:, None] * w if name == "l2_penalty_grad" else lam[:, None] * np.sign(w)
        bound = 4 * EPS * np.abs(expected) + TINY
        _rows(
            np.array(rows), expected, bound, lambda i, name=name: f"{name}(weights=[{describe(w[i])}], lam={lam[i]!r})"
        )
    replies = _replies(learner, "sgd_step", [(w[i], grad[i], float(lr[i]), float(weight_decay[i])) for i in range(n)])
    got = np.array([_array(value, f"sgd_step, call {i + 1}", (k,)) for i, value in enumerate(replies)])
    decay = lr[:, None] * weight_decay[:, None]
    expected = w - lr[:, None] * (grad + weight_decay[:, None] * w)
    bound = 8 * EPS * (np.abs(w) + lr[:, None] * np.abs(grad) + decay * np.abs(w)) + TINY
    _rows(
        got,
        expected,
        bound,
        lambda i: f"sgd_step({describe(w[i])}, {describe(grad[i])}, {lr[i]!r}, {weight_decay[i]!r})",
    )
    replies = _replies(learner, "soft_threshold", [(w[i], float(threshold[i])) for i in range(n)])
    got = np.array([_array(value, f"soft_threshold, call {i + 1}", (k,)) for i, value in enumerate(replies)])
    small = np.abs(w) <= threshold[:, None]
    expected = np.where(small, 0.0, w - np.sign(w) * threshold[:, None])
    # Entries at most threshold in magnitude must be exactly 0: a zero bound there.
    bound = np.where(small, 0.0, 4 * EPS * (np.abs(w) + threshold[:, None]) + TINY)
    _rows(got, expected, bound, lambda i: f"soft_threshold({describe(w[i])}, threshold={threshold[i]!r})")
