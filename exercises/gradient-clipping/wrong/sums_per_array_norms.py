# Mistake: adds up the per-array norms instead of taking the norm of all entries together (the norm of the norms).
# Verdict: wrong_answer
# Fails: Below max_norm the arrays come back unchanged, with their total norm
# Fails: One total norm over all arrays together, not one per array
import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    total = float(sum(np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
