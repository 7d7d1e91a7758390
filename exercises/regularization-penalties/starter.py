import numpy as np


def l2_penalty(weights: list[np.ndarray], lam: float) -> float:
    """lam times the sum of the squares of every entry of every array in weights."""
    raise NotImplementedError


def l2_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    """Gradient of l2_penalty: one array per array in weights, of the same shape."""
    raise NotImplementedError


def l1_penalty(weights: list[np.ndarray], lam: float) -> float:
    """lam times the sum of the absolute values of every entry of every array in weights."""
    raise NotImplementedError


def l1_penalty_grad(weights: list[np.ndarray], lam: float) -> list[np.ndarray]:
    """(Sub)gradient of l1_penalty: lam * sign(w) for each array, 0 where w == 0."""
    raise NotImplementedError


def sgd_step(w: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float = 0.0) -> np.ndarray:
    """One step of torch.optim.SGD without momentum: w - lr * (grad + weight_decay * w)."""
    raise NotImplementedError


def soft_threshold(w: np.ndarray, threshold: float) -> np.ndarray:
    """The L1 proximal step: shrink each entry towards 0 by threshold; |w| <= threshold gives exactly 0."""
    raise NotImplementedError
