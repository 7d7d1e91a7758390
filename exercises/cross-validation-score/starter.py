import numpy as np


def cross_val_score(make_model, X: np.ndarray, y: np.ndarray, n_splits: int, metric) -> np.ndarray:
    """Per-fold scores of k-fold cross-validation over unshuffled folds (scikit-learn's KFold).

    For each fold: model = make_model(), fit it on the other folds' rows, predict the fold's rows, and
    score with metric(y_true, y_pred). Returns a float array of n_splits scores, first fold first.
    """
    raise NotImplementedError
