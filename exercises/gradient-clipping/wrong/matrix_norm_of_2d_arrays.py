# Mistake: passes each array to np.linalg.norm with ord=norm_type without flattening it: a matrix norm for 2-D arrays, and an error for 0-d or 3-D ones.
# Verdict: runtime_error
# Fails: norm_type 1, inf and other p, passed by keyword or by position
import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    norms = [np.linalg.norm(g, ord=norm_type) for g in grads]
    total = float(np.linalg.norm(norms, ord=norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
