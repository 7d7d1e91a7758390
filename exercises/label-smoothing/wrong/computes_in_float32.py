# Mistake: casts the logits to float32 to save memory, so every value carries float32 rounding (about 6e-8 relative) instead of float64's.
# Verdict: wrong_answer
# Fails: The loss matches cross_entropy(label_smoothing=eps) on new inputs
# Fails: The gradient is (softmax - smoothed target) / N on new inputs
# Fails: Two classes, thousands of classes, and a single example
import numpy as np


def _check(smoothing):
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError("smoothing must be in [0, 1]")


def _log_softmax(logits):
    logits = logits.astype(np.float32)
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _targets(targets, k, smoothing):
    q = np.full((len(targets), k), smoothing / k, dtype=np.float32)
    q[np.arange(len(targets)), targets] += np.float32(1.0 - smoothing)
    return q


def smoothed_cross_entropy(logits, targets, smoothing):
    _check(smoothing)
    q = _targets(targets, logits.shape[1], smoothing)
    return float(-(q * _log_softmax(logits)).sum() / len(logits))


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    _check(smoothing)
    q = _targets(targets, logits.shape[1], smoothing)
    return ((np.exp(_log_softmax(logits)) - q) / len(logits)).astype(np.float64)
