# Mistake: computes the variance as E[x^2] - E[x]^2, which cancels catastrophically when the mean is large.
# Verdict: wrong_answer
# Fails: Accurate when a feature has a large mean and a small spread
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError("need more than one example when training")
        mean = x.mean(axis=0)
        var = (x**2).mean(axis=0) - mean**2
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, new_mean, new_var
