import numpy as np


def smoothed_cross_entropy(logits: np.ndarray, targets: np.ndarray, smoothing: float) -> float:
    """Mean cross-entropy between softmax(logits) and the label-smoothed targets, as
    torch.nn.functional.cross_entropy(logits, targets, label_smoothing=smoothing) computes it.

    logits: float64 array of shape (N, K); targets: integer class indices of shape (N,), in [0, K);
    smoothing: a float in [0, 1] (anything else raises ValueError). Numerically stable for any logits.
    """
    raise NotImplementedError


def smoothed_cross_entropy_grad(logits: np.ndarray, targets: np.ndarray, smoothing: float) -> np.ndarray:
    """Gradient of smoothed_cross_entropy with respect to logits: a float64 array of shape (N, K)."""
    raise NotImplementedError
