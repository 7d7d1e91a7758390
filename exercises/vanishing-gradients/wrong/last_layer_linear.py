# Mistake: treats the last layer as a linear output layer (no activation), but the spec applies act to every layer.
# Verdict: wrong_answer
# Fails: A single sigmoid layer matches PyTorch autograd
# Fails: The worked example: sigmoid gradients shrink towards the input, tanh's do not
# Fails: Matches PyTorch for sigmoid, tanh and relu on new networks of any depth and width
# Fails: Edge sizes: a single layer, a batch of one, layers one unit wide
import numpy as np


def layer_gradient_norms(weights, x, activation):
    act = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
    last = len(weights) - 1
    hs, zs = [x], []
    for layer, w in enumerate(weights):
        zs.append(hs[-1] @ w.T)
        hs.append(zs[-1] if layer == last else act(zs[-1]))
    grad_h = np.ones_like(hs[-1])
    norms = [0.0] * len(weights)
    for layer in reversed(range(len(weights))):
        z, h = zs[layer], hs[layer + 1]
        if layer == last:
            d = np.ones_like(z)
        elif activation == "sigmoid":
            d = h * (1 - h)
        elif activation == "tanh":
            d = 1 - h**2
        else:
            d = (z > 0).astype(float)
        grad_z = grad_h * d
        norms[layer] = float(np.linalg.norm(grad_z.T @ hs[layer]))
        grad_h = grad_z @ weights[layer]
    return norms
