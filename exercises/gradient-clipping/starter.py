import numpy as np


def clip_grad_norm(grads: list[np.ndarray], max_norm: float, norm_type: float = 2.0) -> tuple[list[np.ndarray], float]:
    """Rescale all gradients together, as torch.nn.utils.clip_grad_norm_ does, but on copies.

    total_norm is the norm_type-norm of all entries of all arrays together (float("inf") for the max
    absolute entry); the arrays are multiplied by max_norm / (total_norm + 1e-6) only when that factor
    is below 1. Returns (clipped copies, total_norm before clipping); an empty list gives ([], 0.0).
    """
    raise NotImplementedError


def clip_grad_value(grads: list[np.ndarray], clip_value: float) -> list[np.ndarray]:
    """Clamp every entry to [-clip_value, clip_value], as torch.nn.utils.clip_grad_value_ does, but on copies."""
    raise NotImplementedError
