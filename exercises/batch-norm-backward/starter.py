import numpy as np


def batch_norm_backward(dout: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float = 1e-5):
    """Gradients of training-mode batch normalisation over axis 0 of x, shape (N, D).

    The forward pass was out = (x - mean) / sqrt(var + eps) * gamma + beta, with the batch mean and
    the biased batch variance of each feature. dout is the gradient of the loss with respect to out,
    shape (N, D); gamma has shape (D,). Recompute what you need from x.

    Returns (dx, dgamma, dbeta) as float64 arrays of shapes (N, D), (D,) and (D,), whatever the float
    dtype of the inputs. N == 1 raises ValueError. No input is modified in place.
    """
    raise NotImplementedError
