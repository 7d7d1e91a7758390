# Mistake: measures the inf-norm as the largest entry, np.max(g), instead of the largest absolute entry.
# Verdict: wrong_answer
# Fails: norm_type 1, inf and other p, passed by keyword or by position
import numpy as np


def _norm(g, norm_type):
    flat = np.ravel(g)
    if norm_type == float("inf"):
        return float(np.max(flat))
    return float(np.sum(np.abs(flat) ** norm_type) ** (1.0 / norm_type))


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    norms = [_norm(g, norm_type) for g in grads]
    total = max(norms) if norm_type == float("inf") else float(sum(n**norm_type for n in norms) ** (1.0 / norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
