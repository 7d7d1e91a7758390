# Mistake: evaluates the activation's derivative at the layer's output h instead of at its input z (sigmoid'(h), not sigmoid'(z)).
# Verdict: wrong_answer
# Fails: A single sigmoid layer matches PyTorch autograd
# Fails: The worked example: sigmoid gradients shrink towards the input, tanh's do not
# Fails: Matches PyTorch for sigmoid, tanh and relu on new networks of any depth and width
# Fails: Deep sigmoid and tanh networks: tiny first-layer gradients still match PyTorch
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def layer_gradient_norms(weights, x, activation):
    act = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
    hs = [x]
    for w in weights:
        hs.append(act(hs[-1] @ w.T))
    grad_h = np.ones_like(hs[-1])
    norms = [0.0] * len(weights)
    for layer in reversed(range(len(weights))):
        h = hs[layer + 1]
        if activation == "sigmoid":
            d = sigmoid(h) * (1 - sigmoid(h))
        elif activation == "tanh":
            d = 1 - np.tanh(h) ** 2
        else:
            d = (h > 0).astype(float)
        grad_z = grad_h * d
        norms[layer] = float(np.linalg.norm(grad_z.T @ hs[layer]))
        grad_h = grad_z @ weights[layer]
    return norms
