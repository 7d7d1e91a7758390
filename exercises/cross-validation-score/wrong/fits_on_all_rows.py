# Mistake: fits each fold's model on every row, validation rows included, so the scores are leaked and too optimistic.
# Verdict: wrong_answer
# Fails: The worked example: a mean model scored with the mean absolute error
# Fails: Scores of new models fitted on the other folds, on a fixed example
# Fails: Scores match a trusted replay on new data: folds, training rows, metric arguments
import numpy as np


def cross_val_score(make_model, X: np.ndarray, y: np.ndarray, n_splits: int, metric) -> np.ndarray:
    n_samples = len(X)
    # Unshuffled KFold: contiguous folds, the first n_samples % n_splits of them one sample larger.
    sizes = [n_samples // n_splits + (fold < n_samples % n_splits) for fold in range(n_splits)]
    scores, start = [], 0
    for size in sizes:
        val = np.arange(start, start + size)
        train = np.setdiff1d(np.arange(n_samples), val)
        model = make_model()  # a fresh model per fold: nothing learnt on other folds may leak in
        model.fit(X, y)
        scores.append(metric(y[val], model.predict(X[val])))
        start += size
    return np.asarray(scores, dtype=float)
