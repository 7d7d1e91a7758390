# Mistake: copies PyTorch's in-place behaviour and multiplies / clamps the caller's arrays instead of returning copies.
# Verdict: wrong_answer
# Fails: Above max_norm every array is scaled by max_norm / (total_norm + 1e-6)
# Fails: Inputs are not modified in place
import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    total = float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g *= coef
    return grads, total


def clip_grad_value(grads, clip_value):
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return grads
