# Mistake: tanh_grad as 1 / cosh(x)**2 is right on paper, but cosh(x)**2 overflows for |x| above about 355 (and cosh itself above about 710).
# Verdict: wrong_answer
# Fails: Large inputs (|x| up to 1e4) give finite, correct values, with no overflow
import numpy as np


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh_grad(x):
    return 1.0 / np.cosh(x) ** 2


def relu_grad(x):
    return np.where(x > 0, 1.0, 0.0)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)
