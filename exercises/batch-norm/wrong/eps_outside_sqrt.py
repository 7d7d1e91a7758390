# Mistake: adds eps to the standard deviation, sqrt(var) + eps, instead of inside the square root.
# Verdict: wrong_answer
# Fails: Training output matches torch.nn.functional.batch_norm on the worked example
# Fails: eps is added to the variance inside the square root
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError("need more than one example when training")
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return (x - mean) / (np.sqrt(var) + eps) * gamma + beta, new_mean, new_var
