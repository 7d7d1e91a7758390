"""Hidden checks for ridge regression with an unpenalised intercept.

Every hidden case is drawn from ``rng``, seeded from a secret fresh for each grading: the number of
samples (1 to 6000) and features (1 to 60, fewer or more than the samples), feature scales from
1e-3 to 1e3, correlated and nearly collinear features, column means far from zero, the level of
``y``, and ``alpha``: 0 (least squares, on tall well-conditioned data only), or 1e-8 to 1e12 times
the data's scale (the trace of ``Xc.T Xc``). A submission cannot recognise or memorise the cases; a
failure message gives the case's shape, alpha, the first entry that differs, the expected and
returned values and the tolerance.

scikit-learn is not installed in the worker, so ``Ridge(alpha, fit_intercept=True)`` is recomputed
here from its definition: centre X and y, solve ``(Xc.T Xc + alpha I) coef = Xc.T yc`` and set
``intercept = mean(y) - mean(X) @ coef``.

The tolerance fits the conditioning of each case, for every usual way of computing the answer:

- Solving a symmetric positive definite system ``M theta = r`` with Cholesky or LU gives an error of
  about ``eps * cond(M_s) * (||D theta|| + ||D^-1 r||) / D_i`` in entry ``i``, where
  ``D = sqrt(diag(M))`` and ``M_s = D^-1 M D^-1`` (blind to the units of the features). This is taken
  for the centred system and for the uncentred one with an unpenalised column of ones.
- Least squares (QR or SVD) on ``[[1, X], [0, sqrt(alpha) I]]`` is accurate in norm over
  ``(intercept, coef)``, not entry by entry (see ``_Expected``).

The largest of these bounds, times ``K``, is the tolerance of each entry; ``K`` is far above what
correct float64 solvers reach (measured, see ``K``). Cases whose scaled condition number is too large
to judge a solution are drawn again. Float32, approximate or iterative solvers, a slightly different
penalty (an extra ``1e-8 * trace / p`` on the diagonal) or a subsample of the rows land outside.

Array arguments are read-only in the learner's process (a write there fails the check) or, at random,
writable as a caller's own arrays are, and every call but those of ``many_calls`` is made with
``call_and_read_args``: after each call this side also reads ``X`` and ``y`` back from the memory it
shares with that process, so an input modified in place is seen on any call. In ``matches_ridge``
the long X and the wide X with many features reach the learner as transposed views (not in C order).
``many_calls`` makes 60 to 80 more small fits in one batch, at scales from 1e-50 to 1e50, so a result
right only for the first calls of a process or only at ordinary scales fails.
Every value returned is checked, so state kept between calls cannot hide anything.

Nothing is statistical: a correct solution is never rejected (false-rejection rate 0).
"""

import math
import numbers

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, check, describe

ENVIRONMENT = """
def transposed(x):
    # A view whose memory is not in C order, as a caller's X.T is.
    return x.T
"""

EPS = float(np.finfo(np.float64).eps)
# Measured with K = 1 over 2000 to 4200 hidden cases per solver: np.linalg.solve, Cholesky and inv
# (the dual form for wide data), the SVD, torch.linalg.solve and lstsq on [Xc; sqrt(alpha) I] reach
# at most 1.2 times the bound; an unpenalised column of ones solved with LU 3.0, pinv 4.9, and lstsq
# on the stacked system with a column of ones 5.3. K = 512 leaves a margin of about 100.
K = 512.0
# Cases whose scaled condition number exceeds this are drawn again: their answers are too sensitive
# to rounding to tell a correct solver from a wrong one.
MAX_CONDITION = 1e9


# Expected values and tolerances


