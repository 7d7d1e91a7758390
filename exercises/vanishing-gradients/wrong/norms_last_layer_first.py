# Mistake: appends the norms while walking backwards and forgets to reverse, so the last layer comes first.
# Verdict: wrong_answer
# Fails: The worked example: sigmoid gradients shrink towards the input, tanh's do not
# Fails: Matches PyTorch for sigmoid, tanh and relu on new networks of any depth and width
# Fails: Deep sigmoid and tanh networks: tiny first-layer gradients still match PyTorch
# Fails: Deep ReLU networks with large weights: exploding gradients match PyTorch
import numpy as np


def layer_gradient_norms(weights, x, activation):
    act = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
    hs, zs = [x], []
    for w in weights:
        zs.append(hs[-1] @ w.T)
        hs.append(act(zs[-1]))
    grad_h = np.ones_like(hs[-1])
    norms = []
    for layer in reversed(range(len(weights))):
        z, h = zs[layer], hs[layer + 1]
        if activation == "sigmoid":
            d = h * (1 - h)
        elif activation == "tanh":
            d = 1 - h**2
        else:
            d = (z > 0).astype(float)
        grad_z = grad_h * d
        norms.append(float(np.linalg.norm(grad_z.T @ hs[layer])))
        grad_h = grad_z @ weights[layer]
    return norms
