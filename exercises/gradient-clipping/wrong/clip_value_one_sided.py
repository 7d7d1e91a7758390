# Mistake: clip_grad_value caps entries from above only, leaving large negative entries untouched.
# Verdict: wrong_answer
# Fails: clip_grad_value clamps every entry to [-clip_value, clip_value]
# Fails: clip_grad_value clamps every entry to [-clip_value, clip_value], on new gradients
import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    total = float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.minimum(g, clip_value) for g in grads]
