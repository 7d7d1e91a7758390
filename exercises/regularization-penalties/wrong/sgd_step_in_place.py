# Mistake: updates w in place (w -= ...), so the caller's array changes too.
# Verdict: wrong_answer
# Fails: Worked example: sgd_step and soft_threshold
# Fails: sgd_step matches torch.optim.SGD (weight_decay left out, positional and by keyword)
# Fails: Inputs are never modified in place (one more call of each function)
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
    w -= lr * (grad + weight_decay * w)
    return w


def soft_threshold(w: np.ndarray, threshold: float) -> np.ndarray:
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)
