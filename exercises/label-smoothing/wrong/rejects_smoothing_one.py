# Mistake: requires 0 <= smoothing < 1, so the valid smoothing 1 (a uniform target) raises ValueError.
# Verdict: wrong_answer
# Fails: Worked example: the loss with smoothing 0, 0.1 and 1
# Fails: Smoothing 0 is plain cross-entropy and smoothing 1 a uniform target
import numpy as np


def _check(smoothing):
    if not 0.0 <= smoothing < 1.0:
        raise ValueError("smoothing must be in [0, 1)")


def _log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _targets(targets, k, smoothing):
    q = np.full((len(targets), k), smoothing / k)
    q[np.arange(len(targets)), targets] += 1.0 - smoothing
    return q


def smoothed_cross_entropy(logits, targets, smoothing):
    _check(smoothing)
    q = _targets(targets, logits.shape[1], smoothing)
    return float(-(q * _log_softmax(logits)).sum() / len(logits))


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    _check(smoothing)
    q = _targets(targets, logits.shape[1], smoothing)
    return (np.exp(_log_softmax(logits)) - q) / len(logits)
