# Mistake: backpropagates through the weights only, as if every layer were linear (no activation derivative).
# Verdict: wrong_answer
# Fails: A single sigmoid layer matches PyTorch autograd
# Fails: The worked example: sigmoid gradients shrink towards the input, tanh's do not
# Fails: Matches PyTorch for sigmoid, tanh and relu on new networks of any depth and width
# Fails: Deep sigmoid and tanh networks: tiny first-layer gradients still match PyTorch
import numpy as np


def layer_gradient_norms(weights, x, activation):
    act = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
    hs = [x]
    for w in weights:
        hs.append(act(hs[-1] @ w.T))
    grad = np.ones_like(hs[-1])
    norms = [0.0] * len(weights)
    for layer in reversed(range(len(weights))):
        norms[layer] = float(np.linalg.norm(grad.T @ hs[layer]))
        grad = grad @ weights[layer]
    return norms
