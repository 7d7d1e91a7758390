import numpy as np


def ridge_fit(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    if alpha < 0:
        raise ValueError(f"alpha must be non-negative, got {alpha}")
    x_mean = X.mean(axis=0)
    y_mean = y.mean()
    Xc = X - x_mean
    yc = y - y_mean
    n_features = X.shape[1]
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(n_features), Xc.T @ yc)
    intercept = float(y_mean - x_mean @ coef)
    return coef, intercept
