# Mistake: steps an entry to x + h, then down by 2h, and never puts it back, so later entries are measured at a shifted point.
# Verdict: wrong_answer
# Fails: The worked example: centred differences of x^3, |y| and a product
# Fails: New smooth functions of several arrays, with the default h = 1e-5
# Fails: Each entry is put back before the next one is perturbed
import numpy as np


def numerical_gradient(f, arrays, h=1e-5):
    points = [np.array(array, dtype=np.float64) for array in arrays]
    gradients = []
    for point in points:
        gradient = np.zeros(point.shape)
        for index in np.ndindex(point.shape):
            point[index] += h
            plus = f(*points)
            point[index] -= 2 * h
            minus = f(*points)
            gradient[index] = (plus - minus) / (2 * h)
        gradients.append(gradient)
    return gradients


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
