# Mistake: treats |w| < 1e-12 as zero in the L1 gradient, so tiny non-zero weights get 0 instead of +-lam.
# Verdict: wrong_answer
# Fails: L1 gradient is lam * sign(w): 0 exactly where w is 0, +-lam for tiny non-zero w
import numpy as np


def l2_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(lam * sum(np.sum(np.square(w)) for w in weights))


def l2_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    return [2.0 * lam * np.asarray(w, dtype=float) for w in weights]


def l1_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(lam * sum(np.sum(np.abs(w)) for w in weights))


def l1_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    # "Zero" with a tolerance: tiny non-zero weights wrongly get gradient 0.
    return [np.where(np.abs(w) < 1e-12, 0.0, lam * np.sign(w)) for w in weights]


def sgd_step(w: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float = 0.0) -> np.ndarray:
    return w - lr * (grad + weight_decay * w)


def soft_threshold(w: np.ndarray, threshold: float) -> np.ndarray:
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)
