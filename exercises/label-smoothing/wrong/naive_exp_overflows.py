# Mistake: takes log(sum(exp(z))) and exp(z) / sum(exp(z)) without shifting by the row maximum, so exp(1e4) overflows to inf and the results become inf or NaN.
# Verdict: wrong_answer
# Fails: Huge logits (up to +-1e4) give the finite, exact loss and gradient
import numpy as np


def _check(smoothing):
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError("smoothing must be in [0, 1]")


def _targets(targets, k, smoothing):
    q = np.full((len(targets), k), smoothing / k)
    q[np.arange(len(targets)), targets] += 1.0 - smoothing
    return q


def smoothed_cross_entropy(logits, targets, smoothing):
    _check(smoothing)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-(_targets(targets, logits.shape[1], smoothing) * log_p).sum() / len(logits))


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    _check(smoothing)
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    return (p - _targets(targets, logits.shape[1], smoothing)) / len(logits)
