# Mistake: sigmoid_grad as exp(-x) / (1 + exp(-x))**2 overflows for large negative x (and, with the overflow ignored, gives inf / inf = NaN).
# Verdict: wrong_answer
# Fails: Large inputs (|x| up to 1e4) give finite, correct values, with no overflow
import numpy as np


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x):
    e = np.exp(-x)
    return e / (1.0 + e) ** 2


def tanh_grad(x):
    return 1.0 - np.tanh(x) ** 2


def relu_grad(x):
    return np.where(x > 0, 1.0, 0.0)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)
