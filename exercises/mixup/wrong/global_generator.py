# Mistake: draws lam and the permutation from np.random instead of the rng argument.
# Verdict: wrong_answer
# Fails: Calls sharing one generator each draw anew, in order
import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = np.random.beta(alpha, alpha)
    perm = np.random.permutation(len(x))
    x_mixed = (lam * x + (1.0 - lam) * x[perm]).astype(x.dtype)
    onehot = np.eye(num_classes)[y]
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[perm]
