# Mistake: writes the blend into x itself and returns it, which changes the caller's batch.
# Verdict: wrong_answer
# Fails: x and y are not modified in place
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    partner = x[perm]
    x *= lam
    x += (1.0 - lam) * partner
    onehot = np.eye(num_classes)[y]
    return x, lam * onehot + (1.0 - lam) * onehot[perm]
