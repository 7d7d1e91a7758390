# Mistake: flattens with np.concatenate, which raises on an empty list instead of returning ([], 0.0) as PyTorch does.
# Verdict: runtime_error
# Fails: Zero gradients, 0-d arrays, a single array and an empty list
import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    flat = np.concatenate([np.ravel(g) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
