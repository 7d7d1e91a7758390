import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), elementwise, computed without overflow for large |x|."""
    raise NotImplementedError


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of sigmoid with respect to its input x, elementwise."""
    raise NotImplementedError


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of tanh with respect to its input x, elementwise."""
    raise NotImplementedError


def relu_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of max(x, 0): 1.0 where x > 0, 0.0 where x <= 0 (PyTorch's convention at 0)."""
    raise NotImplementedError


def leaky_relu_grad(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """Derivative of leaky ReLU: 1.0 where x > 0, negative_slope where x <= 0 (PyTorch's convention at 0)."""
    raise NotImplementedError
