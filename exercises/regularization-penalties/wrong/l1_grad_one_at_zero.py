# Mistake: takes the L1 subgradient as +lam at w == 0 (np.where(w >= 0, ...)) instead of 0.
# Verdict: wrong_answer
# Fails: Worked example: both penalties and their gradients
# Fails: L1 gradient is lam * sign(w): 0 exactly where w is 0, +-lam for tiny non-zero w
import numpy as np


def l2_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(lam * sum(np.sum(np.square(w)) for w in weights))


def l2_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    return [2.0 * lam * np.asarray(w, dtype=float) for w in weights]


def l1_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(lam * sum(np.sum(np.abs(w)) for w in weights))


def l1_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    return [np.where(np.asarray(w) >= 0, lam, -lam) for w in weights]


def sgd_step(w: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float = 0.0) -> np.ndarray:
    return w - lr * (grad + weight_decay * w)


def soft_threshold(w: np.ndarray, threshold: float) -> np.ndarray:
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)
