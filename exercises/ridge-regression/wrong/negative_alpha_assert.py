# Mistake: refuses a negative alpha with assert, which raises AssertionError instead of ValueError.
# Verdict: wrong_answer
# Fails: A negative alpha raises ValueError
import numpy as np


def ridge_fit(X, y, alpha):
    assert alpha >= 0, "alpha must be non-negative"
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return coef, float(y_mean - x_mean @ coef)
