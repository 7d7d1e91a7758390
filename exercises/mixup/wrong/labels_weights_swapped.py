# Mistake: mixes the labels with 1 - lam on the example's own class and lam on the partner's.
# Verdict: wrong_answer
# Fails: The worked example's batch: one lam and a permutation, drawn in order, labels alike
# Fails: New batches: sizes 1 to 300, any row shape, float32 and float64, 2 to 50 classes
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    x_mixed = (lam * x + (1.0 - lam) * x[perm]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    return x_mixed, (1.0 - lam) * onehot + lam * onehot[perm]
