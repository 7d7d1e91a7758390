# Mistake: updates running_mean and running_var in place (as PyTorch's buffers are), changing the caller's arrays.
# Verdict: wrong_answer
# Fails: Training output matches torch.nn.functional.batch_norm on the worked example
# Fails: Inputs are not modified in place
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError("need more than one example when training")
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running_mean *= 1 - momentum
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, running_mean, running_var
