import numpy as np


def dropout_forward(x: np.ndarray, p: float, training: bool, rng: np.random.Generator):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not training:
        return x.copy(), None
    if p == 1.0:
        mask = np.zeros_like(x, dtype=float)
    else:
        keep = rng.random(x.shape) >= p
        mask = keep / (1.0 - p)
    return x * mask, mask


def dropout_backward(grad_out: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is None:
        return grad_out.copy()
    return grad_out * mask
