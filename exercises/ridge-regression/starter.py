import numpy as np


def ridge_fit(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Fit ridge regression as scikit-learn's Ridge(alpha=alpha, fit_intercept=True) does.

    Minimises ||y - X @ coef - intercept||^2 + alpha * ||coef||^2 (the intercept is not penalised).
    Returns (coef, intercept): coef of shape (n_features,), intercept a float.
    Raises ValueError when alpha is negative. Does not modify X or y.
    """
    raise NotImplementedError
