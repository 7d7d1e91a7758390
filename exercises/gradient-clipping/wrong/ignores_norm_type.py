# Mistake: always measures the Euclidean (2-)norm, whatever norm_type asks for.
# Verdict: wrong_answer
# Fails: Above max_norm every array is scaled by max_norm / (total_norm + 1e-6)
# Fails: norm_type 1, inf and other p, passed by keyword or by position
import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
