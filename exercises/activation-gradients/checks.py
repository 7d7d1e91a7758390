"""Hidden checks for activation functions and their gradients.

Every expected value is recomputed here, in the trusted worker, in float64: ``torch.sigmoid`` for the
sigmoid, and for each derivative the formula PyTorch's autograd applies. Hidden inputs are drawn from
``rng`` (seeded from a secret fresh for each grading): shapes from 0-d to 4-d (empty ones included),
values of every magnitude up to ``|x| = 1e4``, exact zeros (``+0.0`` and ``-0.0``) and subnormal
values at the ReLU kink, values just around the overflow points of ``exp`` (|x| near 710) and of
``cosh(x)**2`` (|x| near 355), and random leaky-ReLU slopes passed by position and by keyword. Every
function is called more than once with the same shape and different values, so an answer remembered
by shape or by call cannot pass. Public checks (the examples learners run) use fixed inputs.

Every call but those of ``many_calls`` reads ``x`` back from the memory it shares with the learner's
process, so an input changed in place is seen from outside, whatever that process reports (the harness
also maps array arguments read-only there, so a write usually fails at once; either way the check fails).

The ``ENVIRONMENT`` makes NumPy raise ``FloatingPointError`` on overflow, division by zero and invalid
operations (underflow stays silent) before the learner's code loads: an unstable formula then fails with
the input that broke it. Code that silences those errors itself is judged on its values alone, which is
all the contract promises.

Nothing here is statistical: no check can fail a correct solution by chance. The tolerance is
``|got - expected| <= 1e-12 + 1e-9 |expected|`` everywhere; the relu gradients are exact in any case.
"""

import math

import numpy as np
import torch

from grader.harness import CheckFailed, LearnerError, Writable, check, describe

ENVIRONMENT = """
import numpy as np

# An overflow or an invalid operation raises FloatingPointError in the learner's functions (the
# statement says so): the checks report the input that broke the formula.
np.seterr(over="raise", invalid="raise", divide="raise", under="ignore")


def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T is.
    return x.T
"""

RTOL, ATOL = 1e-9, 1e-12
MAX_ENTRIES = 2500  # per hidden input
GRADIENTS = ("sigmoid_grad", "tanh_grad", "relu_grad", "leaky_relu_grad")
FUNCTIONS = ("sigmoid", *GRADIENTS)
X_TYPICAL = np.array([[-6.0, -2.5, -1.0, -0.3, 0.0], [0.2, 0.7, 1.5, 3.0, 8.0]])
X_KINK = np.array([-3.0, -1e-300, -0.0, 0.0, 1e-300, 0.5, 7.0])
# Values at and around ReLU's kink: both zeros, the smallest subnormals, and tiny normal numbers.
KINK_VALUES = np.array([0.0, -0.0, 5e-324, -5e-324, 1e-310, -1e-310, 1e-300, -1e-300, 2.2e-16, -2.2e-16])


def _expected(name, x, negative_slope=0.01):
    """PyTorch's float64 value of ``name`` at ``x``: ``torch.sigmoid``, or the derivative its autograd
    computes. The backward formulas are PyTorch's own (``(1 - s) * s`` from the sigmoid's output,
    ``1 - t * t`` from tanh's, a step that is 0 at x = 0), evaluated here without the autograd engine:
    ``torch.tanh`` in a multi-threaded worker is slow on small arrays, so tanh comes from NumPy."""
    if name in ("sigmoid", "sigmoid_grad"):
        s = torch.sigmoid(torch.from_numpy(x)).numpy()
        return s if name == "sigmoid" else (1.0 - s) * s
    if name == "tanh_grad":
        t = np.tanh(x)
        return 1.0 - t * t
    return np.where(x > 0, 1.0, 0.0 if name == "relu_grad" else float(negative_slope))


def _call_text(name, x, slope):
    """How a call reads in a message: the function, x's shape, and the slope as it was passed."""
    where = f"x of shape {x.shape}"
    if slope is None:
        return f"{name}({where})"
    if slope[1] == "keyword":
        return f"{name}({where}, negative_slope={slope[0]!r})"
    return f"{name}({where}, {slope[0]!r})"


