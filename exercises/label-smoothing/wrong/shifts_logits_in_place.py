# Mistake: subtracts the row maximum from the caller's logits in place (logits -= ...) to save a copy.
# Verdict: wrong_answer
# Fails: Inputs are not modified in place
# Fails: The loss matches cross_entropy(label_smoothing=eps) on new inputs
import numpy as np


def _check(smoothing):
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError("smoothing must be in [0, 1]")


def _log_softmax(logits):
    logits -= logits.max(axis=1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


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
