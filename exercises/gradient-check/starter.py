import numpy as np


def numerical_gradient(f, arrays: list[np.ndarray], h: float = 1e-5) -> list[np.ndarray]:
    """Centred finite differences of the scalar function f(*arrays), one gradient per array.

    For every entry x of every array: (f(..., x + h, ...) - f(..., x - h, ...)) / (2 h), every other
    entry at its original value. Perturb float64 copies (the arrays you are given are read-only and
    may be float32) and put each entry back before moving on. Return a list of float64 arrays, the
    k-th with the shape of arrays[k].
    """
    raise NotImplementedError


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max over entries of |a - b| / max(1e-8, |a| + |b|), as a float (a and b have the same shape)."""
    raise NotImplementedError