def _check_call(learner, name, x, slope=None, writable=False):
    """Call ``name`` on ``x`` (``slope``: ``(value, "position" or "keyword")`` for leaky_relu_grad) and
    compare the answer with PyTorch; ``x`` is read back from shared memory to see it was not changed.
    ``writable`` passes ``x`` writable, as a caller's own array is: a change made only then is seen too."""
    what = _call_text(name, x, slope)
    args, kwargs = [Writable(x) if writable else x], {}
    if slope is not None and slope[1] == "keyword":
        kwargs["negative_slope"] = slope[0]
    elif slope is not None:
        args.append(slope[0])
    try:
        value, after = learner.call_and_read_args(name, *args, **kwargs)
    except LearnerError as error:
        raise _unstable(error, x, what) from None
    if not np.array_equal(after[0], x) or not np.array_equal(np.signbit(after[0]), np.signbit(x)):
        index = tuple(int(i) for i in np.argwhere((after[0] != x) | (np.signbit(after[0]) != np.signbit(x)))[0])
        raise CheckFailed(
            f"{what} changed its input in place: {_entry(index)} was {float(x[index])!r} before the call and "
            f"{float(after[0][index])!r} after it. Compute into a new array and leave x as it is"
        )
    expected = _expected(name, x, *(() if slope is None else (slope[0],)))
    _compare(_as_result(value, x, what), expected, x, what)


def _unstable(error, x, what):
    """The failure to raise for the learner's ``error``: a FloatingPointError means an unstable formula."""
    if not error.is_a("FloatingPointError"):
        return error
    return CheckFailed(
        f"{what} raised FloatingPointError: {error.message}. NumPy is set to raise on overflow and invalid "
        "operations here: the formula is not numerically stable for some x in this input (it holds values "
        f"from {float(x.min()) if x.size else 0.0:g} to {float(x.max()) if x.size else 0.0:g}).\n{error.traceback}"
    )


def _as_result(value, x, what):
    """The answer as a float64 array of x's shape; a float64 scalar is fine for a 0-d x, a tensor too."""
    if type(value).__module__.startswith("torch") and hasattr(value, "numpy"):
        value = value.numpy()  # rebuilt from bytes by the protocol: a plain CPU tensor
    if x.ndim == 0 and isinstance(value, (float, np.floating)):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what}: expected a NumPy float64 array, got {type(value).__name__}: {describe(value)}")
    if value.dtype != np.float64:
        raise CheckFailed(f"{what}: expected a float64 array, got dtype {value.dtype}")
    if value.shape != x.shape:
        raise CheckFailed(f"{what}: expected shape {x.shape} (the shape of x), got shape {value.shape}")
    return value


def _compare(actual, expected, x, what):
    """``|actual - expected| <= ATOL + RTOL |expected|`` everywhere; NaN and infinities never pass."""
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(actual - expected) <= ATOL + RTOL * np.abs(expected)
    close &= np.isfinite(actual)
    if close.all():
        return
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    raise CheckFailed(
        f"{what}: at {_entry(index)} = {float(x[index])!r} expected {float(expected[index])!r}, got "
        f"{float(actual[index])!r} "
        f"({int((~close).sum())} of {close.size} entries differ; tolerance atol={ATOL:g}, rtol={RTOL:g}; "
        "the expected value is PyTorch's in float64)"
    )


def _entry(index):
    return f"x{list(index)}" if index else "x"


def _shape(rng, max_entries, ndim=None, min_entries=50):
    """A random shape with 1 to 4 dimensions (or ``ndim``) and between ``min_entries`` and ``max_entries``
    entries (0-d and empty inputs have a check of their own)."""
    ndim = int(rng.integers(1, 5)) if ndim is None else ndim
    longest = 2 * math.ceil(max_entries ** (1 / ndim)) + 1
    while True:
        shape = tuple(int(n) for n in rng.integers(1, longest, size=ndim))
        if min_entries <= math.prod(shape) <= max_entries:
            return shape


def _ordinary(rng, shape, kink_share=0.1):
    """Values of both signs and every scale: normal, uniform on [-12, 12], log-uniform magnitudes from
    1e-8 to 30, and a ``kink_share`` of values at ReLU's kink (exact zeros, subnormals, any tiny magnitude)."""
    n = math.prod(shape)
    sign = rng.choice([-1.0, 1.0], size=n)
    choices = [
        rng.normal(0.0, 3.0, size=n),
        rng.uniform(-12.0, 12.0, size=n),
        sign * 10.0 ** rng.uniform(-8.0, 1.5, size=n),
        # Half the listed kink values, half tiny magnitudes log-uniform from the smallest subnormal to 1e-8:
        # no band of tiny values goes untested.
        np.where(rng.random(n) < 0.5, rng.choice(KINK_VALUES, size=n), sign * 10.0 ** rng.uniform(-323.3, -8.0, n)),
    ]
    rest = (1.0 - kink_share) / 3
    kind = rng.choice(4, size=n, p=[rest, rest, rest, kink_share])
    return np.choose(kind, choices).reshape(shape)


