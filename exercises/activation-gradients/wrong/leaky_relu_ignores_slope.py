# Mistake: hard-codes the slope 0.01 and ignores the negative_slope argument.
# Verdict: wrong_answer
# Fails: leaky_relu_grad is 1 where x > 0 and negative_slope where x <= 0 (default 0.01)
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
    return np.where(x > 0, 1.0, 0.0)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, 0.01)
