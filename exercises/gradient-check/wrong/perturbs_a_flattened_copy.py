# Mistake: perturbs x.flatten(), which is a copy: f never sees the step and every gradient is 0.
# Verdict: wrong_answer
# Fails: The worked example: centred differences of x^3, |y| and a product
# Fails: New smooth functions of several arrays, with the default h = 1e-5
# Fails: Edge shapes: 0-d arrays, one entry, 3-D arrays, empty arrays, many arrays, a larger array
import numpy as np


def numerical_gradient(f, arrays, h=1e-5):
    points = [np.array(array, dtype=np.float64) for array in arrays]
    gradients = []
    for point in points:
        flat = point.flatten()
        gradient = np.zeros(flat.size)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            plus = f(*points)
            flat[i] = old - h
            minus = f(*points)
            flat[i] = old
            gradient[i] = (plus - minus) / (2 * h)
        gradients.append(gradient.reshape(point.shape))
    return gradients


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
