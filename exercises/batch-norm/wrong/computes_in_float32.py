# Mistake: casts everything to float32 for speed, losing about seven significant digits.
# Verdict: wrong_answer
# Fails: Training output matches torch.nn.functional.batch_norm on the worked example
# Fails: Training normalises each feature with the batch mean and biased variance, on new shapes
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    x, gamma, beta = (a.astype(np.float32) for a in (x, gamma, beta))
    running_mean, running_var = running_mean.astype(np.float32), running_var.astype(np.float32)
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
        new_mean, new_var = running_mean, running_var
    out = (x - mean) / np.sqrt(var + eps) * gamma + beta
    return out.astype(np.float64), new_mean.astype(np.float64), new_var.astype(np.float64)
