# Mistake: keeps a momentum buffer between calls (per shape), so every step after the first also moves along old gradients.
# Verdict: wrong_answer
# Fails: Repeated sgd_step calls: each step is plain SGD, with nothing carried between calls
import numpy as np


def l2_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(lam * sum(np.sum(np.square(w)) for w in weights))


def l2_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    return [2.0 * lam * np.asarray(w, dtype=float) for w in weights]


def l1_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(lam * sum(np.sum(np.abs(w)) for w in weights))


def l1_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    return [lam * np.sign(np.asarray(w, dtype=float)) for w in weights]


_velocity = {}


def sgd_step(w: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float = 0.0) -> np.ndarray:
    d = grad + weight_decay * w
    buffer = _velocity.get(w.shape)
    buffer = d if buffer is None else 0.9 * buffer + d
    _velocity[w.shape] = buffer
    return w - lr * buffer


def soft_threshold(w: np.ndarray, threshold: float) -> np.ndarray:
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)
