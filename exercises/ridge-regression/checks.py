"""Hidden checks for ridge regression.

scikit-learn is not installed in the worker, so its semantics for ``Ridge(alpha, fit_intercept=True)``
are re-derived here in NumPy: centre X and y on their means, solve
``(Xc.T Xc + alpha I) coef = Xc.T yc`` and set ``intercept = mean(y) - mean(X) @ coef`` (the intercept
is not penalised). Nothing is random on the learner's side; data come from seeded generators here.
"""

import itertools
import numbers

import numpy as np

from grader.harness import CheckFailed, LearnerError, assert_array, assert_close, check, describe

# Every test matrix below is well conditioned (condition number of Xc.T Xc + alpha I under ~1e3), so a
# correct float64 solver of any kind (solve, Cholesky, SVD, lstsq on an augmented system, the dual
# form) lands within ~1e-12 of the reference; 1e-8 leaves a wide margin.
RTOL, ATOL = 1e-8, 1e-10


def _reference(X, y, alpha):
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return coef, float(y_mean - x_mean @ coef)


def _data(seed, n, p, noise=0.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 2.0, size=p) + rng.normal(size=p) * 3
    true_coef = rng.normal(size=p) * 2
    y = X @ true_coef + 1.5 + noise * rng.normal(size=n)
    return X, y


def _describe_input(X, y):
    return f"X = {describe(X, 240)}, y = {describe(y, 160)}"


def _fit(learner, X, y, alpha):
    what = f"ridge_fit(X of shape {X.shape}, y, alpha={alpha})"
    result = learner.ridge_fit(X, y, alpha)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise CheckFailed(f"{what} must return a tuple (coef, intercept); got {type(result).__name__}")
    coef = assert_array(result[0], what=f"{what}: coef", shape=(X.shape[1],))
    intercept = result[1]
    if isinstance(intercept, np.ndarray) and intercept.shape == () and intercept.dtype.kind in "iuf":
        intercept = float(intercept)
    if not isinstance(intercept, numbers.Real) or isinstance(intercept, (bool, np.bool_)):
        raise CheckFailed(
            f"{what}: intercept must be a single float, got {type(intercept).__name__}: {describe(intercept)}"
        )
    return what, coef, float(intercept)


def _compare(learner, X, y, alpha, expected=None, source="Ridge re-derived in NumPy"):
    what, coef, intercept = _fit(learner, X, y, alpha)
    expected_coef, expected_intercept = expected or _reference(X, y, alpha)
    try:
        assert_close(coef, expected_coef, what=f"{what}: coef (compared with {source})", rtol=RTOL, atol=ATOL)
        assert_close(
            intercept, expected_intercept, what=f"{what}: intercept (compared with {source})", rtol=RTOL, atol=ATOL
        )
    except CheckFailed as failure:
        raise CheckFailed(f"{failure}\nInputs: {_describe_input(X, y)}") from None
    return coef, intercept


WORKED_X = np.array([[0.0], [1.0], [2.0], [3.0]])
WORKED_Y = np.array([1.0, 3.0, 5.0, 7.0])


@check("Worked example: y = 2x + 1 with alpha = 0 and alpha = 1", points=2, public=True)
def worked_example(learner):
    _compare(learner, WORKED_X, WORKED_Y, 0.0, expected=(np.array([2.0]), 1.0), source="the statement")
    _compare(learner, WORKED_X, WORKED_Y, 1.0, expected=(np.array([5.0 / 3.0]), 1.5), source="the statement")


@check("Matches scikit-learn's Ridge on several data sets and alphas", points=3)
def matches_ridge(learner):
    for seed, n, p in ((1, 30, 4), (2, 12, 3), (3, 50, 6)):
        X, y = _data(seed, n, p)
        for alpha in (0.1, 1.0, 25.0):
            _compare(learner, X, y, alpha)


