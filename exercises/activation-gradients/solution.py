import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    # exp(-|x|) lies in (0, 1], so it never overflows; pick the form that is exact on each side.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh_grad(x: np.ndarray) -> np.ndarray:
    t = np.tanh(x)
    return 1.0 - t * t


def relu_grad(x: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(x) > 0, 1.0, 0.0)


def leaky_relu_grad(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    return np.where(np.asarray(x) > 0, 1.0, float(negative_slope))
