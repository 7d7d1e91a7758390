# Mistake: computes in float32 "to save memory" and converts back, so values are off by about 1e-7 relative, far beyond the 1e-9 tolerance.
# Verdict: wrong_answer
# Fails: sigmoid matches torch.sigmoid on new inputs
# Fails: sigmoid_grad matches PyTorch autograd on new inputs
# Fails: tanh_grad matches PyTorch autograd on new inputs
import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.float32)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float64)


def sigmoid_grad(x):
    s = sigmoid(x).astype(np.float32)
    return (s * (1 - s)).astype(np.float64)


def tanh_grad(x):
    t = np.tanh(np.asarray(x, dtype=np.float32))
    return (1 - t * t).astype(np.float64)


def relu_grad(x):
    return np.where(x > 0, 1.0, 0.0)


def leaky_relu_grad(x, negative_slope=0.01):
    return np.where(x > 0, 1.0, negative_slope)
