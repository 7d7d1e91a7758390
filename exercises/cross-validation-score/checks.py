"""Hidden checks for the cross-validation score.

``make_model`` and ``metric`` cannot cross the sandbox boundary, so a support module (``SUPPORT``,
below) builds them in the learner's process. Nothing they could report about themselves is read:
the verdict rests on the scores ``cross_val_score`` returns, each compared with a value computed
here. The instrumented models and metrics make those scores carry the facts to check:

- row ids: in these checks ``X[:, 0]`` holds each row's index i, and the instrumented objects turn a
  set of rows into the exact number sum(2 ** i), so a score says exactly which rows reached ``fit``,
  ``predict`` or the metric; decoding it here turns a mismatch into lists of rows a learner can read;
- a model whose predictions count how often it was fitted shows whether every fold got a fresh one;
- a least-squares model scored with R^2 (asymmetric in its arguments) checks real scores.
Sums of distinct powers of two below 2 ** 53 are exact in float64, so those scores compare exactly.
The leakage and freshness checks give y = 0 and a metric that adds its two arguments' sums or means,
so they judge only what they are named for, whatever the argument order; the first two checks judge
the order and the folds.
"""

from itertools import pairwise

import numpy as np

from grader.harness import CheckFailed, assert_array, assert_close, check, describe

# RowRecorder's predictions carry its fitted rows below 2 ** ROW_SHIFT and the predicted row above
# (as in SUPPORT), which leaves room for 53 - 31 = 22 rows in the leakage check.
ROW_SHIFT = 31

SUPPORT = """
import numpy as np


class LeastSquares:
    # Linear regression with an intercept, refitted from scratch by every fit.
    def fit(self, X, y):
        design = np.column_stack([np.ones(len(X)), X])
        self.coef_ = np.linalg.lstsq(design, y, rcond=None)[0]
        return self

    def predict(self, X):
        return np.column_stack([np.ones(len(X)), X]) @ self.coef_


class RowRecorder:
    # Refitted from scratch by every fit. Its prediction for row j is sum(2 ** i) over the rows i of its
    # last fit, plus 2 ** (31 + j): summed over a fold, the fitted rows stay in the low 31 bits (times
    # the fold size) and the predicted rows land in the high bits.
    def fit(self, X, y):
        self.code = float(np.sum(2.0 ** X[:, 0]))
        return self

    def predict(self, X):
        return self.code + 2.0 ** (31 + X[:, 0])


class FitCounter:
    # Predicts how many times this very object has been fitted.
    def __init__(self):
        self.fits = 0

    def fit(self, X, y):
        self.fits += 1
        return self

    def predict(self, X):
        return np.full(len(X), float(self.fits))


def r2(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    return float(1.0 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2))


def rows_of_y_true(y_true, y_pred):
    # With y[i] = i, the exact number sum(2 ** i) over the rows whose targets were passed as y_true.
    return float(np.sum(2.0 ** np.asarray(y_true, dtype=float)))


def total(y_true, y_pred):
    # With y = 0 this is the sum of the predictions, whichever order the arguments come in.
    return float(np.sum(y_true) + np.sum(y_pred))


def mean_of_both(y_true, y_pred):
    # With y = 0 this is the mean prediction, whichever order the arguments come in.
    return float(np.mean(y_true) + np.mean(y_pred))


MODELS = {"least_squares": LeastSquares, "row_recorder": RowRecorder, "fit_counter": FitCounter}
METRICS = {"r2": r2, "rows_of_y_true": rows_of_y_true, "total": total, "mean_of_both": mean_of_both}


def model_factory(name):
    return MODELS[name]


def metric(name):
    return METRICS[name]
"""

# The same least-squares model and R^2 compute the expected scores here.
_TRUSTED: dict = {}
exec(compile(SUPPORT, "support.py", "exec"), _TRUSTED)


