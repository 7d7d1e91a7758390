# Mistake: centres y but not X, so the penalised coefficients absorb the feature means instead of the intercept.
# Verdict: wrong_answer
# Fails: Worked example: y = 2x + 1 with alpha = 0 and alpha = 1
# Fails: Matches scikit-learn's Ridge on fresh data of many shapes, scales and alphas
import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    y_mean = y.mean()
    coef = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ (y - y_mean))
    return coef, float(y_mean - X.mean(axis=0) @ coef)
