"""Hidden checks for the bias-variance decomposition.

Every hidden case is drawn from ``rng``, seeded from a secret fresh for each grading: the number of
models (1 to 400, and 1 000 to 30 000 at a few points) and of points (1 to 600, and 1 000 to 15 000
for a few models), which of the two is larger, the level, bias and spread
of the predictions (per point), large common offsets (predictions around 1e4 to 1e7 that differ by
about 1, near or far from ``y_true``), and realistic predictions of many polynomial models fitted to
freshly drawn training sets. A submission cannot recognise or memorise the cases; a failure message
gives the case's shape and parameters, the expected and returned values and the tolerance.

Expected values are recomputed here from the definitions in the statement (two-pass: mean over
models, then the deviations). The tolerance is a bound on the rounding error of a float64 two-pass
or streaming (Welford) computation with ``n_models`` models whose entries are at most ``M`` in
magnitude: with ``D = 8 (n_models + 2) eps M`` (the error of a mean over models),

- bias²: ``r * bias² + 2 * sqrt(bias²) * D + D²``,
- variance: ``r * variance + 2 * sqrt(variance) * D + D²``,

where ``r = 4 (n_models + n_points + 4) eps`` covers the sums. Float32 arithmetic, subsampling, or
``E[p²] - E[p]²`` and ``MSE - bias²`` (which lose the digits of a small variance under a large
offset, an error near ``eps * M²``) land outside.

Array arguments are read-only in the learner's process (a write there fails the check) or, at random,
writable as a caller's own arrays are, and every call but those of ``many_calls`` is made with
``call_and_read_args``: after each call this side also reads both arguments back from the memory it
shares with that process, so an input modified in place is seen on any call. ``many_calls`` makes 40
to 60 more calls in one batch, at magnitudes from 1e-100 to 1e100, so a result right only for the first
calls of a process or only at ordinary magnitudes fails.
Every value returned is checked, so state kept between calls cannot hide anything.

Nothing is statistical: a correct solution is never rejected (false-rejection rate 0).
"""

import math
import numbers

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, check, describe

EPS = float(np.finfo(np.float64).eps)


# Expected values and comparison


def _expected(predictions, y_true):
    mean_prediction = predictions.mean(axis=0)
    bias_squared = float(np.mean((mean_prediction - y_true) ** 2))
    variance = float(np.mean(((predictions - mean_prediction) ** 2).mean(axis=0)))
    return bias_squared, variance


def _tolerance(value, predictions, y_true):
    n_models, n_points = predictions.shape
    magnitude = max(float(np.abs(predictions).max()), float(np.abs(y_true).max()))
    mean_error = 8 * (n_models + 2) * EPS * magnitude
    relative = 4 * (n_models + n_points + 4) * EPS
    return relative * value + 2 * math.sqrt(value) * mean_error + mean_error**2


def _number(value, what):
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    raise CheckFailed(f"{what}: expected a single float, got {type(value).__name__}: {describe(value)}")


def _decompose(learner, rng, predictions, y_true, about):
    """Call the learner (checking both inputs are untouched) and return (what, bias², variance)."""
    what = f"bias_variance_decomposition(predictions of shape {predictions.shape}, y_true) on {about}"
    try:
        # Each input is passed writable (as a caller's own array is) or read-only, at random: code that
        # changes an input in place only where it can is seen on about half of the calls.
        sent = [Writable(a) if rng.random() < 0.5 else a for a in (predictions, y_true)]
        result, after = learner.call_and_read_args("bias_variance_decomposition", *sent)
    except LearnerError as error:
        if error.is_a("MemoryError"):
            raise  # the runner reports memory_limit_exceeded
        raise CheckFailed(f"{what} raised {error.type}: {error.message}") from None
    for name, before, now in (("predictions", predictions, after[0]), ("y_true", y_true, after[1])):
        if not np.array_equal(before, now):
            index = tuple(int(i) for i in np.argwhere(before != now)[0])
            raise CheckFailed(
                f"{what} modified {name} in place: {name}{list(index)} was {float(before[index])!r} before the call "
                f"and {float(now[index])!r} after. Never modify an input; compute new arrays"
            )
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise CheckFailed(f"{what} must return a tuple (bias_squared, variance); got {describe(result)}")
    return what, _number(result[0], f"{what}: bias_squared"), _number(result[1], f"{what}: variance")


def _compare(learner, rng, predictions, y_true, about):
    what, bias_squared, variance = _decompose(learner, rng, predictions, y_true, about)
    expected_bias, expected_variance = _expected(predictions, y_true)
    for name, got, expected in (
        ("bias_squared", bias_squared, expected_bias),
        ("variance", variance, expected_variance),
    ):
        tolerance = _tolerance(expected, predictions, y_true)
        if not abs(got - expected) <= tolerance:
            raise CheckFailed(
                f"{what}: {name} should be {expected!r}, got {got!r} (allowed difference {tolerance:.3g}: "
                "the rounding error of a float64 computation of the definition)"
            )
    return bias_squared, variance


