# Mistake: avoids log(0) by clipping probabilities to at least 1e-12 before the log, which caps every -log p at about 27.6 instead of keeping the true value (2e4 for a logit 2e4 below the maximum).
# Verdict: wrong_answer
# Fails: Huge logits (up to +-1e4) give the finite, exact loss and gradient
import numpy as np


def _check(smoothing):
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError("smoothing must be in [0, 1]")


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _targets(targets, k, smoothing):
    q = np.full((len(targets), k), smoothing / k)
    q[np.arange(len(targets)), targets] += 1.0 - smoothing
    return q


def smoothed_cross_entropy(logits, targets, smoothing):
    _check(smoothing)
    log_p = np.log(np.clip(_softmax(logits), 1e-12, 1.0))
    return float(-(_targets(targets, logits.shape[1], smoothing) * log_p).sum() / len(logits))


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    _check(smoothing)
    return (_softmax(logits) - _targets(targets, logits.shape[1], smoothing)) / len(logits)
