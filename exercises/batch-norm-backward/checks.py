"""Hidden checks for the batch normalisation backward pass.

Every hidden case is drawn from ``rng`` (seeded from a secret fresh for each grading): batch sizes from
2 to 256, 1 to 32 features, values at scales from 1e-3 to 1e3, ``gamma`` of both signs, upstream
gradients at scales from 1e-2 to 1e2 and ``eps`` from 1e-12 to 0.1. Public checks (the examples
learners run) use fixed inputs.

The function takes the forward pass's inputs (``x``, ``gamma``, ``eps``) rather than an opaque cache, so
every value the learner's process is given comes from here and nothing its own forward pass kept can
matter. The expected gradients are recomputed here in float64 by ``_reference``: the closed form
``dx = s (g - mean(g) - x_hat mean(g x_hat))`` with ``g = gamma dout``, ``dgamma = sum(dout x_hat)`` and
``dbeta = sum(dout)``. During development it was compared with PyTorch's autograd through
``torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)`` in float64 on
2000 random cases (2 to 300 examples, scales 1e-3 to 1e3, eps 1e-12 to 0.1, constant features): the
largest difference was 4e-16 of the scale below, far inside 1e-12. The gradient check also compares
the learner's answer with finite differences of a loss, independently of that closed form.

Tolerances allow only rounding: ``RTOL`` relative plus ``ATOL`` times the size of the terms a value is
made of, per feature (``_scales``): for ``dx``, ``|gamma| s max|dout| (1 + max x_hat^2)``; for
``dgamma``, ``sum|dout| max(1, max|x_hat|)``; for ``dbeta``, ``sum|dout|``. Correct float64 solutions
that arrange the arithmetic differently (the staged computational-graph backward, the
``(var + eps)^-1.5`` form, PyTorch's autograd) stayed below 2e-14 of those over 12000 cases drawn as
the hidden checks draw them; the mistakes the checks look for (a path left out, the unbiased variance,
eps misplaced or ignored, float32 arithmetic, ...) differ by 1e-8 of them or far more. The
large-offset and gradient checks have their own bounds, derived in their docstrings. Only a batch of
two examples makes ``dx`` small next to its terms (it is of order ``eps / var`` of them), so that check
uses variances comparable to ``eps``.

Every call is made with ``call_and_read_args``: the array arguments live in memory shared with the
learner's process (mapped read-only there) and are read back here after the call, so an input changed
in place is seen whatever that process reports.

No check is statistical. The one way a correct solution could be rejected is rounding: ``x - mean`` is
off by a few ulp of the feature's centre, which ``x_hat`` amplifies by ``|centre| / sqrt(var + eps)``.
Centres are within 3 spreads of 0, so that needs a batch whose sample variance is below 1e-8 of its
spread's square (to reach 1e-9 of the scale with a different summation order than the reference's).
With 3 examples that has probability about 1.5e-8 per feature, with 4 or more below 1e-12, and a
grading draws a few features with 3 examples: below 1e-7 per grading. With 2 examples (the
two-example check) the centre is within 30 sqrt(eps), which bounds the amplification by 30.
"""

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, assert_array, assert_close, check, describe

ENVIRONMENT = """
def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T is.
    return x.T
"""

RTOL, ATOL = 1e-9, 1e-9
NAMES = ("dout", "x", "gamma")
PARTS = ("dx", "dgamma", "dbeta")
DEFAULT = object()  # eps left out of the call: the learner's default, 1e-5, is expected


