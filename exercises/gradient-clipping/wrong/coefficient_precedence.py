# Mistake: writes max_norm / total_norm + 1e-6, adding 1e-6 to the coefficient instead of the norm (and dividing by zero for zero gradients).
# Verdict: runtime_error
# Fails: Above max_norm every array is scaled by max_norm / (total_norm + 1e-6)
# Fails: Zero gradients, 0-d arrays, a single array and an empty list
import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    total = float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))
    coef = max_norm / total + 1e-6
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
