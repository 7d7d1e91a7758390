# Mistake: sets the intercept to mean(y), forgetting to subtract mean(X) @ coef for uncentred features.
import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return coef, float(y.mean())
