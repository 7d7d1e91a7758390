import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _forward(z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "sigmoid":
        return _sigmoid(z)
    if activation == "tanh":
        return np.tanh(z)
    return np.maximum(z, 0.0)


def _derivative(z: np.ndarray, h: np.ndarray, activation: str) -> np.ndarray:
    """d act(z) / dz, written with the output h = act(z) where that is simplest."""
    if activation == "sigmoid":
        return h * (1.0 - h)
    if activation == "tanh":
        return 1.0 - h * h
    return (z > 0).astype(float)  # PyTorch's convention: the ReLU gradient at exactly 0 is 0


def layer_gradient_norms(weights: list[np.ndarray], x: np.ndarray, activation: str) -> list[float]:
    if activation not in ("sigmoid", "tanh", "relu"):
        raise ValueError(f"unknown activation {activation!r}")
    inputs, pre_activations = [], []
    h = x
    for w in weights:
        inputs.append(h)
        z = h @ w.T
        pre_activations.append(z)
        h = _forward(z, activation)
    outputs = [*inputs[1:], h]

    grad_h = np.ones_like(h)  # the loss is the sum of every entry of the last h
    norms = [0.0] * len(weights)
    for layer in reversed(range(len(weights))):
        grad_z = grad_h * _derivative(pre_activations[layer], outputs[layer], activation)
        grad_w = grad_z.T @ inputs[layer]  # shape (d_{l+1}, d_l), like W_l
        norms[layer] = float(np.sqrt(np.sum(grad_w * grad_w)))
        grad_h = grad_z @ weights[layer]
    return norms
