"""Hidden checks for cross-entropy with label smoothing and its gradient.

Expected values are recomputed here in float64 from the definition that
``torch.nn.functional.cross_entropy(logits, targets, label_smoothing=eps)`` implements with its default
mean over examples: ``log p = z - logsumexp(z)`` per row (logsumexp shifted by the row maximum),
``q = eps / K + (1 - eps) * onehot(y)``, ``loss = -sum(q * log p) / N`` and the gradient
``(softmax(z) - q) / N``. The recomputation was compared with PyTorch's float64 loss and autograd
gradient on thousands of cases drawn as below, huge logits included, well inside the tolerances.

Every hidden case is drawn from ``rng``, seeded from a secret fresh for each grading: the shapes
(``N`` from 1 to 300, ``K`` from 2 to 60, and ``K`` from 1000 to 3000 in one case), the spread and
row offsets of the logits, the targets and the smoothing (anywhere in ``(0, 1)``, tiny values from
``1e-6`` to ``1e-4``, values within ``1e-2`` of 1, and exactly 0 and 1). Half the ordinary cases, and
every case whose smoothing is within ``1e-2`` of 0 or 1, come from a "trained" model that classifies
every example correctly with a margin, so that the smoothing term ``eps * (z[y] - mean(z))`` is never
close to 0 by chance: a smoothing ignored or rounded to 0 or 1 always shows in the loss. The
huge-logit check mixes exactly ``+-1e4``, values around ``+-710`` and magnitudes from ``1e3`` to
``1e4`` in the same rows, with one example whose labelled class has the logit ``-1e4`` next to a
``+1e4`` (row loss ``2e4``) and one whose labelled class has ``+1e4`` next to a ``-1e4``
(``log p = -2e4`` there). Each hidden check calls one shape twice with different values, so an
answer remembered by shape cannot pass.

Tolerances bound the rounding error of any float64 formula, not approximations. For the loss:
``4 eps ((K + 8) mean_i(s_i) + (N + 8) |loss|)`` with ``s_i = 2 max_k |z_ik| + log K + 1``: each
``log p`` is off by at most about ``2 eps s_i``, a weighted sum of ``K`` of them (in any order) by
``K eps s_i``, and the mean over ``N`` rows adds ``N eps |loss|``. For each gradient entry:
``eps (p_ik (4 s_i + 2K + 32) + 16 q_ik) / N + 1e-300``: the relative error of a softmax entry, the
few roundings of the target's terms (``1 - eps``, ``eps / K``, the subtraction, the division by ``N``;
PyTorch's autograd itself comes within a quarter of this), and subnormal probabilities. Float32
arithmetic (relative error ``6e-8``) or any wrong formula lands far outside.

Array arguments are read-only in the learner's process unless sent writable, and every call but those of
``many_calls`` is made with ``call_and_read_args``: after each call this side reads ``logits`` and ``targets``
back from the memory it shares with that process, so an input modified in place is seen whatever that
process reports.

Nothing is statistical: a correct solution is never rejected (false-rejection rate 0).
"""

import math

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, check, describe

ENVIRONMENT = """
def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T is.
    return x.T
"""

EPS = float(np.finfo(np.float64).eps)
FUNCTIONS = ("smoothed_cross_entropy", "smoothed_cross_entropy_grad")
EXAMPLE_LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]])
EXAMPLE_TARGETS = np.array([0, 1])


# Expected values


def _log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _smoothed_targets(targets, k, smoothing):
    q = np.full((targets.size, k), smoothing / k)
    q[np.arange(targets.size), targets] += 1.0 - smoothing
    return q


def _row_scales(logits):
    """``s_i = 2 max_k |z_ik| + log K + 1``: what the rounding error of row i's log-softmax scales with."""
    return 2.0 * np.abs(logits).max(axis=1) + math.log(logits.shape[1]) + 1.0


def _expected_loss(logits, targets, smoothing):
    rows = -(_smoothed_targets(targets, logits.shape[1], smoothing) * _log_softmax(logits)).sum(axis=1)
    return math.fsum(rows.tolist()) / logits.shape[0]


def _loss_tolerance(logits, expected):
    n, k = logits.shape
    return 4 * EPS * ((k + 8) * float(_row_scales(logits).mean()) + (n + 8) * abs(expected))


# Cases


