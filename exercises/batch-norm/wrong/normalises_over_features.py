# Mistake: takes the statistics over each example's features (axis=1, layer norm) instead of over the batch.
# Verdict: wrong_answer
# Fails: Training output matches torch.nn.functional.batch_norm on the worked example
# Fails: Training normalises each feature with the batch mean and biased variance, on new shapes
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError("need more than one example when training")
        mean = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        out = (x - mean) / np.sqrt(var + eps) * gamma + beta
        new_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)
        new_var = (1 - momentum) * running_var + momentum * x.var(axis=0) * n / (n - 1)
        return out, new_mean, new_var
    out = (x - running_mean) / np.sqrt(running_var + eps) * gamma + beta
    return out, running_mean.copy(), running_var.copy()
