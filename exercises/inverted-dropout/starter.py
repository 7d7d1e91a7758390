import numpy as np


def dropout_forward(x: np.ndarray, p: float, training: bool, rng: np.random.Generator):
    """Inverted dropout.

    Returns (out, mask): in training, mask holds 0 or 1 / (1 - p) for each entry and out = x * mask;
    in evaluation, out equals x and mask is None. Raises ValueError when p is outside [0, 1].
    """
    raise NotImplementedError


def dropout_backward(grad_out: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Gradient of the loss with respect to x, given the gradient with respect to out."""
    raise NotImplementedError
