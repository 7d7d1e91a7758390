# Mistake: centres y but not X, so the penalised coefficients absorb the feature means instead of the intercept.
import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    y_mean = y.mean()
    coef = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ (y - y_mean))
    return coef, float(y_mean - X.mean(axis=0) @ coef)
