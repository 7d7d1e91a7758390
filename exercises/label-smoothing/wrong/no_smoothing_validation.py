# Mistake: never checks smoothing, so a value such as -0.1 or 1.5 silently gives a meaningless loss instead of ValueError.
# Verdict: wrong_answer
# Fails: A smoothing below 0 or above 1 raises ValueError in both functions
import numpy as np


def _check(smoothing):
    pass


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
