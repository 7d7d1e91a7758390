"""Hidden checks for the bias-variance decomposition.

Expected values are computed here from the definitions in the statement. Nothing is random on the
learner's side; every prediction matrix is fixed or made by seeded generators in this trusted process
(including the polynomial fits of the underfitting/overfitting check).
"""

import numbers

import numpy as np

from grader.harness import CheckFailed, assert_close, check, describe

# Predictions below are O(1) to O(10): any correct float64 formula lands within ~1e-13 of these.
RTOL, ATOL = 1e-9, 1e-12


def _expected(predictions, y_true):
    mean_prediction = predictions.mean(axis=0)
    return float(np.mean((mean_prediction - y_true) ** 2)), float(np.mean(predictions.var(axis=0)))


def _number(value, what):
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        return float(value)
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    raise CheckFailed(f"{what}: expected a single float, got {type(value).__name__}: {describe(value)}")


def _decompose(learner, predictions, y_true):
    what = f"bias_variance_decomposition(predictions of shape {predictions.shape}, y_true)"
    result = learner.bias_variance_decomposition(predictions, y_true)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise CheckFailed(f"{what} must return a tuple (bias_squared, variance); got {describe(result)}")
    return what, _number(result[0], f"{what}: bias_squared"), _number(result[1], f"{what}: variance")


def _inputs(predictions, y_true):
    return f"Inputs: predictions = {describe(predictions, 260)}; y_true = {describe(y_true, 160)}"


def _compare(learner, predictions, y_true, expected=None):
    what, bias_squared, variance = _decompose(learner, predictions, y_true)
    expected_bias, expected_variance = expected or _expected(predictions, y_true)
    try:
        assert_close(bias_squared, expected_bias, what=f"{what}: bias_squared", rtol=RTOL, atol=ATOL)
        assert_close(variance, expected_variance, what=f"{what}: variance (ddof=0)", rtol=RTOL, atol=ATOL)
    except CheckFailed as failure:
        raise CheckFailed(f"{failure}\n{_inputs(predictions, y_true)}") from None
    return bias_squared, variance


def _random_case(seed, n_models, n_points):
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=n_points) * 3
    offsets = rng.normal(size=n_points)  # systematic error: bias
    spread = rng.uniform(0.2, 2.0, size=n_points)  # disagreement between models: variance
    predictions = y_true + offsets + spread * rng.normal(size=(n_models, n_points))
    return predictions, y_true


@check("Worked example from the statement", points=2, public=True)
def worked_example(learner):
    predictions = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 5.0]])
    y_true = np.array([2.0, 2.0, 3.0])
    _compare(learner, predictions, y_true, expected=(1.0 / 3.0, 2.0 / 3.0))


@check("Matches the definitions on random predictions of several shapes", points=2)
def matches_definitions(learner):
    for seed, n_models, n_points in ((1, 10, 7), (2, 3, 40), (3, 50, 5), (4, 2, 2)):
        _compare(learner, *_random_case(seed, n_models, n_points))


@check("bias² + variance equals the mean squared error over models and points", points=1, public=True)
def decomposition_adds_up(learner):
    predictions, y_true = _random_case(5, 8, 12)
    what, bias_squared, variance = _decompose(learner, predictions, y_true)
    mse = float(np.mean((predictions - y_true) ** 2))
    try:
        assert_close(bias_squared + variance, mse, what=f"{what}: bias_squared + variance", rtol=RTOL, atol=ATOL)
    except CheckFailed as failure:
        raise CheckFailed(f"{failure}\n{_inputs(predictions, y_true)}") from None


@check("A single model has variance 0", points=1)
def single_model(learner):
    predictions = np.array([[1.5, -2.0, 0.25, 4.0]])
    y_true = np.array([1.0, -1.0, 0.25, 2.0])
    _compare(learner, predictions, y_true, expected=(np.mean([0.25, 1.0, 0.0, 4.0]), 0.0))


@check("Models that are right on average have bias 0; identical models have variance 0", points=1)
def zero_bias_and_zero_variance(learner):
    y_true = np.array([3.0, -1.0, 0.5])
    noise = np.array([[0.5, -1.0, 2.0], [-0.5, 1.0, -2.0], [1.0, 0.0, 0.5], [-1.0, 0.0, -0.5]])  # columns sum to 0
    _compare(learner, y_true + noise, y_true, expected=(0.0, float(np.mean(noise.var(axis=0)))))
    identical = np.tile(np.array([2.0, 0.0, 1.0]), (5, 1))
    _compare(learner, identical, y_true, expected=(np.mean([1.0, 1.0, 0.25]), 0.0))


@check("One test point", points=1)
def one_point(learner):
    predictions = np.array([[1.0], [2.0], [6.0]])
    _compare(learner, predictions, np.array([2.0]), expected=(1.0, 14.0 / 3.0))


@check("A rigid model shows high bias, a flexible one high variance", points=1)
def underfit_and_overfit(learner):
    # 40 training sets of 30 noisy samples of sin(2 pi x); a constant (degree 0) and a degree-9
    # polynomial are fitted to each and predict on a fixed grid. The numbers are computed here; the
    # check compares the learner's answer with them and with the expected ordering.
    rng = np.random.default_rng(6)
    grid = np.linspace(0.05, 0.95, 30)
    truth = np.sin(2 * np.pi * grid)
    rigid, flexible = [], []
    for _ in range(40):
        x = rng.uniform(0.0, 1.0, size=30)
        y = np.sin(2 * np.pi * x) + 0.4 * rng.normal(size=30)
        rigid.append(np.full_like(grid, y.mean()))
        flexible.append(np.polynomial.Polynomial.fit(x, y, 9)(grid))
    rigid, flexible = np.array(rigid), np.array(flexible)
    _, rigid_bias, rigid_variance = _decompose(learner, rigid, truth)
    _, flexible_bias, flexible_variance = _decompose(learner, flexible, truth)
    if not (rigid_bias > flexible_bias and flexible_variance > rigid_variance):
        raise CheckFailed(
            "40 constant models (underfitting) should show more bias² and 40 degree-9 polynomials "
            f"(overfitting) more variance; got constant: bias²={rigid_bias:.4g}, variance={rigid_variance:.4g}; "
            f"degree 9: bias²={flexible_bias:.4g}, variance={flexible_variance:.4g}"
        )
    _compare(learner, rigid, truth)
    _compare(learner, flexible, truth)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner):
    predictions, y_true = _random_case(7, 6, 5)
    _, after = learner.call_echo("bias_variance_decomposition", predictions.copy(), y_true.copy())
    assert_close(after[0], predictions, what="predictions after bias_variance_decomposition", rtol=0, atol=0)
    assert_close(after[1], y_true, what="y_true after bias_variance_decomposition", rtol=0, atol=0)