@check("alpha = 0 gives ordinary least squares on well-conditioned data", points=2, public=True)
def alpha_zero_is_least_squares(learner):
    X, y = _data(4, 20, 3)
    design = np.column_stack([np.ones(len(y)), X])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    expected = (solution[1:], float(solution[0]))
    _compare(learner, X, y, 0.0, expected=expected, source="np.linalg.lstsq with a column of ones")


@check("Shrinkage grows with alpha: the coefficient norm falls towards 0", points=2)
def shrinkage_grows(learner):
    X, y = _data(5, 25, 4)
    norms = []
    for alpha in (0.0, 0.5, 5.0, 50.0, 500.0):
        _, coef, _ = _fit(learner, X, y, alpha)
        norms.append(float(np.linalg.norm(coef)))
    if not all(later < earlier for earlier, later in itertools.pairwise(norms)):
        raise CheckFailed(
            "||coef|| must fall strictly as alpha grows through 0, 0.5, 5, 50, 500; "
            f"got {[round(value, 6) for value in norms]}"
        )


@check("The intercept is not penalised: a huge alpha gives coef near 0 and intercept = mean(y)", points=2)
def intercept_not_penalised(learner):
    X, y = _data(6, 15, 3)
    y = y + 40.0  # a large level: penalising the intercept would pull it far from mean(y)
    _, coef, intercept = _fit(learner, X, y, 1e10)
    # With alpha = 1e10 every |coef| is below ||Xc.T yc|| / alpha (about 1e-7 here).
    assert_close(coef, np.zeros(3), what="ridge_fit(X, y, alpha=1e10): coef", rtol=0, atol=1e-6)
    assert_close(intercept, y.mean(), what="ridge_fit(X, y, alpha=1e10): intercept (mean of y)", rtol=0, atol=1e-4)


@check("Shifting y by a constant moves only the intercept", points=1)
def shift_equivariance(learner):
    X, y = _data(7, 18, 3)
    _, base_coef, base_intercept = _fit(learner, X, y, 3.0)
    what, coef, intercept = _fit(learner, X, y + 100.0, 3.0)
    assert_close(coef, base_coef, what=f"{what} with y + 100: coef (must equal the fit on y)", rtol=RTOL, atol=ATOL)
    assert_close(
        intercept, base_intercept + 100.0, what=f"{what} with y + 100: intercept (fit on y, plus 100)", rtol=RTOL
    )


@check("More features than samples (alpha > 0)", points=1)
def wide_data(learner):
    X, y = _data(8, 6, 10)
    for alpha in (0.5, 10.0):
        _compare(learner, X, y, alpha)


@check("A constant feature gets coefficient 0; one feature works", points=1)
def constant_and_single_feature(learner):
    X, y = _data(9, 10, 3)
    X[:, 1] = 4.0
    coef, _ = _compare(learner, X, y, 2.0)
    if abs(coef[1]) > 1e-10:
        raise CheckFailed(f"ridge_fit with column 1 of X constant (4.0): coef[1] should be 0, got {coef[1]!r}")
    X1, y1 = _data(10, 8, 1)
    _compare(learner, X1, y1, 0.7)


@check("A negative alpha raises ValueError", points=1)
def negative_alpha(learner):
    X, y = _data(11, 8, 2)
    try:
        learner.ridge_fit(X, y, -1.0)
    except LearnerError as error:
        if error.type != "ValueError":
            raise CheckFailed(
                f"ridge_fit(X, y, alpha=-1.0) should raise ValueError, but raised {error.type}: {error.message}"
            ) from None
        return
    raise CheckFailed("ridge_fit(X, y, alpha=-1.0) should raise ValueError (scikit-learn refuses it), but returned")


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner):
    X, y = _data(12, 10, 3)
    _, after = learner.call_echo("ridge_fit", X.copy(), y.copy(), 1.0)
    assert_close(after[0], X, what="X after ridge_fit(X, y, 1.0)", rtol=0, atol=0)
    assert_close(after[1], y, what="y after ridge_fit(X, y, 1.0)", rtol=0, atol=0)
