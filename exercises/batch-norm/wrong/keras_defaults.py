# Mistake: uses Keras's defaults (momentum=0.99, eps=1e-3) with PyTorch's update rule.
# Verdict: wrong_answer
# Fails: Training output matches torch.nn.functional.batch_norm on the worked example
# Fails: Default arguments are momentum=0.1 and eps=1e-5
import numpy as np


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
    momentum: float = 0.99,
    eps: float = 1e-3,
):
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError(f"expected more than 1 value per feature when training, got input of shape {x.shape}")
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # biased (divides by N): used to normalise
        new_mean = (1.0 - momentum) * running_mean + momentum * mean
        new_var = (1.0 - momentum) * running_var + momentum * var * (n / (n - 1))  # unbiased
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    out = (x - mean) / np.sqrt(var + eps) * gamma + beta
    return out, new_mean, new_var
