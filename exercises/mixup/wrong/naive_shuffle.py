# Mistake: shuffles by hand, swapping each position with any position (j from 0, not from i), which makes some orders more likely than others and draws other numbers than rng.permutation.
# Verdict: wrong_answer
# Fails: New batches: sizes 1 to 300, any row shape, float32 and float64, 2 to 50 classes
# Fails: Many batches: every size, shape, dtype, class count and alpha drawn as the statement says
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    perm = np.arange(len(x))
    for i in range(len(x)):
        j = int(rng.integers(0, len(x)))
        perm[i], perm[j] = perm[j], perm[i]
    x_mixed = (lam * x + (1.0 - lam) * x[perm]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[perm]
