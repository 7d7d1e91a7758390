# Mistake: pairs each example with its mirror in the batch (x[::-1]) instead of a random permutation.
# Verdict: wrong_answer
# Fails: Many batches: every size, shape, dtype, class count and alpha drawn as the statement says
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    x_mixed = (lam * x + (1.0 - lam) * x[::-1]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[::-1]
