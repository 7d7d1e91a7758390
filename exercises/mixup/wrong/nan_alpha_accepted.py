# Mistake: tests alpha <= 0, which is False for NaN, so alpha = NaN is not refused.
# Verdict: wrong_answer
# Fails: Invalid alpha: zero, negative or NaN raises ValueError
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if alpha <= 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    x_mixed = (lam * x + (1.0 - lam) * x[perm]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[perm]
