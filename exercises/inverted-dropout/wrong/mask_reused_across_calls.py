# Mistake: draws the mask once and caches it, so every later call drops the same units.
# Verdict: wrong_answer
# Fails: Randomness comes from rng alone: the same seed gives the same masks in a fresh process
import numpy as np

_cached = {}


def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if not training:
        return x.copy(), None
    key = (x.shape, p)
    if key not in _cached:
        keep = rng.random(x.shape) >= p
        _cached[key] = keep / (1.0 - p) if p < 1 else np.zeros(x.shape)
    mask = _cached[key]
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return grad_out.copy() if mask is None else grad_out * mask
