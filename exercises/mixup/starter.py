import numpy as np


def mixup(
    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Blend each example with a partner from a random permutation of the batch, using one weight
    lam ~ Beta(alpha, alpha) for the whole batch.

    Returns (x_mixed, y_mixed): x_mixed has x's shape and dtype; y_mixed is float64 of shape
    (N, num_classes), the one-hot labels mixed with the same lam and partners.
    Raises ValueError when alpha is not positive. Leaves x and y unchanged.
    """
    raise NotImplementedError
