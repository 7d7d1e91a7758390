# Mistake: uses max(|a|, |b|) as the denominator instead of |a| + |b|.
# Verdict: wrong_answer
# Fails: The worked example's relative errors
# Fails: relative_error on new arrays: tiny denominators, zeros, opposite signs, near-equal arrays
import numpy as np


def numerical_gradient(f, arrays, h=1e-5):
    # float64 copies: the inputs stay untouched, and a step of 1e-5 is not lost to float32 rounding.
    points = [np.array(array, dtype=np.float64) for array in arrays]
    gradients = []
    for point in points:
        gradient = np.zeros(point.shape, dtype=np.float64)
        for index in np.ndindex(point.shape):
            old = point[index]
            point[index] = old + h
            plus = f(*points)
            point[index] = old - h
            minus = f(*points)
            point[index] = old  # restored before the next entry is perturbed
            gradient[index] = (plus - minus) / (2 * h)
        gradients.append(gradient)
    return gradients


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / (np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b))))))
