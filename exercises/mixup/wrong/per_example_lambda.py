# Mistake: draws a separate lam for every example instead of one for the batch (timm's "elem" mode, not what the statement asks).
# Verdict: wrong_answer
# Fails: New batches: sizes 1 to 300, any row shape, float32 and float64, 2 to 50 classes
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha, size=len(x))
    perm = rng.permutation(len(x))
    weights = lam.reshape((-1,) + (1,) * (x.ndim - 1))
    x_mixed = (weights * x + (1.0 - weights) * x[perm]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    y_mixed = lam[:, None] * onehot + (1.0 - lam[:, None]) * onehot[perm]
    return x_mixed, y_mixed
