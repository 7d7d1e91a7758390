# Mistake: appends a column of ones and penalises its weight too, so large alphas drag the intercept to 0.
# Verdict: wrong_answer
# Fails: Worked example: y = 2x + 1 with alpha = 0 and alpha = 1
# Fails: Matches scikit-learn's Ridge on fresh data of many shapes, scales and alphas
# Fails: The intercept is not penalised: a huge alpha gives coef near 0 and intercept = mean(y)
import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    A = np.column_stack([np.ones(X.shape[0]), X])
    w = np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)
    return w[1:], float(w[0])