class _Expected:
    """Ridge's answer for one case, with the allowed error of each entry (see the module docstring)."""

    def __init__(self, X, y, alpha):
        n, p = X.shape
        x_mean, y_mean = X.mean(axis=0), float(y.mean())
        Xc, yc = X - x_mean, y - y_mean
        centred, centred_rhs = Xc.T @ Xc + alpha * np.eye(p), Xc.T @ yc
        self.coef = np.linalg.solve(centred, centred_rhs)
        self.intercept = y_mean - float(x_mean @ self.coef)
        theta = np.concatenate([[self.intercept], self.coef])
        # The uncentred system with a column of ones, [1 X].T [1 X] + diag(0, alpha I), from the centred one.
        uncentred = np.empty((p + 1, p + 1))
        uncentred[0, 0] = n
        uncentred[0, 1:] = uncentred[1:, 0] = n * x_mean
        uncentred[1:, 1:] = centred + n * np.outer(x_mean, x_mean)
        uncentred_rhs = np.concatenate([[n * y_mean], centred_rhs + n * y_mean * x_mean])
        d_centred, d_uncentred = np.sqrt(np.diag(centred)), np.sqrt(np.diag(uncentred))
        # The spectra of both scaled systems and of the uncentred one, in one call. The scaled centred
        # matrix is padded with a 1 on the diagonal, which lies within its spectrum (its diagonal is 1).
        spectra = np.zeros((3, p + 1, p + 1))
        spectra[0, 0, 0] = 1.0
        spectra[0, 1:, 1:] = centred / np.outer(d_centred, d_centred)
        spectra[1] = scaled_uncentred = uncentred / np.outer(d_uncentred, d_uncentred)
        spectra[2] = uncentred
        eigenvalues = np.linalg.eigvalsh(spectra)
        smallest = np.maximum(eigenvalues[:, 0], EPS * eigenvalues[:, -1])
        self.condition = float(max(eigenvalues[0, -1] / smallest[0], eigenvalues[1, -1] / smallest[1]))
        # Cholesky or LU, blind to the units of the columns: eps cond(M_s) (||D theta|| + ||D^-1 r||) / D_i.
        centred_bound = (
            EPS
            * (eigenvalues[0, -1] * np.linalg.norm(d_centred * self.coef) + np.linalg.norm(centred_rhs / d_centred))
            / smallest[0]
            / d_centred
        )
        uncentred_bound = (
            EPS
            * (eigenvalues[1, -1] * np.linalg.norm(d_uncentred * theta) + np.linalg.norm(uncentred_rhs / d_uncentred))
            / smallest[1]
            / d_uncentred
        )
        # Least squares (QR or SVD) on S = [[1, X], [0, sqrt(alpha) I]] is backward stable in norm,
        # ||dS|| <= sqrt(p + 1) eps ||S||, which moves entry i by about that times ||theta|| ||(S.T S)^-1/2 e_i||:
        # a small coefficient next to a large intercept is only accurate relative to the intercept.
        # (The inverse's diagonal comes from the scaled matrix, accurate for judged cases; eigh would
        # do too, but it starts BLAS threads, which cost milliseconds on a busy machine.)
        inverse_diagonal = np.abs(np.diag(np.linalg.inv(scaled_uncentred))) / d_uncentred**2
        stacked_bound = (
            EPS * math.sqrt((p + 1) * eigenvalues[2, -1]) * np.linalg.norm(theta) * np.sqrt(inverse_diagonal)
        )
        uncentred_bound = np.maximum(uncentred_bound, stacked_bound)
        self.coef_tolerance = K * np.maximum(centred_bound, uncentred_bound[1:])
        from_coef = np.abs(x_mean) @ centred_bound + EPS * (abs(y_mean) + np.abs(x_mean) @ np.abs(self.coef))
        self.intercept_tolerance = K * max(float(uncentred_bound[0]), float(from_coef))


def _judgeable(X, y, alpha):
    try:
        expected = _Expected(X, y, alpha)
    except np.linalg.LinAlgError:  # an exactly singular draw: draw again
        return None
    return expected if expected.condition <= MAX_CONDITION else None


# Cases


