# Mistake: fits through the origin (no centring) and returns a zero intercept, as if fit_intercept=False.
# Verdict: wrong_answer
# Fails: Worked example: y = 2x + 1 with alpha = 0 and alpha = 1
# Fails: Matches scikit-learn's Ridge on fresh data of many shapes, scales and alphas
# Fails: The intercept is not penalised: a huge alpha gives coef near 0 and intercept = mean(y)
import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    coef = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ y)
    return coef, 0.0
