# Mistake: gives every fold n // k rows and the last fold the remainder, unlike scikit-learn's KFold.
# Verdict: wrong_answer
# Fails: The worked example: a mean model scored with the mean absolute error
# Fails: Scores of new models fitted on the other folds, on a fixed example
import numpy as np


def cross_val_score(make_model, X: np.ndarray, y: np.ndarray, n_splits: int, metric) -> np.ndarray:
    n_samples = len(X)
    sizes = [n_samples // n_splits] * n_splits
    sizes[-1] += n_samples % n_splits
    scores, start = [], 0
    for size in sizes:
        val = np.arange(start, start + size)
        train = np.setdiff1d(np.arange(n_samples), val)
        model = make_model()  # a fresh model per fold: nothing learnt on other folds may leak in
        model.fit(X[train], y[train])
        scores.append(metric(y[val], model.predict(X[val])))
        start += size
    return np.asarray(scores, dtype=float)
