import numpy as np


def layer_gradient_norms(weights: list[np.ndarray], x: np.ndarray, activation: str) -> list[float]:
    """Frobenius norm of dLoss/dW_l for every layer, first layer first.

    weights[l] has shape (d_{l+1}, d_l); x has shape (batch, d_0). Forward pass, no biases:
    h_0 = x, h_{l+1} = act(h_l @ W_l.T) with act one of "sigmoid", "tanh", "relu".
    The loss is the sum of all entries of the last h.
    """
    raise NotImplementedError
