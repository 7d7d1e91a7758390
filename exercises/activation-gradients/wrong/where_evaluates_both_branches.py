# Mistake: a "stable" sigmoid with np.where, but np.where evaluates both branches on every entry, so exp overflows anyway.
# Verdict: wrong_answer
# Fails: Large inputs (|x| up to 1e4) give finite, correct values, with no overflow
import numpy as np


def sigmoid(x):
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh_grad(x):
    return 1.0 - np.tanh(x) ** 2


def relu_grad(x):
    return np.where(x > 0, 1.0, 0.0)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)
