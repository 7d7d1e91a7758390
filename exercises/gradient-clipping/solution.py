import numpy as np


def clip_grad_norm(grads: list[np.ndarray], max_norm: float, norm_type: float = 2.0) -> tuple[list[np.ndarray], float]:
    if len(grads) == 0:
        return [], 0.0
    norm_type = float(norm_type)
    # As PyTorch does: the norm of each array, then the norm of those norms.
    per_array = np.array([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads])
    total_norm = float(np.linalg.norm(per_array, ord=norm_type))
    coef = max_norm / (total_norm + 1e-6)
    if coef < 1.0:
        return [np.asarray(g * coef) for g in grads], total_norm
    return [np.array(g, copy=True) for g in grads], total_norm


def clip_grad_value(grads: list[np.ndarray], clip_value: float) -> list[np.ndarray]:
    return [np.asarray(np.clip(g, -clip_value, clip_value)) for g in grads]