# Cases


def _predictions(rng, n_models, n_points, offset=0.0):
    """Predictions of ``n_models`` models at ``n_points`` points: a level, a bias and a spread per point."""
    y_true = offset + rng.normal(0.0, 10.0 ** rng.uniform(-1, 2), size=n_points)
    bias = rng.normal(0.0, 10.0 ** rng.uniform(-2, 1), size=n_points)
    spread = 10.0 ** rng.uniform(-2, 1, size=n_points)
    return y_true + bias + spread * rng.standard_normal((n_models, n_points)), y_true


def _shape(rng, most_models=400, most_points=600):
    while True:
        n_models = int(10.0 ** rng.uniform(0, math.log10(most_models)))
        n_points = int(10.0 ** rng.uniform(0, math.log10(most_points)))
        if n_models * n_points <= 40_000:
            return n_models, n_points


WORKED = (np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 5.0]]), np.array([2.0, 2.0, 3.0]))


@check("Worked example from the statement", points=2, public=True)
def worked_example(learner, rng):
    _compare(learner, rng, *WORKED, "the worked example")


@check("bias² + variance equals the mean squared error over models and points", points=1, public=True)
def decomposition_adds_up(learner, rng):
    predictions, y_true = _predictions(rng, 8, 12)
    what, bias_squared, variance = _decompose(learner, rng, predictions, y_true, "8 models and 12 points")
    mse = float(np.mean((predictions - y_true) ** 2))
    if not abs(bias_squared + variance - mse) <= 1e-12 * mse:
        raise CheckFailed(
            f"{what}: bias_squared + variance = {bias_squared + variance!r} should equal the mean squared error "
            f"{mse!r} (relative tolerance 1e-12); bias_squared = {bias_squared!r}, variance = {variance!r}"
        )


@check("Matches the definitions on fresh predictions of many shapes", points=2)
def matches_definitions(learner, rng):
    shapes = [_shape(rng) for _ in range(4)]
    # Many models at a few points and a few models at many points (30 000 entries at most: the last shape
    # below reaches the statement's 150 000).
    few = int(rng.integers(1, 30)), int(rng.integers(2, 10))
    shapes += [(int(10.0 ** rng.uniform(3.0, math.log10(30_000 / few[0]))), few[0])]
    shapes += [(few[1], int(10.0 ** rng.uniform(3.0, math.log10(30_000 / few[1]))))]
    shapes.append((int(rng.integers(150, 250)), int(rng.integers(400, 600))))
    for n_models, n_points in shapes:
        _compare(learner, rng, *_predictions(rng, n_models, n_points), f"{n_models} models and {n_points} points")


@check("A single model has variance 0; a single point works", points=1)
def single_model_or_point(learner, rng):
    n_points = int(rng.integers(1, 200))
    _compare(learner, rng, *_predictions(rng, 1, n_points), f"1 model and {n_points} points")
    n_models = int(rng.integers(2, 300))
    _compare(learner, rng, *_predictions(rng, n_models, 1), f"{n_models} models and 1 point")
    _compare(learner, rng, *_predictions(rng, 1, 1), "1 model and 1 point")


@check("Models that are right on average have bias 0; identical models have variance 0", points=1)
def zero_bias_and_zero_variance(learner, rng):
    n_pairs, n_points = int(rng.integers(1, 100)), int(rng.integers(1, 200))
    y_true = rng.normal(0.0, 10.0, size=n_points)
    # Deviations in +/- pairs: the mean over models is y_true up to rounding.
    deviations = rng.normal(0.0, 10.0 ** rng.uniform(-1, 1), size=(n_pairs, n_points))
    right_on_average = y_true + np.concatenate([deviations, -deviations])
    _compare(learner, rng, right_on_average, y_true, f"{2 * n_pairs} models right on average at {n_points} points")
    row = y_true + rng.normal(0.0, 1.0, size=n_points)
    n_models = int(rng.integers(2, 300))
    _compare(learner, rng, np.tile(row, (n_models, 1)), y_true, f"{n_models} identical models at {n_points} points")


@check("Predictions far from zero that differ by little: the variance keeps its digits", points=2)
def large_offsets(learner, rng):
    """Predictions around 1e6..1e8 whose differences are about 1, near y_true (small bias) and far
    from it (bias of the size of the offset). E[p²] - E[p]² or MSE - bias² loses the variance's digits
    here: an error near eps * offset² (above 1e-4), hundreds of times the tolerance (below 1e-6 * offset / 1e6)."""
    for near in (True, False, True):
        n_models, n_points = int(rng.integers(3, 300)), int(rng.integers(1, 50))
        offset = float(rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(6, 8))
        predictions = offset + rng.normal(0.0, 1.0, size=n_points) + rng.standard_normal((n_models, n_points))
        y_true = (offset if near else 0.0) + rng.normal(0.0, 1.0, size=n_points)
        where = "y_true near them too" if near else "y_true near 0"
        about = (
            f"{n_models} models and {n_points} points, predictions near {offset:.3g} that differ by about 1, {where}"
        )
        _compare(learner, rng, predictions, y_true, about)


