# Mistake: keeps lam = max(lam, 1 - lam) so each example dominates its own blend (a trick from some codebases), which changes the distribution the statement fixes.
# Verdict: wrong_answer
# Fails: Many batches: every size, shape, dtype, class count and alpha drawn as the statement says
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    lam = max(lam, 1.0 - lam)
    perm = rng.permutation(len(x))
    x_mixed = (lam * x + (1.0 - lam) * x[perm]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[perm]
