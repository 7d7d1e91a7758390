import numpy as np


def batch_norm_backward(dout: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float = 1e-5):
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    gamma = np.asarray(gamma, dtype=np.float64)
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"expected more than 1 value per feature when training, got input of shape {x.shape}")
    centred = x - x.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=0) + eps)  # biased variance, eps inside the root
    x_hat = centred * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    # The direct path, minus what flows back through the mean and through the variance.
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, dgamma, dbeta