def _shape(rng, max_n=300, k_range=(2, 60), max_entries=6000):
    """``N`` log-uniform in [1, max_n] and ``K`` uniform in ``k_range``, with at most ``max_entries`` entries."""
    k = int(rng.integers(k_range[0], k_range[1] + 1))
    n = round(10.0 ** float(rng.uniform(0.0, math.log10(max_n))))
    return max(1, min(n, max_entries // k)), k


def _ordinary(rng, shape, trained):
    """Logits of spread 0.1 to 30, each row offset by up to 50, and targets. When ``trained``, every
    example is classified correctly, as by a trained model: its labelled logit is raised to 0.5 to 3
    spreads above the row's other logits, so ``z[y] - mean(z)`` is at least a quarter of a spread."""
    n, k = shape
    spread = float(10 ** rng.uniform(-1.0, 1.5))
    logits = rng.normal(0.0, spread, size=shape) + rng.uniform(-50.0, 50.0, size=(n, 1))
    targets = rng.integers(0, k, size=n)
    if trained:
        rows = np.arange(n)
        logits[rows, targets] = logits.max(axis=1) + spread * rng.uniform(0.5, 3.0, size=n)
    return logits, targets


def _huge(rng, shape):
    """Rows mixing ordinary values, exactly +-1e4, +-(700..760) and magnitudes 1e3..1e4; example 0
    is labelled with a -1e4 next to a +1e4, example 1 (when N > 1) with a +1e4 next to a -1e4."""
    n, k = shape
    sign = rng.choice([-1.0, 1.0], size=shape)
    kinds = [
        rng.normal(0.0, 3.0, size=shape),
        sign * 1e4,
        sign * rng.uniform(700.0, 760.0, size=shape),
        sign * 10 ** rng.uniform(3.0, 4.0, size=shape),
    ]
    logits = np.choose(rng.choice(4, size=shape, p=[0.3, 0.3, 0.2, 0.2]), kinds)
    targets = rng.integers(0, k, size=n)
    for row, (labelled, other) in enumerate([(-1e4, 1e4), (1e4, -1e4)][:n]):
        first, second = (int(c) for c in rng.choice(k, size=2, replace=False))
        logits[row, first], logits[row, second], targets[row] = labelled, other, first
    return logits, targets


def _smoothings(rng, count):
    """``count`` values in random order: a tiny one (1e-6..1e-4), one within 1e-2 of 1, the rest anywhere."""
    values = [float(10 ** rng.uniform(-6.0, -4.0)), 1.0 - float(10 ** rng.uniform(-6.0, -2.0))]
    values += [float(rng.uniform(0.0, 1.0)) for _ in range(count - 2)]
    return [values[i] for i in rng.permutation(count)]


def _cases(rng, shapes):
    """``(logits, targets, smoothing)`` for each shape, with the smoothings of ``_smoothings``. Half the
    cases are trained ones, and so is every case whose smoothing is within 1e-2 of 0 or 1: its loss then
    differs from that at smoothing exactly 0 or 1 by at least ``min(eps, 1 - eps) * spread / 8``, far
    above the tolerance, so treating such a smoothing as 0 or 1 cannot pass."""
    for shape, smoothing in zip(shapes, _smoothings(rng, len(shapes)), strict=True):
        trained = bool(rng.random() < 0.5) or not 1e-2 <= smoothing <= 1.0 - 1e-2
        yield *_ordinary(rng, shape, trained), smoothing


# Calls


def _inputs(logits, targets, smoothing):
    n, k = logits.shape
    if logits.size <= 12:
        return f"logits={logits.tolist()}, targets={targets.tolist()}, smoothing={smoothing!r}"
    return (
        f"logits of shape ({n}, {k}) with values from {float(logits.min()):.6g} to {float(logits.max()):.6g}, "
        f"targets of shape ({n},), smoothing={smoothing!r}"
    )


def _call(learner, name, logits, targets, smoothing, writable=False):
    """Call ``name``; a ValueError for a valid smoothing fails the check, an input changed in place too.
    ``writable`` passes both arrays writable, as a caller's own arrays are: code that writes only to
    writable arrays is seen too."""
    what = f"{name}({_inputs(logits, targets, smoothing)})"
    sent = (Writable(logits.copy()), Writable(targets.copy())) if writable else (logits, targets)
    try:
        value, after = learner.call_and_read_args(name, *sent, smoothing)
    except LearnerError as error:
        if not error.is_a("ValueError"):
            raise
        raise CheckFailed(
            f"{what} raised {error.type}: {error.message}. Only a smoothing below 0 or above 1 is invalid"
        ) from None
    for label, before, now in (("logits", logits, after[0]), ("targets", targets, after[1])):
        if not np.array_equal(before, now):
            index = tuple(int(i) for i in np.argwhere(before != now)[0])
            raise CheckFailed(
                f"{what} changed {label} in place: entry {index} was {before[index].item()!r} before the call and "
                f"{now[index].item()!r} after it. Never modify an input; compute new arrays"
            )
    return value, what


def _as_float(value, what):
    """The loss: a Python float or NumPy float64 (a 0-d float64 array is fine too)."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype == np.float64:
        value = float(value)
    if isinstance(value, float):
        return float(value)
    raise CheckFailed(f"{what}: expected a float (float64), got {type(value).__name__}: {describe(value)}")


def _loss(learner, logits, targets, smoothing, writable=False):
    value, what = _call(learner, "smoothed_cross_entropy", logits, targets, smoothing, writable)
    _judge_loss(what, value, logits, targets, smoothing)


def _judge_loss(what, value, logits, targets, smoothing):
    got = _as_float(value, what)
    expected = _expected_loss(logits, targets, smoothing)
    tolerance = _loss_tolerance(logits, expected)
    if math.isfinite(got) and abs(got - expected) <= tolerance:
        return
    note = ""
    if not math.isfinite(got):
        note = " An infinite or NaN loss means something overflowed, or a log was taken of a probability that is 0."
    elif logits.shape[0] > 1 and math.isclose(got, expected * logits.shape[0], rel_tol=1e-6):
        note = f" That is N = {logits.shape[0]} times the expected value."
    raise CheckFailed(
        f"{what}: expected {expected!r}, got {got!r} (allowed difference {tolerance:.3g}: float64 rounding only; "
        f"the expected value is torch.nn.functional.cross_entropy(logits, targets, label_smoothing={smoothing!r}) "
        f"in float64).{note}"
    )


def _gradient(learner, logits, targets, smoothing, writable=False):
    value, what = _call(learner, "smoothed_cross_entropy_grad", logits, targets, smoothing, writable)
    _judge_gradient(what, value, logits, targets, smoothing)


def _judge_gradient(what, value, logits, targets, smoothing):
    n, k = logits.shape
    if not isinstance(value, np.ndarray) or value.dtype != np.float64 or value.shape != (n, k):
        shown = f"dtype {value.dtype}, shape {value.shape}" if isinstance(value, np.ndarray) else describe(value)
        raise CheckFailed(f"{what}: expected a float64 array of shape ({n}, {k}), got {type(value).__name__}: {shown}")
    p = np.exp(_log_softmax(logits))
    q = _smoothed_targets(targets, k, smoothing)
    expected = (p - q) / n
    bound = EPS * (p * (4 * _row_scales(logits)[:, None] + 2 * k + 32) + 16 * q) / n + 1e-300
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(value - expected) <= bound
    if ok.all():
        return
    i, j = (int(c) for c in np.argwhere(~ok)[0])
    note = " Non-finite values mean something overflowed." if not np.isfinite(value).all() else ""
    raise CheckFailed(
        f"{what}: at [{i}, {j}] (logit {float(logits[i, j])!r}, example {i} labelled {int(targets[i])}) expected "
        f"{float(expected[i, j])!r}, got {float(value[i, j])!r} (allowed difference {bound[i, j]:.3g}: float64 "
        f"rounding only; {int((~ok).sum())} of {ok.size} entries differ; the expected value is "
        f"(softmax - smoothed target) / N, PyTorch's autograd gradient in float64).{note}"
    )


def _both(learner, logits, targets, smoothing, writable=False):
    _loss(learner, logits, targets, smoothing, writable)
    _gradient(learner, logits, targets, smoothing, writable)


# Public checks: the worked example


@check("Worked example: the loss with smoothing 0, 0.1 and 1", points=1, public=True)
def worked_example_loss(learner, rng):
    for smoothing in (0.0, 0.1, 1.0):
        _loss(learner, EXAMPLE_LOGITS, EXAMPLE_TARGETS, smoothing)


@check("Worked example: the gradient with smoothing 0.1", points=1, public=True)
def worked_example_gradient(learner, rng):
    _gradient(learner, EXAMPLE_LOGITS, EXAMPLE_TARGETS, 0.1)


# Hidden checks


@check("Sixty to a hundred calls of each function in a row, one with logits a view not in C order", points=1)
def many_calls(learner, rng):
    """For each function, 60 to 100 small cases in one round trip (smoothings as in ``_cases``), the
    logits of one case with several examples and classes (at a random place) a transposed view: a
    submission whose behaviour changes with the memory layout of the logits meets a judged call. The first
    hidden check: every later check's calls come after these, so behaviour that changes after some number
    of calls (up to 60 or more of each function) meets judged calls too."""
    for name, judge in zip(FUNCTIONS, (_judge_loss, _judge_gradient), strict=True):
        count = int(rng.integers(60, 101))
        cases = list(_cases(rng, [_shape(rng, max_n=12, k_range=(2, 12)) for _ in range(count)]))
        # A view with one example is in C order too: the viewed case gets at least two.
        viewed = int(rng.integers(count))
        cases[viewed] = (*_ordinary(rng, (int(rng.integers(2, 13)), int(rng.integers(2, 13))), True), cases[viewed][2])
        calls = []
        for index, (logits, targets, smoothing) in enumerate(cases):
            if index == viewed:
                logits = learner.environment("transposed", np.ascontiguousarray(logits.T), as_handle=True).handle
            calls.append((logits, targets, smoothing))
        replies = learner.map(name, calls)
        for index, ((logits, targets, smoothing), reply) in enumerate(zip(cases, replies, strict=True)):
            layout = ", logits a transposed view" if index == viewed else ""
            what = f"call {index + 1} of {count} in a row{layout}: {name}({_inputs(logits, targets, smoothing)})"
            try:
                value = reply.value
            except LearnerError as error:
                if not error.is_a("ValueError"):
                    raise
                raise CheckFailed(
                    f"{what} raised {error.type}: {error.message}. Only a smoothing below 0 or above 1 is invalid"
                ) from None
            judge(what, value, logits, targets, smoothing)


@check("The loss matches cross_entropy(label_smoothing=eps) on new inputs", points=2)
def loss_on_new_inputs(learner, rng):
    shape = _shape(rng)
    shapes = [shape, shape] + [_shape(rng) for _ in range(4)]
    for logits, targets, smoothing in _cases(rng, shapes):
        _loss(learner, logits, targets, smoothing)


@check("The gradient is (softmax - smoothed target) / N on new inputs", points=2)
def gradient_on_new_inputs(learner, rng):
    shape = _shape(rng)
    shapes = [shape, shape] + [_shape(rng) for _ in range(4)]
    for logits, targets, smoothing in _cases(rng, shapes):
        _gradient(learner, logits, targets, smoothing)


@check("Huge logits (up to +-1e4) give the finite, exact loss and gradient", points=2)
def huge_logits(learner, rng):
    shape = _shape(rng, max_n=40, k_range=(2, 30))
    shape = (max(2, shape[0]), shape[1])
    for current in (shape, shape, _shape(rng, max_n=40, k_range=(2, 30))):
        logits, targets = _huge(rng, current)
        _both(learner, logits, targets, float(rng.uniform(0.05, 1.0)))
        _both(learner, logits, targets, 0.0)


@check("Smoothing 0 is plain cross-entropy and smoothing 1 a uniform target", points=1)
def smoothing_zero_and_one(learner, rng):
    shape = _shape(rng)
    for current in (shape, shape):
        logits, targets = _ordinary(rng, current, trained=bool(rng.random() < 0.5))
        _both(learner, logits, targets, 0.0)
        _both(learner, logits, targets, 1.0)


@check("Two classes, thousands of classes, and a single example", points=1)
def class_and_batch_extremes(learner, rng):
    """The thousands-of-classes case is never a trained one and its smoothing is in [0.05, 0.95]: every
    row then has many probabilities far above ``eps / K``, whose float64 values are what is compared."""
    small = [_shape(rng, k_range=(2, 2)), (1, int(rng.integers(2, 61))), (1, 2)]
    for logits, targets, smoothing in _cases(rng, small):
        _both(learner, logits, targets, smoothing)
    large = _shape(rng, max_n=8, k_range=(1000, 3000), max_entries=24000)
    _both(learner, *_ordinary(rng, large, trained=False), float(rng.uniform(0.05, 0.95)))


def _must_raise(learner, name, logits, targets, smoothing):
    what = f"{name}({_inputs(logits, targets, smoothing)})"
    try:
        value = learner.call(name, logits, targets, smoothing)
    except LearnerError as error:
        if error.is_a("ValueError"):
            return
        raise CheckFailed(f"{what} should raise ValueError, but raised {error.type}: {error.message}") from None
    raise CheckFailed(f"{what} should raise ValueError (smoothing must be in [0, 1]), but returned {describe(value)}")


@check("A smoothing below 0 or above 1 raises ValueError in both functions", points=1)
def invalid_smoothing(learner, rng):
    logits, targets = _ordinary(rng, _shape(rng, max_n=20, k_range=(2, 10)), trained=True)
    invalid = [
        -float(10 ** rng.uniform(-9.0, -3.0)),
        -float(rng.uniform(0.1, 2.0)),
        1.0 + float(10 ** rng.uniform(-9.0, -3.0)),
        float(rng.uniform(1.5, 10.0)),
    ]
    for name in FUNCTIONS:
        for smoothing in invalid:
            _must_raise(learner, name, logits, targets, smoothing)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    """Every call of the other checks but many_calls reads logits and targets back; this check adds one large
    case, and one with both arrays writable, as a caller's own arrays are (code that writes only to writable
    arrays)."""
    logits, targets = _ordinary(rng, _shape(rng, max_n=300, k_range=(20, 60), max_entries=12000), trained=False)
    _both(learner, logits, targets, float(rng.uniform(0.0, 1.0)))
    logits, targets = _ordinary(rng, _shape(rng, max_n=100, k_range=(2, 60)), trained=bool(rng.random() < 0.5))
    _both(learner, logits, targets, float(rng.uniform(0.0, 1.0)), writable=True)
