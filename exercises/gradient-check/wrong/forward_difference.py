# Mistake: uses the forward difference (f(x + h) - f(x)) / h, whose error is O(h) instead of O(h^2).
# Verdict: wrong_answer
# Fails: The worked example: centred differences of x^3, |y| and a product
# Fails: New smooth functions of several arrays, with the default h = 1e-5
# Fails: The h you pass, from 1e-6 to 1e-2: curvature, where the centred difference is not the derivative
# Fails: Kinks (|x| and ReLU) within h of an entry give the centred difference, not a derivative
# Fails: Each entry is put back before the next one is perturbed
# Fails: float32 arrays: the differences are still taken in float64
# Fails: Edge shapes: 0-d arrays, one entry, 3-D arrays, empty arrays, many arrays, a larger array
import numpy as np


def numerical_gradient(f, arrays, h=1e-5):
    points = [np.array(array, dtype=np.float64) for array in arrays]
    base = f(*points)
    gradients = []
    for point in points:
        gradient = np.zeros(point.shape)
        for index in np.ndindex(point.shape):
            old = point[index]
            point[index] = old + h
            gradient[index] = (f(*points) - base) / h
            point[index] = old
        gradients.append(gradient)
    return gradients


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
