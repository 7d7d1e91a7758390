# Mistake: updates the running variance with the biased batch variance instead of the unbiased one.
# Verdict: wrong_answer
# Fails: Training output matches torch.nn.functional.batch_norm on the worked example
# Fails: Running mean and variance move by momentum, using the unbiased batch variance
# Fails: Running statistics move by momentum towards the batch mean and unbiased variance
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        if x.shape[0] < 2:
            raise ValueError("need more than one example when training")
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, new_mean, new_var
