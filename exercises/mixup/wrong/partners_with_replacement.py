# Mistake: picks each partner with rng.integers, so some examples are used several times and others never.
# Verdict: wrong_answer
# Fails: New batches: sizes 1 to 300, any row shape, float32 and float64, 2 to 50 classes
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    partner = rng.integers(0, len(x), size=len(x))
    x_mixed = (lam * x + (1.0 - lam) * x[partner]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[partner]