def _data(rng, n, p, *, scales=2.0, mixing=2.0, offsets=1.5, level=3.0, collinear=False):
    """Features on scales 10**(+-scales), mixed (correlated) up to ``mixing``, with column means up to
    10**offsets times their scale; y linear in X plus a level up to 10**level and noise. With
    ``collinear``, up to a third of the columns are another column times a factor, plus a relative
    difference of 1e-6 to 1e-2."""
    scale = 10.0 ** rng.uniform(-scales, scales, size=p)
    mix = np.eye(p) + rng.uniform(0.0, mixing) * rng.standard_normal((p, p)) / math.sqrt(p)
    means = np.sign(rng.uniform(-1.0, 1.0, size=p)) * scale * 10.0 ** rng.uniform(-1.0, offsets, size=p)
    Z = rng.standard_normal((n, p)) @ mix
    if collinear and p > 1:
        for column in rng.choice(p, size=int(rng.integers(1, p // 3 + 2)), replace=False):
            other = int(rng.integers(p))
            if other != column:
                noise = 10.0 ** rng.uniform(-6, -2) * rng.standard_normal(n)
                Z[:, column] = Z[:, other] * rng.uniform(-2.0, 2.0) + noise * np.std(Z[:, other])
    X = Z * scale + means
    y = X @ (rng.standard_normal(p) / scale) + rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-1.0, level)
    return X, y + rng.uniform(0.01, 2.0) * rng.standard_normal(n)


def _alpha(rng, X, low=-6.0, high=4.0):
    """alpha from 10**low to 10**high times the trace of Xc.T Xc (the data's scale; at least 1e-300)."""
    trace = float(np.square(X - X.mean(axis=0)).sum())
    return max(trace, 1e-300) * 10.0 ** rng.uniform(low, high)


def _case(rng, n, p, low=-6.0, high=4.0, **data):
    while True:
        X, y = _data(rng, n, p, **data)
        alpha = _alpha(rng, X, low, high)
        expected = _judgeable(X, y, alpha)
        if expected is not None:
            return X, y, alpha, expected


# Calling the learner


def _fit(learner, rng, X, y, alpha, view=False):
    """With ``view``, X reaches the learner as a transposed view (built there, so it is not read back)."""
    what = f"ridge_fit(X of shape {X.shape}{' (a transposed view)' if view else ''}, y, alpha={alpha!r})"
    sent = _shared(rng, X, y)
    if view:
        sent[0] = learner.environment("transposed", np.ascontiguousarray(X.T), as_handle=True).handle
    try:
        result, after = learner.call_and_read_args("ridge_fit", *sent, alpha)
    except LearnerError as error:
        if error.is_a("MemoryError"):
            raise  # the runner reports memory_limit_exceeded
        raise CheckFailed(f"{what} raised {error.type}: {error.message}") from None
    _untouched(what, X, y, [X if view else after[0], after[1]])
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise CheckFailed(f"{what} must return a tuple (coef, intercept); got {type(result).__name__}")
    coef, intercept = result
    if not isinstance(coef, np.ndarray):
        raise CheckFailed(f"{what}: coef must be a NumPy array, got {type(coef).__name__}: {describe(coef)}")
    if coef.dtype != np.float64 or coef.shape != (X.shape[1],):
        raise CheckFailed(
            f"{what}: coef must be a float64 array of shape ({X.shape[1]},), got dtype {coef.dtype} shape {coef.shape}"
        )
    if isinstance(intercept, np.ndarray) and intercept.shape == () and intercept.dtype.kind in "iuf":
        intercept = intercept[()]
    if not isinstance(intercept, numbers.Real) or isinstance(intercept, (bool, np.bool_)):
        raise CheckFailed(
            f"{what}: intercept must be a single float, got {type(intercept).__name__}: {describe(intercept)}"
        )
    return what, coef, float(intercept)


def _shared(rng, *arrays):
    """Each array passed writable (as a caller's own array is) or read-only, at random: code that changes an
    input in place only where it can is seen on about half of the calls."""
    return [Writable(array) if rng.random() < 0.5 else array for array in arrays]


def _untouched(what, X, y, after):
    for name, before, now in (("X", X, after[0]), ("y", y, after[1])):
        if not np.array_equal(before, now):
            index = tuple(int(i) for i in np.argwhere(before != now)[0])
            raise CheckFailed(
                f"{what} modified {name} in place: {name}{list(index)} was {float(before[index])!r} before the call "
                f"and {float(now[index])!r} after. Never modify an input; centre copies"
            )


def _compare(learner, rng, X, y, alpha, expected, about, view=False):
    what, coef, intercept = _fit(learner, rng, X, y, alpha, view)
    what = f"{what} on {about}"
    why = f"tolerance set by this case's conditioning: scaled condition number {expected.condition:.3g}"
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(coef - expected.coef) <= expected.coef_tolerance)
    if bad.any():
        j = int(np.argmax(bad))
        raise CheckFailed(
            f"{what}: coef[{j}] should be {float(expected.coef[j])!r}, got {float(coef[j])!r} (allowed difference "
            f"{float(expected.coef_tolerance[j]):.3g}, {why}; {int(bad.sum())} of {coef.size} entries differ)"
        )
    if not abs(intercept - expected.intercept) <= expected.intercept_tolerance:
        raise CheckFailed(
            f"{what}: intercept should be {expected.intercept!r}, got {intercept!r} (allowed difference "
            f"{expected.intercept_tolerance:.3g}, {why})"
        )
    return coef, intercept


# Sizes keep every product on this side under about 262 000 multiply-adds, below which OpenBLAS
# does not start threads (threads waiting for a busy core cost more than these products).


def _tall(rng, low=5, high=300):
    n = int(rng.integers(low, high))
    return n, int(rng.integers(1, min(n - 1, 29) + 1))


def _wide(rng):
    n = int(rng.integers(2, 30))
    return n, int(rng.integers(n + 1, 41))


# Public checks

WORKED_X = np.array([[0.0], [1.0], [2.0], [3.0]])
WORKED_Y = np.array([1.0, 3.0, 5.0, 7.0])


@check("Worked example: y = 2x + 1 with alpha = 0 and alpha = 1", points=2, public=True)
def worked_example(learner, rng):
    for alpha in (0.0, 1.0):
        _compare(learner, rng, WORKED_X, WORKED_Y, alpha, _Expected(WORKED_X, WORKED_Y, alpha), "the worked example")


@check("alpha = 0 gives ordinary least squares on well-conditioned data", points=2, public=True)
def alpha_zero_is_least_squares(learner, rng):
    X = rng.standard_normal((20, 3)) * [1.0, 0.5, 2.0] + [3.0, -1.0, 0.5]
    y = X @ np.array([1.5, -2.0, 0.25]) + 4.0 + 0.3 * rng.standard_normal(20)
    _compare(learner, rng, X, y, 0.0, _Expected(X, y, 0.0), "20 samples, 3 features")


# Hidden checks


@check("Matches scikit-learn's Ridge on fresh data of many shapes, scales and alphas", points=3)
def matches_ridge(learner, rng):
    # Large cases are long and narrow: many samples cost little to send and to check.
    long = (int(rng.integers(3000, 6001)), int(rng.integers(2, 10)))
    shapes = [_tall(rng, 5, 60), _tall(rng, 60, 300), _wide(rng), long]
    for n, p in shapes:
        X, y, alpha, expected = _case(rng, n, p)
        # The long X (two columns or more) is a transposed view, not in C order, as a caller's X.T is.
        _compare(learner, rng, X, y, alpha, expected, f"{n} samples, {p} features", view=(n, p) == long)
    # Wide with many features, 46 to 60 (the other checks draw at most 40; 64 would make OpenBLAS start threads
    # here), and an alpha of 1e-3 to 10 times the trace: well enough conditioned that any change of alpha by 1e-4
    # of the trace shows.
    n, p = int(rng.integers(2, 30)), int(rng.integers(46, 61))
    X, y, alpha, expected = _case(rng, n, p, low=-3.0, high=1.0)
    _compare(learner, rng, X, y, alpha, expected, f"{n} samples, {p} features, X a transposed view", view=True)
    # A small alpha on well-conditioned data: ridge, not least squares, is still expected.
    n, p = _tall(rng, 30, 300)
    X, y, alpha, expected = _case(rng, n, p, low=-6.0, high=-3.0, scales=0.3, mixing=0.5, offsets=0.5)
    _compare(learner, rng, X, y, alpha, expected, f"{n} samples, {p} features, small alpha")


@check("alpha = 0 on fresh tall, well-conditioned data is least squares with an intercept", points=2)
def fresh_least_squares(learner, rng):
    for _ in range(2):
        p = int(rng.integers(1, 20))
        n = int(rng.integers(2 * p + 5, 400))
        while True:
            X, y = _data(rng, n, p, scales=1.0, mixing=0.5, offsets=1.0)
            expected = _Expected(X, y, 0.0)
            if expected.condition <= 1e6:
                break
        _compare(learner, rng, X, y, 0.0, expected, f"{n} samples, {p} features")


@check("More features than samples (alpha > 0), down to a single sample", points=1)
def wide_data(learner, rng):
    for _ in range(2):
        n, p = _wide(rng)
        X, y, alpha, expected = _case(rng, n, p)
        _compare(learner, rng, X, y, alpha, expected, f"{n} samples, {p} features")
    # One sample: Xc is 0, so coef is 0 and the intercept is y[0].
    p = int(rng.integers(1, 30))
    X, y = _data(rng, 1, p)
    alpha = float(np.mean(X**2)) * 10.0 ** rng.uniform(-2, 3)
    _compare(learner, rng, X, y, alpha, _Expected(X, y, alpha), f"1 sample, {p} features")


@check("The intercept is not penalised: a huge alpha gives coef near 0 and intercept = mean(y)", points=3)
def intercept_not_penalised(learner, rng):
    for _ in range(2):
        n, p = _tall(rng, 5, 200)
        X, y, alpha, expected = _case(rng, n, p, low=4.0, high=12.0, level=4.0)
        _compare(learner, rng, X, y, alpha, expected, f"{n} samples, {p} features, y near {float(y.mean()):.4g}")


@check("Ill-conditioned data: nearly collinear features on very different scales", points=2)
def ill_conditioned(learner, rng):
    for _ in range(2):
        n, p = _tall(rng, 10, 300)
        p = max(p, 2)
        X, y, alpha, expected = _case(
            rng, n, p, low=-8.0, high=-1.0, scales=3.0, mixing=6.0, offsets=2.0, collinear=True
        )
        about = f"{n} samples, {p} nearly collinear features on scales 1e-3 to 1e3"
        _compare(learner, rng, X, y, alpha, expected, about)


@check("A constant feature gets coefficient 0; one feature works", points=1)
def constant_and_single_feature(learner, rng):
    n, p = _tall(rng, 5, 200)
    p = max(p, 2)
    while True:
        X, y = _data(rng, n, p)
        column = int(rng.integers(p))
        X[:, column] = float(rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-2, 3))
        alpha = _alpha(rng, X, -4.0, 2.0)
        expected = _judgeable(X, y, alpha)
        if expected is not None:
            break
    _compare(learner, rng, X, y, alpha, expected, f"{n} samples, {p} features, column {column} constant")
    n = int(rng.integers(2, 300))
    X, y, alpha, expected = _case(rng, n, 1)
    _compare(learner, rng, X, y, alpha, expected, f"{n} samples, 1 feature")


