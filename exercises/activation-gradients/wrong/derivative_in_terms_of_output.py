# Mistake: applies the "output" form of the derivatives to x itself: x * (1 - x) and 1 - x**2 instead of using sigmoid(x) and tanh(x).
# Verdict: wrong_answer
# Fails: sigmoid_grad matches PyTorch autograd on new inputs
# Fails: tanh_grad matches PyTorch autograd on new inputs
import numpy as np


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x):
    return x * (1.0 - x)


def tanh_grad(x):
    return 1.0 - x**2


def relu_grad(x):
    return np.where(x > 0, 1.0, 0.0)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)
