import numpy as np


def adam_step(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    decoupled: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of torch.optim.Adam (decoupled=False: weight_decay * param added to the gradient) or of
    torch.optim.AdamW (decoupled=True: param shrunk by 1 - lr * weight_decay before the Adam update).

    m and v are the first and second moments after step t - 1 (zeros before the first step); t counts
    steps from 1. Returns (new_param, new_m, new_v) as new float64 arrays, with new_m and new_v not
    bias-corrected. The inputs are never modified.
    """
    raise NotImplementedError