def _kfold(n_samples: int, n_splits: int) -> list:
    """scikit-learn's unshuffled KFold: (train, val) index arrays, contiguous folds."""
    sizes = [n_samples // n_splits + (1 if fold < n_samples % n_splits else 0) for fold in range(n_splits)]
    bounds = np.cumsum([0, *sizes])
    rows = np.arange(n_samples)
    return [(np.setdiff1d(rows, rows[lo:hi]), rows[lo:hi]) for lo, hi in pairwise(bounds)]


def _code(rows: np.ndarray) -> float:
    return float(np.sum(2.0**rows))


def _rows_of(code: float, n_samples: int) -> list | None:
    """The rows whose code is ``code``, or None when it is not the code of any set of rows."""
    if not (np.isfinite(code) and float(code).is_integer() and 0 <= code < 2.0**n_samples):
        return None
    bits = int(code)
    return [row for row in range(n_samples) if bits >> row & 1]


def _id_data(n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """X whose first column is the row index, and y[i] = i."""
    rows = np.arange(n_samples, dtype=float)
    return np.column_stack([rows, np.linspace(-1.0, 1.0, n_samples)]), rows.copy()


def _scores(learner, model: str, metric: str, X: np.ndarray, y: np.ndarray, n_splits: int, what: str) -> np.ndarray:
    learner.support(SUPPORT)
    factory = learner.support_call("model_factory", model, as_handle=True)
    scorer = learner.support_call("metric", metric, as_handle=True)
    scores = learner.cross_val_score(factory.handle, X, y, n_splits, scorer.handle)
    return assert_array(scores, what=what, shape=(n_splits,), kinds="f")


@check("Scores are metric(y_true, y_pred) of a model fitted on the other folds", points=2, public=True)
def scores_match(learner):
    rng = np.random.default_rng(7)
    for n_samples, n_splits in ((20, 4), (22, 5)):
        X = rng.standard_normal((n_samples, 3))
        y = X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.8 * rng.standard_normal(n_samples)
        what = f"cross_val_score(least squares, X {X.shape}, y, {n_splits}, r2)"
        scores = _scores(learner, "least_squares", "r2", X, y, n_splits, what)
        expected, swapped = [], []
        for train, val in _kfold(n_samples, n_splits):
            prediction = _TRUSTED["LeastSquares"]().fit(X[train], y[train]).predict(X[val])
            expected.append(_TRUSTED["r2"](y[val], prediction))
            swapped.append(_TRUSTED["r2"](prediction, y[val]))
        try:
            assert_close(scores, expected, what=f"{what}: per-fold R^2", rtol=1e-8, atol=1e-10)
        except CheckFailed as failure:
            if np.allclose(scores, swapped, rtol=1e-8, atol=1e-10):
                raise CheckFailed(
                    f"{failure}\nThese are the scores of metric(y_pred, y_true): scikit-learn's order is "
                    f"metric(y_true, y_pred)."
                ) from None
            raise


@check("Folds are scikit-learn's unshuffled KFold folds", points=2, public=True)
def folds_are_kfold(learner):
    for n_samples, n_splits in ((11, 4), (12, 3), (6, 6)):
        X, y = _id_data(n_samples)
        what = f"cross_val_score(make_model, X, y, {n_splits}, metric) on {n_samples} rows"
        scores = _scores(learner, "least_squares", "rows_of_y_true", X, y, n_splits, what)
        for fold, (_, val) in enumerate(_kfold(n_samples, n_splits)):
            if scores[fold] == _code(val):
                continue
            rows = _rows_of(scores[fold], n_samples)
            if rows is None:
                raise CheckFailed(
                    f"{what}: fold {fold} should be scored on the targets of rows {val.tolist()}, but the metric's "
                    f"first argument did not hold the targets of any set of rows (score {float(scores[fold])!r}). "
                    f"Call metric(y_true, y_pred), with y_true = y of the validation rows."
                )
            raise CheckFailed(
                f"{what}: fold {fold} should be scored on rows {val.tolist()} (contiguous folds, the first "
                f"{n_samples % n_splits} of them one row larger, in order), but the metric got the targets "
                f"of rows {rows}"
            )


def _fit_and_predicted_rows(score: float, n_samples: int) -> tuple[list, list] | None:
    """Decode a RowRecorder fold score into (rows it was fitted on, rows it predicted), or None."""
    if not (np.isfinite(score) and float(score).is_integer() and 0 <= score < 2.0**53):
        return None
    value = int(score)
    predicted = [row for row in range(n_samples) if value >> (ROW_SHIFT + row) & 1]
    if not predicted or value >> (ROW_SHIFT + n_samples):
        return None
    fitted_code, remainder = divmod(value & ((1 << ROW_SHIFT) - 1), len(predicted))
    if remainder or fitted_code >> n_samples:
        return None
    return [row for row in range(n_samples) if fitted_code >> row & 1], predicted


@check("Each fold's model is fitted on exactly the rows outside the fold", points=2)
def no_leakage(learner):
    for n_samples, n_splits in ((12, 4), (10, 3)):
        X, y = _id_data(n_samples)[0], np.zeros(n_samples)
        what = f"cross_val_score(make_model, X, y, {n_splits}, metric) on {n_samples} rows"
        scores = _scores(learner, "row_recorder", "total", X, y, n_splits, what)
        for fold, score in enumerate(scores):
            decoded = _fit_and_predicted_rows(float(score), n_samples)
            if decoded is None:
                raise CheckFailed(
                    f"{what}: the score of fold {fold}, {float(score)!r}, is not the sum of one fitted model's "
                    f"predictions for the fold's rows. (This check's model predicts, for row j, sum(2 ** i) over "
                    f"the rows i of its last fit plus 2 ** ({ROW_SHIFT} + j); its metric adds up the predictions.)"
                )
            fitted, predicted = decoded
            leaked = sorted(set(fitted) & set(predicted))
            if leaked:
                raise CheckFailed(
                    f"{what}: the model scored on rows {predicted} (fold {fold}) was fitted on rows {fitted}, "
                    f"which include {leaked}: fit must only see rows outside the fold, or the score is leaked "
                    f"and too optimistic"
                )
            unused = sorted(set(range(n_samples)) - set(fitted) - set(predicted))
            if unused:
                raise CheckFailed(
                    f"{what}: the model scored on rows {predicted} (fold {fold}) was fitted on rows {fitted}; "
                    f"rows {unused} are in another fold and should have been in its training set"
                )


@check("Each fold gets a fresh model from make_model()", points=2)
def fresh_model_per_fold(learner):
    X, y = _id_data(12)[0], np.zeros(12)
    what = "cross_val_score(make_model, X, y, 4, metric)"
    scores = _scores(learner, "fit_counter", "mean_of_both", X, y, 4, what)
    for fold, fits in enumerate(scores):
        if fits != 1.0:
            raise CheckFailed(
                f"{what}: every fold should be scored by a new model from make_model(), fitted once; the model "
                f"scored on fold {fold} had been fitted {fits:g} times. (This check's model predicts how "
                f"many times it was fitted; per-fold values {describe(scores)}.) A model reused across folds "
                f"keeps what it learnt from earlier folds, whose training rows include this fold's rows."
            )


@check("X and y are not modified", points=1)
def inputs_untouched(learner):
    X, y = _id_data(10)
    learner.support(SUPPORT)
    factory = learner.support_call("model_factory", "least_squares", as_handle=True)
    scorer = learner.support_call("metric", "r2", as_handle=True)
    _, args = learner.call_echo("cross_val_score", factory.handle, X.copy(), y.copy(), 5, scorer.handle)
    for name, after, before in (("X", args[1], X), ("y", args[2], y)):
        assert_close(after, before, what=f"{name} after cross_val_score(make_model, X, y, 5, metric)", rtol=0, atol=0)
