# Mistake: overwrites x with the ReLU mask to save memory, destroying the caller's pre-activations.
# Verdict: wrong_answer
# Fails: Inputs are not modified in place
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
    positive = x > 0
    x[...] = 0.0
    x[positive] = 1.0
    return x


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)
