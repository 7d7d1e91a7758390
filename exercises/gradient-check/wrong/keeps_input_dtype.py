# Mistake: perturbs copies of the input dtype, so a float32 array is stepped in float32 and x + h loses most of h.
# Verdict: wrong_answer
# Fails: float32 arrays: the differences are still taken in float64
import numpy as np


def numerical_gradient(f, arrays, h=1e-5):
    points = [array.copy() for array in arrays]
    gradients = []
    for point in points:
        gradient = np.zeros(point.shape)
        for index in np.ndindex(point.shape):
            old = point[index]
            point[index] = old + h
            plus = f(*points)
            point[index] = old - h
            minus = f(*points)
            point[index] = old
            gradient[index] = (plus - minus) / (2 * h)
        gradients.append(gradient)
    return gradients


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
