import numpy as np


def _check_smoothing(smoothing: float) -> None:
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"smoothing must be in [0, 1], got {smoothing!r}")


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    # Shifting by the row maximum makes every exponent <= 0: nothing overflows, the sum is at least 1,
    # and log p comes straight from log-sum-exp, never from the log of an underflowed probability.
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _smoothed_targets(targets: np.ndarray, num_classes: int, smoothing: float) -> np.ndarray:
    q = np.full((len(targets), num_classes), smoothing / num_classes)
    q[np.arange(len(targets)), targets] += 1.0 - smoothing
    return q


def smoothed_cross_entropy(logits: np.ndarray, targets: np.ndarray, smoothing: float) -> float:
    _check_smoothing(smoothing)
    logits = np.asarray(logits, dtype=np.float64)
    log_p = _log_softmax(logits)
    q = _smoothed_targets(np.asarray(targets), logits.shape[1], smoothing)
    return float(-(q * log_p).sum() / logits.shape[0])


def smoothed_cross_entropy_grad(logits: np.ndarray, targets: np.ndarray, smoothing: float) -> np.ndarray:
    _check_smoothing(smoothing)
    logits = np.asarray(logits, dtype=np.float64)
    p = np.exp(_log_softmax(logits))
    q = _smoothed_targets(np.asarray(targets), logits.shape[1], smoothing)
    return (p - q) / logits.shape[0]
