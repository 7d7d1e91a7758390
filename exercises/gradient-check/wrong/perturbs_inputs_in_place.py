# Mistake: perturbs the caller's arrays themselves (CS231n style, restoring each entry), instead of copies.
# Verdict: wrong_answer
# Fails: The worked example: centred differences of x^3, |y| and a product
# Fails: New smooth functions of several arrays, with the default h = 1e-5
# Fails: Edge shapes: 0-d arrays, one entry, 3-D arrays, empty arrays, many arrays, a larger array
import numpy as np


def numerical_gradient(f, arrays, h=1e-5):
    gradients = []
    for point in arrays:
        gradient = np.zeros(point.shape)
        for index in np.ndindex(point.shape):
            old = point[index]
            point[index] = old + h
            plus = f(*arrays)
            point[index] = old - h
            minus = f(*arrays)
            point[index] = old
            gradient[index] = (plus - minus) / (2 * h)
        gradients.append(gradient)
    return gradients


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
