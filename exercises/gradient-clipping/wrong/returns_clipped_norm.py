# Mistake: returns the total norm after clipping instead of the norm measured before clipping.
# Verdict: wrong_answer
# Fails: Above max_norm every array is scaled by max_norm / (total_norm + 1e-6)
# Fails: Above max_norm every array is scaled by the same coefficient, on new gradients
import numpy as np


def _total(grads, norm_type):
    return float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    coef = max_norm / (_total(grads, norm_type) + 1e-6)
    clipped = [g * coef for g in grads] if coef < 1 else [g.copy() for g in grads]
    return clipped, _total(clipped, norm_type)


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
