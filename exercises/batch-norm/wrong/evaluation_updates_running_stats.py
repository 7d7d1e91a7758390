# Mistake: applies the momentum update in evaluation mode too, so evaluating a batch changes the running statistics.
# Verdict: wrong_answer
# Fails: Evaluation normalises with the running statistics and returns them unchanged
# Fails: Evaluation uses the given running statistics, returns them unchanged, and works for one example
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    if training and n < 2:
        raise ValueError("need more than one example when training")
    batch_mean = x.mean(axis=0)
    batch_var = x.var(axis=0)
    unbiased = batch_var * n / (n - 1) if n > 1 else batch_var
    new_mean = (1 - momentum) * running_mean + momentum * batch_mean
    new_var = (1 - momentum) * running_var + momentum * unbiased
    mean, var = (batch_mean, batch_var) if training else (running_mean, running_var)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, new_mean, new_var
