import numpy as np


def layer_norm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5):
    """Layer normalisation of x, shape (..., D), over its last axis, as torch.nn.functional.layer_norm.

    Each row of D values is normalised with its own mean and biased variance, eps inside the square
    root, then scaled by gamma and shifted by beta (both of shape (D,)). Returns (out, cache): out
    has x's shape and dtype; cache is whatever layer_norm_backward needs. No input is modified.
    """
    raise NotImplementedError


def layer_norm_backward(dout: np.ndarray, cache):
    """Gradients of the forward call that returned `cache`, given dout = dLoss/dout (shape of x).

    Returns (dx, dgamma, dbeta): dx of x's shape, dgamma and dbeta of shape (D,) summed over all
    leading axes, all of x's dtype.
    """
    raise NotImplementedError
