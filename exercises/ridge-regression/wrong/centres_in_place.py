# Mistake: centres X and y in place (X -= ...), so the caller's data come back shifted.
# Verdict: wrong_answer
# Fails: Worked example: y = 2x + 1 with alpha = 0 and alpha = 1
# Fails: Inputs are never modified in place
import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    x_mean, y_mean = X.mean(axis=0), y.mean()
    X -= x_mean
    y -= y_mean
    coef = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ y)
    return coef, float(y_mean - x_mean @ coef)
