# Mistake: always steps by 1e-5, ignoring the h it is given.
# Verdict: wrong_answer
# Fails: The worked example: centred differences of x^3, |y| and a product
# Fails: The h you pass, from 1e-6 to 1e-2: curvature, where the centred difference is not the derivative
import numpy as np

STEP = 1e-5


def numerical_gradient(f, arrays, h=1e-5):
    points = [np.array(array, dtype=np.float64) for array in arrays]
    gradients = []
    for point in points:
        gradient = np.zeros(point.shape)
        for index in np.ndindex(point.shape):
            old = point[index]
            point[index] = old + STEP
            plus = f(*points)
            point[index] = old - STEP
            minus = f(*points)
            point[index] = old
            gradient[index] = (plus - minus) / (2 * STEP)
        gradients.append(gradient)
    return gradients


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
