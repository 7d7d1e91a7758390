import numpy as np


def layer_norm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5):
    # Float32 inputs are computed in float64 and cast back at the end: cheap, and more accurate.
    dtype = x.dtype
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=-1, keepdims=True)
    centred = x64 - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)  # biased, from centred values
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centred * inv_std
    gamma64 = gamma.astype(np.float64)
    out = gamma64 * x_hat + beta.astype(np.float64)
    return out.astype(dtype), (x_hat, inv_std, gamma64, dtype)


def layer_norm_backward(dout: np.ndarray, cache):
    x_hat, inv_std, gamma, dtype = cache
    dout64 = dout.astype(np.float64)
    d = x_hat.shape[-1]
    dx_hat = dout64 * gamma
    # Through x_hat = (x - mean) * inv_std, with mean and inv_std depending on x too:
    # dx = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)), per row.
    dx = inv_std * (
        dx_hat - dx_hat.mean(axis=-1, keepdims=True) - x_hat * (dx_hat * x_hat).mean(axis=-1, keepdims=True)
    )
    dgamma = (dout64 * x_hat).reshape(-1, d).sum(axis=0)
    dbeta = dout64.reshape(-1, d).sum(axis=0)
    return dx.astype(dtype), dgamma.astype(dtype), dbeta.astype(dtype)
