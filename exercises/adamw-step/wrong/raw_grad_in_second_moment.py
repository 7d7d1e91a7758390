# Mistake: With L2, adds the decay to the gradient for the first moment but squares the raw gradient for the second.
# Verdict: wrong_answer
# Fails: Worked example: two steps of Adam with L2 and of AdamW
# Fails: Adam with L2 in the gradient (decoupled=False): single steps on new inputs
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
    beta1, beta2 = betas
    decayed = grad + weight_decay * param
    if decoupled:
        param = param * (1.0 - lr * weight_decay)
        decayed = grad
    new_m = beta1 * m + (1.0 - beta1) * decayed
    new_v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = new_m / (1.0 - beta1**t)
    v_hat = new_v / (1.0 - beta2**t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, new_m, new_v