def _fitted_models(rng, n_models, n_points, degree):
    """Predictions at a grid of polynomials of ``degree`` fitted to ``n_models`` fresh training sets."""
    frequency, noise = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0.1, 0.6))
    grid = np.linspace(-0.95, 0.95, n_points)
    y_true = np.sin(np.pi * frequency * grid)
    n_train = int(rng.integers(degree + 8, 60))
    x = rng.uniform(-1.0, 1.0, size=(n_models, n_train))
    y = np.sin(np.pi * frequency * x) + noise * rng.standard_normal((n_models, n_train))
    basis = np.polynomial.legendre.legvander(x, degree)  # (models, train, degree + 1), well conditioned
    gram = np.einsum("mti,mtj->mij", basis, basis)
    coefficients = np.linalg.solve(gram, np.einsum("mti,mt->mi", basis, y)[..., None])[..., 0]
    # einsum, not @: a product this size would make OpenBLAS wake threads on a busy machine.
    return np.einsum("mi,pi->mp", coefficients, np.polynomial.legendre.legvander(grid, degree)), y_true


@check("Predictions of many fitted models: a rigid family (high bias) and a flexible one (high variance)", points=1)
def fitted_models(learner, rng):
    n_points = int(rng.integers(10, 120))
    for degree in (int(rng.integers(0, 2)), int(rng.integers(7, 12))):
        n_models = int(rng.integers(20, 300))
        predictions, y_true = _fitted_models(rng, n_models, n_points, degree)
        _compare(
            learner, rng, predictions, y_true, f"{n_models} fitted polynomials of degree {degree} at {n_points} points"
        )


@check("Inputs are never modified in place", points=1)
def inputs_untouched(learner, rng):
    # Every call of every check reads both arguments back; this check makes two more calls.
    for _ in range(2):
        n_models, n_points = _shape(rng)
        _compare(learner, rng, *_predictions(rng, n_models, n_points), f"{n_models} models and {n_points} points")


@check("Many calls in a row, on predictions of any magnitude", points=1)
def many_calls(learner, rng):
    """40 to 60 calls in one batch, all of one small shape (2 to 6 models, so that the variance shows;
    1 to 6 points), each call's predictions and targets scaled by its own factor from 1e-100 to 1e100
    (log-uniform; a quarter of the calls keep a factor of 1): a result that is right only for the first
    calls of a process, or only at the magnitudes the other checks use, fails. Judged as ``_compare``
    judges, every call at once."""
    n, n_models, n_points = int(rng.integers(40, 61)), int(rng.integers(2, 7)), int(rng.integers(1, 7))
    scale = np.where(rng.random((n, 1, 1)) < 0.25, 1.0, 10.0 ** rng.uniform(-100, 100, size=(n, 1, 1)))
    y_true = rng.normal(0.0, 10.0, size=(n, 1, n_points))
    predictions = y_true + rng.normal(0.0, 3.0, size=(n, 1, n_points)) + rng.standard_normal((n, n_models, n_points))
    predictions, y_true = predictions * scale, (y_true * scale)[:, 0]
    replies = learner.map("bias_variance_decomposition", [(predictions[i], y_true[i]) for i in range(n)])
    got = np.empty((n, 2))
    for i, reply in enumerate(replies):
        what = f"call {i + 1} of {n}: bias_variance_decomposition(predictions of shape {(n_models, n_points)}, y_true)"
        result = reply.value_in(what)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise CheckFailed(f"{what} must return a tuple (bias_squared, variance); got {describe(result)}")
        got[i] = _number(result[0], f"{what}: bias_squared"), _number(result[1], f"{what}: variance")
    mean_prediction = predictions.mean(axis=1)
    expected = np.stack(
        [
            np.mean((mean_prediction - y_true) ** 2, axis=1),
            np.mean(((predictions - mean_prediction[:, None]) ** 2).mean(axis=1), axis=1),
        ],
        axis=1,
    )
    magnitude = np.maximum(np.abs(predictions).max(axis=(1, 2)), np.abs(y_true).max(axis=1))[:, None]
    mean_error = 8 * (n_models + 2) * EPS * magnitude
    tolerance = 4 * (n_models + n_points + 4) * EPS * expected + 2 * np.sqrt(expected) * mean_error + mean_error**2
    bad = ~(np.abs(got - expected) <= tolerance)
    if bad.any():
        i, j = (int(index) for index in np.argwhere(bad)[0])
        raise CheckFailed(
            f"call {i + 1} of {n}: bias_variance_decomposition(predictions={describe(predictions[i])}, "
            f"y_true={describe(y_true[i])}): {('bias_squared', 'variance')[j]} should be {expected[i, j]!r}, got "
            f"{got[i, j]!r} (allowed difference {tolerance[i, j]:.3g}: float64 rounding of the definition)"
        )
