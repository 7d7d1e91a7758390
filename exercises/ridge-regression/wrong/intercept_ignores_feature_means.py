# Mistake: sets the intercept to mean(y), forgetting to subtract mean(X) @ coef for uncentred features.
# Verdict: wrong_answer
# Fails: Worked example: y = 2x + 1 with alpha = 0 and alpha = 1
# Fails: Matches scikit-learn's Ridge on fresh data of many shapes, scales and alphas
import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return coef, float(y.mean())
