# Mistake: calls make_model() once and deep-copies that model for every fold instead of calling make_model() each time.
# Verdict: runtime_error
# Fails: Scores of new models fitted on the other folds, on a fixed example
# Fails: Each fold's model comes new from make_model() and is fitted once
import copy

import numpy as np


def cross_val_score(make_model, X: np.ndarray, y: np.ndarray, n_splits: int, metric) -> np.ndarray:
    n_samples = len(X)
    # Unshuffled KFold: contiguous folds, the first n_samples % n_splits of them one sample larger.
    sizes = [n_samples // n_splits + (fold < n_samples % n_splits) for fold in range(n_splits)]
    scores, start = [], 0
    prototype = make_model()
    for size in sizes:
        val = np.arange(start, start + size)
        train = np.setdiff1d(np.arange(n_samples), val)
        model = copy.deepcopy(prototype)
        model.fit(X[train], y[train])
        scores.append(metric(y[val], model.predict(X[val])))
        start += size
    return np.asarray(scores, dtype=float)
