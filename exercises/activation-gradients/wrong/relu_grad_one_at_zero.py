# Mistake: uses x >= 0, so the ReLU and leaky-ReLU gradients at exactly 0 are 1 instead of PyTorch's 0 and negative_slope.
# Verdict: wrong_answer
# Fails: relu_grad is 1 where x > 0 and 0 where x <= 0 (0 at x = 0, as in PyTorch)
# Fails: relu_grad and leaky_relu_grad on new inputs, exact zeros included, with any negative_slope
import numpy as np


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh_grad(x):
    return 1.0 - np.tanh(x) ** 2


def relu_grad(x):
    return np.where(x >= 0, 1.0, 0.0)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x >= 0, 1.0, negative_slope)