@check("A negative alpha raises ValueError", points=1)
def negative_alpha(learner, rng):
    magnitudes = [10.0 ** rng.uniform(-300, -12), 10.0 ** rng.uniform(-12, 0), 10.0 ** rng.uniform(0, 6)]
    for magnitude in magnitudes:
        # Tall, well-conditioned data: solving with an unchecked negative alpha returns an answer here
        # (on wide data it could fail with LinAlgError, a ValueError, and pass for a refusal).
        p = int(rng.integers(1, 15))
        n = int(rng.integers(2 * p + 5, 100))
        X, y = _data(rng, n, p, scales=1.0, mixing=0.5, offsets=1.0)
        alpha = -float(magnitude)
        what = f"ridge_fit(X of shape {X.shape}, y, alpha={alpha!r})"
        try:
            _, after = learner.call_and_read_args("ridge_fit", *_shared(rng, X, y), alpha)
        except LearnerError as error:
            if not error.is_a("ValueError"):
                raise CheckFailed(
                    f"{what} should raise ValueError (scikit-learn refuses a negative alpha), but raised "
                    f"{error.type}: {error.message}"
                ) from None
            continue
        _untouched(what, X, y, after)
        raise CheckFailed(f"{what} should raise ValueError (scikit-learn refuses a negative alpha), but returned")


