# Mistake: returns float64 blends for float32 inputs (NumPy promotes when lam is a float64 scalar).
# Verdict: wrong_answer
# Fails: New batches: sizes 1 to 300, any row shape, float32 and float64, 2 to 50 classes
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    x_mixed = lam * x.astype(np.float64) + (1.0 - lam) * x[perm]
    onehot = np.eye(num_classes)[y]
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[perm]
