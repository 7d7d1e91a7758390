# Mistake: keeps hard labels (the example's own class), so the target ignores what was blended in.
# Verdict: wrong_answer
# Fails: The worked example's batch: one lam and a permutation, drawn in order, labels alike
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    x_mixed = (lam * x + (1.0 - lam) * x[perm]).astype(x.dtype)
    return x_mixed, np.eye(num_classes)[y]
