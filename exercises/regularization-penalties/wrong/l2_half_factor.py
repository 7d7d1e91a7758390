# Mistake: uses the (lam / 2) * sum(w ** 2) convention (gradient lam * w) instead of lam * sum(w ** 2).
# Verdict: wrong_answer
# Fails: Worked example: both penalties and their gradients
# Fails: L2 penalty: lam times the sum of squares of every entry of every array
# Fails: L2 gradient is 2 * lam * w for every array
import numpy as np


def l2_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(0.5 * lam * sum(np.sum(np.square(w)) for w in weights))


def l2_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    return [lam * np.asarray(w, dtype=float) for w in weights]


def l1_penalty(weights: list[np.ndarray], lam: float) -> float:
    return float(lam * sum(np.sum(np.abs(w)) for w in weights))


def l1_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    return [lam * np.sign(np.asarray(w, dtype=float)) for w in weights]


def sgd_step(w: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float = 0.0) -> np.ndarray:
    return w - lr * (grad + weight_decay * w)


def soft_threshold(w: np.ndarray, threshold: float) -> np.ndarray:
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)