def _large(rng, shape):
    """Large values of both signs: log-uniform magnitudes from 20 to 1e4, values around 355 (where
    cosh(x)**2 overflows) and around 710 (where exp(x) overflows), and exactly +-1e4."""
    n = math.prod(shape)
    sign = rng.choice([-1.0, 1.0], size=n)
    magnitudes = [
        10.0 ** rng.uniform(math.log10(20.0), 4.0, size=n),
        rng.uniform(340.0, 370.0, size=n),
        rng.uniform(700.0, 760.0, size=n),
        np.full(n, 1e4),
    ]
    kind = rng.choice(4, size=n, p=[0.4, 0.25, 0.25, 0.1])
    return (sign * np.choose(kind, magnitudes)).reshape(shape)


def _slope(rng):
    return float(10.0 ** rng.uniform(-3.0, 0.0))  # log-uniform in [0.001, 1)


def _writable(rng, calls):
    """Which of ``calls`` calls pass x writable: at least one does and one does not, in random order, so
    a submission that writes to x only when it may, or is right only when it may not, fails."""
    return [bool(w) for w in rng.permutation([True, False, *(rng.random(calls - 2) < 0.5)])]


def _new_inputs(learner, rng, name, kink_share=0.1):
    """Three calls: two with one random shape and different values (an answer remembered by shape
    fails), then one with another shape."""
    shape = _shape(rng, MAX_ENTRIES)
    for current, writable in zip((shape, shape, _shape(rng, MAX_ENTRIES)), _writable(rng, 3), strict=True):
        _check_call(learner, name, _ordinary(rng, current, kink_share), writable=writable)


@check("sigmoid matches torch.sigmoid on ordinary inputs", points=1, public=True)
def sigmoid_typical(learner, rng):
    _check_call(learner, "sigmoid", X_TYPICAL)


@check("relu_grad is 1 where x > 0 and 0 where x <= 0 (0 at x = 0, as in PyTorch)", points=1, public=True)
def relu_grad_example(learner, rng):
    _check_call(learner, "relu_grad", X_KINK)
    _check_call(learner, "relu_grad", X_TYPICAL)


@check("leaky_relu_grad is 1 where x > 0 and negative_slope where x <= 0 (default 0.01)", points=1, public=True)
def leaky_relu_grad_example(learner, rng):
    _check_call(learner, "leaky_relu_grad", X_KINK)
    _check_call(learner, "leaky_relu_grad", X_KINK, (0.2, "keyword"))
    _check_call(learner, "leaky_relu_grad", X_KINK, (0.3, "position"))


def _small_inputs(rng, count):
    """``count`` inputs for many_calls: 0-d to 4-d with at most 27 entries (one in ten with an axis of length
    0), of ordinary values (a quarter of them at the kink) or, one in four, large ones; the values are cut
    from two pools drawn at once, which costs far less than drawing each input on its own."""
    pools = (_ordinary(rng, (27 * count,), 0.25), _large(rng, (27 * count,)))
    ndims = rng.integers(0, 5, size=count)
    limits = np.array((1, 24, 5, 3, 2))[ndims]
    lengths = 1 + (rng.random((count, 4)) * limits[:, None]).astype(int)
    emptied = rng.random(count) < 0.1
    large = rng.random(count) < 0.25
    xs = []
    for index, ndim in enumerate(ndims.tolist()):
        shape = lengths[index, :ndim].tolist()
        if ndim and emptied[index]:
            shape[int(rng.integers(ndim))] = 0
        start = 27 * index
        xs.append(pools[int(large[index])][start : start + math.prod(shape)].reshape(shape))
    return xs


