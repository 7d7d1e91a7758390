# Mistake: clips every array by its own norm, so arrays that are each small but large together are never clipped.
# Verdict: wrong_answer
# Fails: Above max_norm every array is scaled by max_norm / (total_norm + 1e-6)
# Fails: One total norm over all arrays together, not one per array
import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    norms = [np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads]
    clipped = []
    for g, norm in zip(grads, norms):
        coef = max_norm / (norm + 1e-6)
        clipped.append(g * coef if coef < 1 else g.copy())
    return clipped, float(np.linalg.norm(norms, ord=norm_type))


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