def _statistics(x, eps):
    """Per feature: the normalised batch ``x_hat`` and ``s = 1 / sqrt(var + eps)`` (centred, float64)."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=0) + eps)
    return centred * inv_std, inv_std


def _reference(dout, x, gamma, eps):
    """The gradients of training-mode batch norm (PyTorch's autograd values): (dx, dgamma, dbeta)."""
    dout, gamma = np.asarray(dout, dtype=np.float64), np.asarray(gamma, dtype=np.float64)
    x_hat, inv_std = _statistics(x, eps)
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def _scales(dout, x, gamma, eps):
    """Per feature, the size of the terms each gradient is made of (what rounding is relative to)."""
    dout, gamma = np.abs(np.asarray(dout, dtype=np.float64)), np.abs(np.asarray(gamma, dtype=np.float64))
    x_hat, inv_std = _statistics(x, eps)
    largest = np.abs(x_hat).max(axis=0)
    return (
        gamma * inv_std * dout.max(axis=0) * (1.0 + largest**2),
        dout.sum(axis=0) * np.maximum(1.0, largest),
        dout.sum(axis=0),
    )


def _eps_text(eps, how):
    if eps is DEFAULT:
        return ""
    return f", eps={eps!r}" if how == "keyword" else f", {eps!r}"


def _inputs(args, eps):
    shown = "; ".join(f"{name} = {describe(value, 200)}" for name, value in zip(NAMES, args, strict=True))
    return f"Inputs: {shown}; eps = {1e-5 if eps is DEFAULT else eps!r}"


def _describe_call(args, eps, how):
    dout, x, gamma = args
    return (
        f"batch_norm_backward(dout ({dout.dtype}), x of shape {x.shape} ({x.dtype}), gamma ({gamma.dtype})"
        f"{_eps_text(eps, how)})"
    )


def _backward(learner, args, eps=DEFAULT, how="keyword", writable=False):
    """Call the learner; check that no input changed and the result's types and shapes. Returns
    (what, dx, dgamma, dbeta). ``writable`` passes every array writable, as a caller's own arrays are:
    code that writes only to writable arrays is seen too."""
    what = _describe_call(args, eps, how)
    sent = [Writable(value.copy()) for value in args] if writable else list(args)
    positional = sent + ([eps] if how == "position" and eps is not DEFAULT else [])
    keywords = {"eps": eps} if how == "keyword" and eps is not DEFAULT else {}
    result, after = learner.call_and_read_args("batch_norm_backward", *positional, **keywords)
    for name, before, now in zip(NAMES, args, after, strict=False):
        if not np.array_equal(now, before):
            index = tuple(int(i) for i in np.argwhere(now != before)[0])
            raise CheckFailed(
                f"{what} changed its argument {name} in place: at index {index} it held {before[index]!r} before "
                f"the call and {now[index]!r} after. Work on new arrays and leave every input as it was."
            )
    return (what, *_validated(what, result, args[1].shape))


def _validated(what, result, shape):
    """The three gradients, once their types and shapes are checked."""
    if not (isinstance(result, tuple) and len(result) == 3):
        raise CheckFailed(f"{what} must return a tuple (dx, dgamma, dbeta); got {describe(result)}")
    n, d = shape
    shapes = ((n, d), (d,), (d,))
    got = [
        assert_array(value, what=f"{what}: {part}", shape=shape, dtype=np.float64)
        for value, part, shape in zip(result, PARTS, shapes, strict=True)
    ]
    return got


def _compare(learner, args, eps=DEFAULT, how="keyword", tolerance=ATOL, expected=None, hint="", writable=False):
    """Call the learner and compare its three gradients with ``expected`` (default: the reference),
    allowing ``RTOL`` relative plus ``tolerance`` times each feature's scale."""
    what, *got = _backward(learner, args, eps, how, writable)
    return _judge(what, got, args, eps, tolerance, expected, hint)


def _judge(what, got, args, eps=DEFAULT, tolerance=ATOL, expected=None, hint=""):
    """Compare validated gradients with ``expected`` (default: the reference); return them."""
    value = 1e-5 if eps is DEFAULT else eps
    expected = _reference(*args, value) if expected is None else expected
    n = args[1].shape[0]
    for part, actual, wanted, scale in zip(PARTS, got, expected, _scales(*args, value), strict=True):
        atol = tolerance * (np.broadcast_to(scale, (n, scale.size)) if part == "dx" else scale)
        try:
            assert_close(actual, wanted, what=f"{what}: {part}", rtol=RTOL, atol=atol)
        except CheckFailed as failure:
            raise CheckFailed(f"{failure}\n{hint}{_inputs(args, eps)}") from None
    return got


# Fresh cases


def _case(rng, n, d, spread=None, centre_in_spreads=3.0):
    """(dout, x, gamma) for a batch of n examples of d features. Each feature has its own spread (by
    default at one random scale from 1e-3 to 1e3, within a factor of 10) and a centre within
    ``centre_in_spreads`` spreads of 0, so rounding in the statistics stays near 1e-15."""
    if spread is None:
        spread = 10.0 ** rng.uniform(-3, 3) * rng.uniform(0.3, 3.0, size=d)
    centre = spread * rng.uniform(-centre_in_spreads, centre_in_spreads, size=d)
    x = centre + spread * rng.standard_normal((n, d))
    gamma = rng.uniform(0.25, 2.5, size=d) * rng.choice([-1.0, 1.0], size=d)
    dout = 10.0 ** rng.uniform(-2, 2) * rng.uniform(0.3, 3.0, size=d) * rng.standard_normal((n, d))
    return dout, x, gamma


def _features(rng, n, most=32, max_entries=4096):
    return int(rng.integers(1, min(most, max_entries // n) + 1))


def _eps(rng, low=-8, high=-1):
    return float(10.0 ** rng.uniform(low, high))


# Public checks (fixed inputs)

X_EXAMPLE = np.array([[2.0, 3.0], [4.0, 3.0], [5.0, 3.0], [6.0, 3.0], [8.0, 3.0]])
GAMMA_EXAMPLE = np.array([2.0, 1.0])
DOUT_EXAMPLE = np.array([[1.0, 1.0], [0.0, -1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])


@check("Gradients match PyTorch's autograd on the worked example", points=2, public=True)
def worked_example(learner, rng):
    _compare(learner, (DOUT_EXAMPLE, X_EXAMPLE, GAMMA_EXAMPLE))


@check(
    "Gradients on a fixed batch of 6 examples and 3 features, eps given and left at its default", points=2, public=True
)
def fixed_batch(learner, rng):
    gen = np.random.default_rng(6)
    x = gen.normal(size=(6, 3)) * gen.uniform(0.5, 3.0, size=3) + gen.normal(size=3)
    gamma, dout = gen.uniform(0.5, 2.0, size=3) * np.array([1.0, -1.0, 1.0]), gen.normal(size=(6, 3))
    _compare(learner, (dout, x, gamma))
    _compare(learner, (dout, x, gamma), eps=1e-3)


# Hidden checks (fresh cases from rng)


@check("Sixty to a hundred calls in a row, one with x and dout views not in C order", points=1)
def many_calls(learner, rng):
    """60 to 100 small cases in one round trip, eps drawn as elsewhere, eight of them (at random places)
    with each of the eight ways of giving the three arrays in float32 or float64, and x and dout of one
    case (at a random place) transposed views: a submission whose behaviour changes after some number of
    calls (up to 60 or more: this is the first hidden check, so every later check's calls come after
    these), with the mix of dtypes or with the memory layout of its arguments meets judged calls. Batches
    of 4 or more examples keep the rounding bound of the module's docstring below 1e-12 per feature."""
    cases = []
    for _ in range(int(rng.integers(60, 101))):
        n = int(rng.integers(4, 17))
        cases.append((_case(rng, n, _features(rng, n, most=8)), _eps(rng)))
    places = rng.permutation(len(cases)).tolist()
    for index, kinds in zip(places[:8], np.ndindex(2, 2, 2), strict=False):
        args = tuple(a.astype(np.float32) if kind else a for a, kind in zip(cases[index][0], kinds, strict=True))
        cases[index] = (args, cases[index][1])
    # Another case than the eight; a view with one feature is in C order too: the viewed case gets at least two.
    viewed = places[8]
    n = int(rng.integers(4, 17))
    cases[viewed] = (_case(rng, n, int(rng.integers(2, 9))), cases[viewed][1])
    calls = []
    for index, ((dout, x, gamma), eps) in enumerate(cases):
        if index == viewed:
            dout, x = (
                learner.environment("transposed", np.ascontiguousarray(a.T), as_handle=True).handle for a in (dout, x)
            )
        calls.append((dout, x, gamma, eps))
    replies = learner.map("batch_norm_backward", calls)
    for index, ((args, eps), reply) in enumerate(zip(cases, replies, strict=True)):
        layout = ", x and dout transposed views" if index == viewed else ""
        what = f"call {index + 1} of {len(cases)} in a row{layout}: {_describe_call(args, eps, 'position')}"
        _judge(what, _validated(what, reply.value, args[1].shape), args, eps)


@check("Gradients match on new shapes, including one shape twice with different values", points=3)
def new_shapes(learner, rng):
    """A batch of 17 to 256 examples, twice with the same shape and new values, then one of 3 to 16."""
    n = int(rng.integers(17, 257))
    d = _features(rng, n, most=16)
    for shape, how in (((n, d), "keyword"), ((n, d), "position")):
        _compare(learner, _case(rng, *shape), _eps(rng), how)
    n = int(rng.integers(3, 17))
    _compare(learner, _case(rng, n, _features(rng, n)), _eps(rng), "keyword")


@check("dx, dgamma and dbeta are the gradient of a random scalar loss (central differences)", points=2)
def gradient_of_a_loss(learner, rng):
    """The loss is ``L = sum(A out + B out^2 / 2)`` for random A and B, with ``out`` the forward output
    for a random ``beta``, so ``dout = A + B out``. The learner's gradients are compared with central
    differences of L, taken here in float64, independently of ``_reference``. Variances are 1 to 1e6
    times eps, so the paths through the variance and the mean both weigh.

    L is a sum of per-feature terms, so moving one example's row (every feature at once) gives that
    example's partial derivatives for every feature; gamma and beta likewise. L is quadratic in gamma
    and beta, so their central differences are exact up to rounding (below 1e-12 of the scale). For x
    the step is 1e-4 of a standard deviation: the truncation error is of order 1e-8 of the scale and
    rounding (1e-16 of L over a step of 1e-4) below 1e-9 of it with N <= 64 and |gamma| >= 0.25.
    Measured over 40000 cases the difference from the closed form stayed below 5e-9 of the scale; the
    tolerance is 1e-7 of it. In the same cases the mistakes the check exists for (the path through the
    mean or the variance left out, or of the wrong sign; only the direct path; gamma forgotten in dx;
    the unbiased variance) were off by 1.5e-5 of the scale or more (the typical error is of order 1),
    and the checks against the closed form see them at 1e-9."""
    n = int(rng.integers(3, 65))
    d = _features(rng, n, most=16)
    eps = _eps(rng)
    dout, x, gamma = _case(rng, n, d, spread=np.sqrt(eps * 10.0 ** rng.uniform(0, 6)) * rng.uniform(0.3, 3.0, size=d))
    beta = rng.uniform(-2, 2, size=gamma.shape)
    weights = (rng.standard_normal(x.shape), rng.standard_normal(x.shape) * rng.uniform(0.1, 1.0))
    dout = weights[0] + weights[1] * _forward(x, gamma, beta, eps)
    numeric = _finite_differences(x, gamma, beta, eps, weights)
    hint = "The expected values are central differences of a scalar loss whose gradient with respect to out is dout.\n"
    _compare(learner, (dout, x, gamma), eps, "keyword", tolerance=1e-7, expected=numeric, hint=hint)


def _forward(x, gamma, beta, eps):
    """Training-mode batch norm over the second-to-last axis (any leading axes are separate batches)."""
    centred = x - x.mean(axis=-2, keepdims=True)
    return centred / np.sqrt((centred * centred).mean(axis=-2, keepdims=True) + eps) * gamma + beta


def _losses(x, gamma, beta, eps, weights):
    """Each feature's term of the loss, for every batch in x's leading axes."""
    out = _forward(x, gamma, beta, eps)
    return (weights[0] * out + weights[1] * out * out / 2).sum(axis=-2)


def _finite_differences(x, gamma, beta, eps, weights):
    """Central differences of the loss: (dx, dgamma, dbeta)."""
    n = x.shape[0]
    step = 1e-4 * np.sqrt(x.var(axis=0) + eps)
    moved = np.eye(n)[:, :, None] * step  # moved[k]: row k shifted by one step in every feature
    dx = (_losses(x + moved, gamma, beta, eps, weights) - _losses(x - moved, gamma, beta, eps, weights)) / (2 * step)
    parts = [dx]
    for which in (0, 1):
        size = 1e-3 * np.maximum(1.0, np.abs(gamma if which == 0 else beta))
        up = [gamma, beta]
        down = [gamma, beta]
        up[which], down[which] = up[which] + size, down[which] - size
        parts.append((_losses(x, *up, eps, weights) - _losses(x, *down, eps, weights)) / (2 * size))
    return tuple(parts)


@check("A batch of two examples, with variances comparable to eps", points=1)
def two_examples(learner, rng):
    """With N = 2, dx is of order eps / var of its terms: variances from 0.1 to 100 eps keep it large."""
    eps = _eps(rng, -6, -1)
    d = _features(rng, 2)
    spread = np.sqrt(eps * 10.0 ** rng.uniform(-1, 2, size=d))
    _compare(learner, _case(rng, 2, d, spread=spread), eps, "keyword")


@check("eps is added to the variance inside the square root", points=1)
def eps_inside_sqrt(learner, rng):
    """Variances from 1e-3 to 30 times eps: sqrt(var + eps), sqrt(var) + eps and sqrt(var) differ by
    far more than rounding there."""
    eps = _eps(rng, -6, -2)
    n = int(rng.integers(3, 65))
    d = _features(rng, n)
    spread = np.sqrt(eps * 10.0 ** rng.uniform(-3, 1.5, size=d))
    _compare(learner, _case(rng, n, d, spread=spread), eps, "position")


@check("eps defaults to 1e-5, and a tiny eps is used as given", points=1)
def default_and_tiny_eps(learner, rng):
    """The default with variances from 0.1 to 10 times 1e-5; then eps from 1e-12 to 1e-10 with variances
    10 to 1e4 times eps, where ignoring eps changes dx by 5e-5 of its scale or more."""
    n = int(rng.integers(3, 65))
    d = _features(rng, n)
    _compare(learner, _case(rng, n, d, spread=np.sqrt(1e-5 * 10.0 ** rng.uniform(-1, 1, size=d))))
    eps = _eps(rng, -12, -10)
    n = int(rng.integers(3, 65))
    d = _features(rng, n)
    spread = np.sqrt(eps * 10.0 ** rng.uniform(1, 4, size=d))
    _compare(learner, _case(rng, n, d, spread=spread), eps, "position")


@check("A constant feature (variance 0): eps keeps the gradient finite", points=1)
def constant_feature(learner, rng):
    n = int(rng.integers(3, 65))
    d = _features(rng, n, most=16)
    dout, x, gamma = _case(rng, n, d)
    constant = rng.random(d) < 0.5
    constant[int(rng.integers(d))] = True
    # Values with few significant bits: every way of taking the mean gives the value exactly, so x_hat
    # is 0 there; with eps >= 1e-5 even an inexact mean would keep x_hat below 1e-10.
    values = rng.integers(-64, 65, size=d) * 2.0 ** rng.integers(-6, 1, size=d)
    x[:, constant] = values[constant]
    _compare(learner, (dout, x, gamma), _eps(rng, -5, -1), "keyword")


@check("Accurate when a feature has a large mean and a small spread", points=1)
def large_offset(learner, rng):
    """Means from 10^6.5 to 10^7 (either sign) with spreads from 10^-2.5 to 10^-2, eps = 1e-12. A centred
    computation loses at most about n * 1.1e-16 * |mean| / spread <= 64 * 1.1e-16 * 10^9.5 = 2.2e-5 of a
    standard deviation in x_hat, so of the scale in each gradient: the tolerance is 1e-3 of it.
    E[x^2] - E[x]^2 subtracts two numbers above 1e13, whose difference is a multiple of 2^-9 = 2e-3,
    while the true variance is below 1e-3 (spreads are at most 1e-2, and a batch of 8 or more has a
    sample variance above 10 times its spread's square with probability below 1e-12): it comes out 0,
    negative or at least twice too large, and every gradient is then wrong by far more than the
    tolerance."""
    n = int(rng.integers(8, 65))
    d = _features(rng, n, most=8)
    offset = 10.0 ** rng.uniform(6.5, 7.0, size=d) * rng.choice([-1.0, 1.0], size=d)
    dout, x, gamma = _case(rng, n, d, spread=10.0 ** rng.uniform(-2.5, -2.0, size=d), centre_in_spreads=0.0)
    hint = "Centre the batch before squaring.\n"
    _compare(learner, (dout, offset + x, gamma), 1e-12, "keyword", tolerance=1e-3, hint=hint)


@check("float32 inputs give float64 gradients of the float32 values", points=1)
def float32_inputs(learner, rng):
    """All three arrays in float32, then each in float32 or float64 at random (not all float64). At least
    64 entries each: float32 arithmetic rounds each entry by up to 6e-8 of it, so it cannot pass 1e-9."""
    mixed = rng.random(3) < 0.5
    while mixed.all():
        mixed = rng.random(3) < 0.5
    for kinds in (np.zeros(3, dtype=bool), mixed):
        n = int(rng.integers(16, 129))
        d = int(rng.integers(4, 17))
        args = tuple(a if wide else a.astype(np.float32) for a, wide in zip(_case(rng, n, d), kinds, strict=True))
        _compare(learner, args, _eps(rng), "keyword")


@check("One example raises ValueError", points=1)
def single_example(learner, rng):
    d = int(rng.integers(1, 17))
    dout, x, gamma = _case(rng, 1, d)
    call = f"batch_norm_backward(dout, x of shape {x.shape}, gamma)"
    try:
        learner.batch_norm_backward(dout, x, gamma, _eps(rng))
    except LearnerError as error:
        if not error.is_a("ValueError"):
            raise CheckFailed(f"{call} should raise ValueError, but raised {error.type}: {error.message}") from None
        return
    raise CheckFailed(
        f"{call} should raise ValueError (the forward pass refuses one example in training), but it returned"
    )


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    # Read-only and writable (as a caller's own arrays are: code that writes only to writable arrays is seen).
    for writable in rng.permutation([False, True]).tolist():
        n = int(rng.integers(3, 65))
        _compare(learner, _case(rng, n, _features(rng, n)), _eps(rng), "keyword", writable=bool(writable))
