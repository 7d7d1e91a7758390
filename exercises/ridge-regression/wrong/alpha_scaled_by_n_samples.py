# Mistake: uses the mean squared error (divides the data term by n_samples), so alpha acts n times stronger than in Ridge.
# Verdict: wrong_answer
# Fails: Worked example: y = 2x + 1 with alpha = 0 and alpha = 1
# Fails: Matches scikit-learn's Ridge on fresh data of many shapes, scales and alphas
import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    n = X.shape[0]
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    coef = np.linalg.solve(Xc.T @ Xc / n + alpha * np.eye(X.shape[1]), Xc.T @ yc / n)
    return coef, float(y_mean - x_mean @ coef)
