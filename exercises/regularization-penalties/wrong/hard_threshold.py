# Mistake: zeroes small entries but leaves the others unshrunk (hard thresholding, not the L1 proximal step).
# Verdict: wrong_answer
# Fails: Worked example: sgd_step and soft_threshold
# Fails: soft_threshold shrinks by threshold and gives exact zeros (softshrink)
import numpy as np


def l2_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(lam * sum(np.sum(np.square(w)) for w in weights))


def l2_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    return [2.0 * lam * np.asarray(w, dtype=float) for w in weights]


def l1_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(lam * sum(np.sum(np.abs(w)) for w in weights))


def l1_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    return [lam * np.sign(np.asarray(w, dtype=float)) for w in weights]


def sgd_step(w: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float = 0.0) -> np.ndarray:
    return w - lr * (grad + weight_decay * w)


def soft_threshold(w: np.ndarray, threshold: float) -> np.ndarray:
    return np.where(np.abs(w) > threshold, w, 0.0)