@check("Sixty to a hundred calls of each function in a row, one with x a view not in C order", points=1)
def many_calls(learner, rng):
    """For each function, 60 to 100 small inputs of every rank in one round trip, about half of them
    writable, leaky_relu_grad's slope passed by position or left to its default, and x of one call (at a
    random place, of several rows and columns) a transposed view: a submission whose behaviour changes with
    the memory layout of x meets a judged call. The first hidden check: every later check's calls come after
    these, so behaviour that changes after some number of calls (up to 60 or more of each function) meets
    judged calls too. Keywords cannot go through a round trip of many calls; other checks pass them."""
    for name in FUNCTIONS:
        count = int(rng.integers(60, 101))
        xs = _small_inputs(rng, count)
        viewed = int(rng.integers(count))
        xs[viewed] = _ordinary(rng, (int(rng.integers(2, 6)), int(rng.integers(2, 6))), 0.25)
        slopes = [(_slope(rng), "position") if name == "leaky_relu_grad" and rng.random() < 0.7 else None for _ in xs]
        calls = []
        for index, (x, slope, writable) in enumerate(zip(xs, slopes, rng.random(count) < 0.5, strict=True)):
            sent = Writable(x) if writable else x
            if index == viewed:
                sent = learner.environment("transposed", np.ascontiguousarray(x.T), as_handle=True).handle
            calls.append((sent,) if slope is None else (sent, slope[0]))
        replies = learner.map(name, calls)
        for index, (x, slope, reply) in enumerate(zip(xs, slopes, replies, strict=True)):
            layout = ", x a transposed view" if index == viewed else ""
            what = f"call {index + 1} of {count} in a row{layout}: {_call_text(name, x, slope)}"
            try:
                value = reply.value
            except LearnerError as error:
                raise _unstable(error, x, what) from None
            expected = _expected(name, x, *(() if slope is None else (slope[0],)))
            _compare(_as_result(value, x, what), expected, x, what)


@check("sigmoid matches torch.sigmoid on new inputs", points=1)
def sigmoid_hidden(learner, rng):
    _new_inputs(learner, rng, "sigmoid")


@check("sigmoid_grad matches PyTorch autograd on new inputs", points=2)
def sigmoid_grad_hidden(learner, rng):
    _new_inputs(learner, rng, "sigmoid_grad")


@check("tanh_grad matches PyTorch autograd on new inputs", points=2)
def tanh_grad_hidden(learner, rng):
    _new_inputs(learner, rng, "tanh_grad")


@check("relu_grad and leaky_relu_grad on new inputs, exact zeros included, with any negative_slope", points=2)
def relu_grads_hidden(learner, rng):
    _new_inputs(learner, rng, "relu_grad", kink_share=0.3)
    # One shape, three slopes: by position, by keyword, and the default.
    shape = _shape(rng, MAX_ENTRIES)
    slopes = ((_slope(rng), "position"), (_slope(rng), "keyword"), None)
    for slope, writable in zip(slopes, _writable(rng, 3), strict=True):
        _check_call(learner, "leaky_relu_grad", _ordinary(rng, shape, 0.3), slope, writable)
    # Every decade of tiny magnitudes, from the subnormals to 1e-8, once with each sign: random draws alone miss
    # a band a few decades wide in about one grading of twenty.
    magnitudes = 10.0 ** (np.arange(-323.0, -8.0) + rng.random(315))
    tiny = rng.permutation(np.concatenate([magnitudes, -magnitudes]))
    _check_call(learner, "relu_grad", tiny, writable=bool(rng.random() < 0.5))
    _check_call(learner, "leaky_relu_grad", tiny, (_slope(rng), "position"), bool(rng.random() < 0.5))


@check("Large inputs (|x| up to 1e4) give finite, correct values, with no overflow", points=3)
def large_inputs_are_stable(learner, rng):
    for name in FUNCTIONS:
        slope = (_slope(rng), "keyword") if name == "leaky_relu_grad" else None
        _check_call(learner, name, _large(rng, _shape(rng, MAX_ENTRIES)), slope, bool(rng.random() < 0.5))


@check("Works for any shape: 0-d, 1-d to 4-d and empty arrays", points=1)
def any_shape(learner, rng):
    """0-d and empty inputs here; the other checks draw 1-d to 4-d shapes."""
    empty = list(_shape(rng, 50, ndim=int(rng.integers(1, 5)), min_entries=1))
    empty[int(rng.integers(len(empty)))] = 0
    for name in FUNCTIONS:
        for x, writable in zip((_ordinary(rng, ()), _ordinary(rng, tuple(empty))), _writable(rng, 2), strict=True):
            _check_call(learner, name, x, writable=writable)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    """Every call of every check reads x back; this check adds 4-d inputs with many entries at the kink,
    passed writable (as a caller's own array is), each with both zeros in it."""
    for name in FUNCTIONS:
        x = _ordinary(rng, _shape(rng, MAX_ENTRIES, ndim=4), 0.5)
        x.flat[rng.choice(x.size, size=2, replace=False)] = (0.0, -0.0)
        _check_call(learner, name, x, writable=True)
