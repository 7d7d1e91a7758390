# Mistake: clips lam to [0.01, 0.99] "for numerical safety", which changes every blend whose lam falls outside (often, for small alpha).
# Verdict: wrong_answer
# Fails: Many batches: every size, shape, dtype, class count and alpha drawn as the statement says
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = float(np.clip(rng.beta(alpha, alpha), 0.01, 0.99))
    perm = rng.permutation(len(x))
    x_mixed = (lam * x + (1.0 - lam) * x[perm]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[perm]
