# Mistake: normalises with the batch statistics in evaluation mode too, so a test prediction depends on its batch.
# Verdict: wrong_answer
# Fails: Evaluation normalises with the running statistics and returns them unchanged
# Fails: Evaluation uses the given running statistics, returns them unchanged, and works for one example
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    if training and n < 2:
        raise ValueError("need more than one example when training")
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    if training:
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, new_mean, new_var
