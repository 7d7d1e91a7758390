# Mistake: refuses a batch of one in evaluation too, where the running statistics make it fine.
# Verdict: runtime_error
# Fails: Evaluation uses the given running statistics, returns them unchanged, and works for one example
import numpy as np


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
):
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"expected more than 1 value per feature, got input of shape {x.shape}")
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # biased (divides by N): used to normalise
        new_mean = (1.0 - momentum) * running_mean + momentum * mean
        new_var = (1.0 - momentum) * running_var + momentum * var * (n / (n - 1))  # unbiased
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    out = (x - mean) / np.sqrt(var + eps) * gamma + beta
    return out, new_mean, new_var
