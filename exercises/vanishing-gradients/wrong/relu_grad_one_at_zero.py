# Mistake: uses z >= 0 for the ReLU derivative, so a unit whose pre-activation is exactly 0 still passes gradient (PyTorch gives 0).
# Verdict: wrong_answer
# Fails: A dead ReLU unit (pre-activation exactly 0) passes no gradient, as in PyTorch
import numpy as np


def layer_gradient_norms(weights, x, activation):
    act = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
    hs, zs = [x], []
    for w in weights:
        zs.append(hs[-1] @ w.T)
        hs.append(act(zs[-1]))
    grad_h = np.ones_like(hs[-1])
    norms = [0.0] * len(weights)
    for layer in reversed(range(len(weights))):
        z, h = zs[layer], hs[layer + 1]
        if activation == "sigmoid":
            d = h * (1 - h)
        elif activation == "tanh":
            d = 1 - h**2
        else:
            d = (z >= 0).astype(float)
        grad_z = grad_h * d
        norms[layer] = float(np.linalg.norm(grad_z.T @ hs[layer]))
        grad_h = grad_z @ weights[layer]
    return norms
