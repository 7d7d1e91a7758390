# Mistake: draws the permutation before lam, so both come from other states of the generator than the statement fixes.
# Verdict: wrong_answer
# Fails: The worked example's batch: one lam and a permutation, drawn in order, labels alike
# Fails: Many batches: every size, shape, dtype, class count and alpha drawn as the statement says
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    perm = rng.permutation(len(x))
    lam = rng.beta(alpha, alpha)
    x_mixed = (lam * x + (1.0 - lam) * x[perm]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[perm]