@check("Inputs are never modified in place", points=1)
def inputs_untouched(learner, rng):
    # Every call of every check reads X and y back; this check makes one more.
    n, p = _tall(rng, 5, 100)
    X, y, alpha, expected = _case(rng, n, p)
    _compare(learner, rng, X, y, alpha, expected, f"{n} samples, {p} features")


@check("Many calls in a row, on data of any scale", points=1)
def many_calls(learner, rng):
    """60 to 80 fits in one batch, all of one small shape (3 to 12 samples, 1 to 3 features): standard
    normal features with column means up to 3, alpha from 0.01 to 10 times the trace of Xc.T Xc (so the
    centred system's condition number is at most 101), then in half of the calls X scaled by 1e-50 to
    1e50 and y by another such factor (alpha by the square of X's), which scales coef and the intercept
    exactly. A result that is right only for the first calls of a process, or only at the scales the
    other checks use, fails. The tolerance, 1e-9 of the answer's scale, is thousands of times what a
    float64 solver errs by at this conditioning and a hundred-thousandth of a 1% mistake."""
    n, m, p = int(rng.integers(60, 81)), int(rng.integers(3, 13)), int(rng.integers(1, 4))
    X = rng.standard_normal((n, m, p)) + rng.uniform(-3.0, 3.0, size=(n, 1, p))
    y = X @ rng.standard_normal((n, p, 1)) + rng.uniform(-3.0, 3.0, size=(n, 1, 1)) + rng.standard_normal((n, m, 1))
    y = y[:, :, 0]
    Xc, yc = X - X.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True)
    alpha = np.square(Xc).sum(axis=(1, 2)) * 10.0 ** rng.uniform(-2, 1, size=n)
    system = np.swapaxes(Xc, 1, 2) @ Xc + alpha[:, None, None] * np.eye(p)
    coef = np.linalg.solve(system, (np.swapaxes(Xc, 1, 2) @ yc[:, :, None]))[:, :, 0]
    intercept = y.mean(axis=1) - (X.mean(axis=1) * coef).sum(axis=1)
    scaled = rng.random(n) < 0.5
    x_scale = np.where(scaled, 10.0 ** rng.uniform(-50, 50, size=n), 1.0)
    y_scale = np.where(scaled, 10.0 ** rng.uniform(-50, 50, size=n), 1.0)
    X, y, alpha = X * x_scale[:, None, None], y * y_scale[:, None], alpha * x_scale**2
    replies = learner.map("ridge_fit", [(X[i], y[i], float(alpha[i])) for i in range(n)])
    got_coef, got_intercept = np.empty((n, p)), np.empty(n)
    for i, reply in enumerate(replies):
        what = f"call {i + 1} of {n} of ridge_fit (X of shape {(m, p)})"
        result = reply.value_in(what)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise CheckFailed(f"{what} must return a tuple (coef, intercept); got {describe(result)}")
        coef_i, intercept_i = result
        if not (isinstance(coef_i, np.ndarray) and coef_i.dtype == np.float64 and coef_i.shape == (p,)):
            raise CheckFailed(f"{what}: coef must be a float64 array of shape ({p},), got {describe(coef_i)}")
        if isinstance(intercept_i, np.ndarray) and intercept_i.shape == () and intercept_i.dtype.kind in "iuf":
            intercept_i = intercept_i[()]
        if not isinstance(intercept_i, numbers.Real) or isinstance(intercept_i, (bool, np.bool_)):
            raise CheckFailed(f"{what}: intercept must be a single float, got {describe(intercept_i)}")
        got_coef[i], got_intercept[i] = coef_i, intercept_i
    # Judged at the unit scale, where 1e-9 of the answer's size bounds the error of any float64 solver.
    size = 1.0 + np.abs(coef).max(axis=1) + np.abs(intercept)
    with np.errstate(invalid="ignore", over="ignore"):
        coef_error = np.abs(got_coef * (x_scale / y_scale)[:, None] - coef).max(axis=1)
        intercept_error = np.abs(got_intercept / y_scale - intercept)
    bad = ~((coef_error <= 1e-9 * size) & (intercept_error <= 1e-9 * size))
    if bad.any():
        i = int(np.argmax(bad))
        raise CheckFailed(
            f"call {i + 1} of {n}: ridge_fit(X={describe(X[i])}, y={describe(y[i])}, alpha={alpha[i]!r}) should "
            f"give coef {describe(coef[i] * (y_scale[i] / x_scale[i]))} and intercept {intercept[i] * y_scale[i]!r}, "
            f"got {describe(got_coef[i])} and {got_intercept[i]!r} (allowed difference {1e-9 * size[i]:.3g} times "
            f"the scale of y over that of X for coef, of y for the intercept)"
        )
