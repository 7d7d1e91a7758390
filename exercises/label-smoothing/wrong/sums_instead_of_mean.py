# Mistake: sums the loss (and its gradient) over the examples instead of averaging, as reduction="sum" would.
# Verdict: wrong_answer
# Fails: Worked example: the loss with smoothing 0, 0.1 and 1
# Fails: Worked example: the gradient with smoothing 0.1
# Fails: The loss matches cross_entropy(label_smoothing=eps) on new inputs
# Fails: The gradient is (softmax - smoothed target) / N on new inputs
import numpy as np


def _check(smoothing):
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError("smoothing must be in [0, 1]")


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
    return float(-(q * _log_softmax(logits)).sum())


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    _check(smoothing)
    q = _targets(targets, logits.shape[1], smoothing)
    return np.exp(_log_softmax(logits)) - q
