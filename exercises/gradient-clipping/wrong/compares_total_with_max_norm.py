# Mistake: clips only when total_norm > max_norm; PyTorch also scales when total_norm + 1e-6 > max_norm >= total_norm.
# Verdict: wrong_answer
# Fails: Clips exactly when max_norm / (total_norm + 1e-6) < 1: tiny norms and norms just below max_norm
import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    total = float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))
    if total > max_norm:
        coef = max_norm / (total + 1e-6)
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
