# Mistake: solves with torch in its default float32 and converts the answer back to float64, losing half the digits.
# Verdict: wrong_answer
# Fails: Matches scikit-learn's Ridge on fresh data of many shapes, scales and alphas
import torch


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    X, y = torch.tensor(X).float(), torch.tensor(y).float()
    x_mean, y_mean = X.mean(dim=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    coef = torch.linalg.solve(Xc.T @ Xc + alpha * torch.eye(X.shape[1]), Xc.T @ yc)
    return coef.double().numpy(), float(y_mean - x_mean @ coef)
