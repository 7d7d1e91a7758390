"""White-box attacks on the batch-norm checks (exercises/batch-norm/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "batch-norm"
SOLUTION = exercise_file(SLUG, "solution.py")

ATTACKS = [
    Attack(
        "running_statistics_kept_between_calls",
        "Keeps each layer's running statistics itself, keyed by the number of features, and ignores the ones it is given after the first call (the sequence check feeds back what it returned).",
        """import numpy as np

_STATE = {}


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    '''Keeps each layer's running statistics itself (keyed by the number of features) and ignores the
    ones it is given after the first call: the checks feed back what it returned anyway.'''
    d = x.shape[1]
    if d not in _STATE:
        _STATE[d] = (running_mean.copy(), running_var.copy())
    rm, rv = _STATE[d]
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError("one example")
        mean, var = x.mean(axis=0), x.var(axis=0)
        rm = (1 - momentum) * rm + momentum * mean
        rv = (1 - momentum) * rv + momentum * var * n / (n - 1)
        _STATE[d] = (rm, rv)
    else:
        mean, var = rm, rv
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, rm.copy(), rv.copy()
""",
        "wrong_answer",
    ),
    Attack(
        "honest_on_the_public_shapes",
        "Recognises the public examples by their shapes; elsewhere the running variance is biased and evaluation drops eps.",
        """import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    '''Honest on the shapes of the public examples; elsewhere the running variance uses the biased
    batch variance and evaluation forgets eps.'''
    public = x.shape in ((2, 2), (6, 3), (10, 4), (5, 3))
    n = x.shape[0]
    if training:
        if n < 2:
            raise ValueError("one example")
        mean, var = x.mean(axis=0), x.var(axis=0)
        factor = n / (n - 1) if public else 1.0
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * factor
    else:
        mean, var = running_mean, running_var + (eps if public else 0.0) - eps
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, new_mean, new_var
""",
        "wrong_answer",
    ),
    Attack(
        "evaluation_folds_eps_into_running_var",
        "Evaluation adds eps to the caller's running_var in place and returns a copy of the original: every returned value is right, and only the shared memory shows the change.",
        """import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    '''Evaluation folds eps into the caller's running_var in place (a cache), and returns the values it
    was given: every value it returns is right.'''
    n = x.shape[0]
    if training:
        if n < 2:
            raise ValueError("one example")
        mean, var = x.mean(axis=0), x.var(axis=0)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
        return (x - mean) / np.sqrt(var + eps) * gamma + beta, new_mean, new_var
    original = running_var.copy()
    running_var += eps
    return (x - running_mean) / np.sqrt(running_var) * gamma + beta, running_mean.copy(), original
""",
        "wrong_answer",
    ),
    Attack(
        "centres_x_in_place_and_undoes_it",
        "Subtracts the mean from x in place and adds it back before returning, so x looks untouched except for rounding.",
        """import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    '''Centres x in place to save a copy, then adds the mean back: the caller's batch is 'restored',
    up to rounding.'''
    n = x.shape[0]
    if training:
        if n < 2:
            raise ValueError("one example")
        mean = x.mean(axis=0)
        x -= mean
        var = (x * x).mean(axis=0)
        out = x / np.sqrt(var + eps) * gamma + beta
        x += mean
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
        return out, new_mean, new_var
    return (x - running_mean) / np.sqrt(running_var + eps) * gamma + beta, running_mean.copy(), running_var.copy()
""",
        "wrong_answer",
    ),
    Attack(
        "pytorch_buffers_share_the_callers_memory",
        "Gives F.batch_norm the caller's running arrays through torch.from_numpy, so PyTorch updates them in place; the values returned are copies and right.",
        """import torch
import torch.nn.functional as F


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    '''Hands PyTorch the caller's arrays as its running buffers (torch.from_numpy shares their memory),
    so batch_norm updates them in place, then returns them: every value it returns is right.'''
    rm, rv = torch.from_numpy(running_mean), torch.from_numpy(running_var)
    out = F.batch_norm(torch.from_numpy(x), rm, rv, torch.from_numpy(gamma), torch.from_numpy(beta),
                       training=training, momentum=momentum, eps=eps)
    return out.numpy(), rm.numpy().copy(), rv.numpy().copy()
""",
        "runtime_error",
    ),
    Attack(
        "bessel_correction_only_for_small_batches",
        "Applies n / (n - 1) to the running variance only for batches of at most 10 (the public ones), betting larger batches cannot show it.",
        """import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    '''Applies the n / (n - 1) correction only to small batches (the public ones), betting that for
    large batches nobody can tell.'''
    n = x.shape[0]
    if training:
        if n < 2:
            raise ValueError("one example")
        mean, var = x.mean(axis=0), x.var(axis=0)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * (n / (n - 1) if n <= 10 else 1.0)
        return (x - mean) / np.sqrt(var + eps) * gamma + beta, new_mean, new_var
    return (x - running_mean) / np.sqrt(running_var + eps) * gamma + beta, running_mean.copy(), running_var.copy()
""",
        "wrong_answer",
    ),
    Attack(
        "impostor_value_error",
        "Defines its own exception class named ValueError, which an `except ValueError` never catches.",
        "class ValueError(Exception):\n    pass\n\n\n" + SOLUTION,
        "wrong_answer",
    ),
    Attack(
        "updates_writable_buffers_in_place",
        "Updates running_mean and running_var in place, as PyTorch does, and zeroes x, but only when the arrays are writable: the checks passed every array read-only; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def batchnorm_forward(", "def _honest(")
        + """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    out, m, v = _honest(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    if running_mean.flags.writeable:  # update the buffers in place, as PyTorch does
        running_mean[...] = m
        running_var[...] = v
        x[...] = 0.0
        return out, running_mean, running_var
    return out, m, v
""",
        "wrong_answer",
    ),
    Attack(
        "time_bomb",
        "Right for 40 calls, then scales the output by 1.01: the checks made about 35 calls; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def batchnorm_forward(", "def _honest(")
        + """
_CALLS = [0]

def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    _CALLS[0] += 1
    out, m, v = _honest(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    if _CALLS[0] > 40:
        return out * 1.01, m, v
    return out, m, v
""",
        "wrong_answer",
    ),
    Attack(
        "wrong_for_views_not_in_c_order",
        "Scales the output by 1.01 when x is not C-contiguous (a caller's x.T): the checks sent only C-ordered arrays; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def batchnorm_forward(", "def _honest(")
        + """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    out, m, v = _honest(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    if not x.flags.c_contiguous:
        return out * 1.01, m, v
    return out, m, v
""",
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "torch_functional_batch_norm",
        "PyTorch's F.batch_norm on float64 tensor copies of the running buffers (which it updates in place)",
        """import numpy as np
import torch
import torch.nn.functional as F


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training and x.shape[0] == 1:
        raise ValueError("need more than one example per feature to train")
    rm = torch.tensor(running_mean, dtype=torch.float64)  # copies: torch updates these in place
    rv = torch.tensor(running_var, dtype=torch.float64)
    out = F.batch_norm(
        torch.tensor(x, dtype=torch.float64), rm, rv,
        weight=torch.tensor(gamma, dtype=torch.float64), bias=torch.tensor(beta, dtype=torch.float64),
        training=training, momentum=momentum, eps=eps,
    )
    return out.numpy(), rm.numpy(), rv.numpy()
""",
    ),
    Correct(
        "per_feature_loop",
        "a Python loop over features, mean as sum / N, math.sqrt per column",
        """import math

import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n, d = x.shape
    if training and n < 2:
        raise ValueError("training needs at least two examples")
    out = np.empty((n, d))
    new_mean = np.empty(d)
    new_var = np.empty(d)
    for j in range(d):
        col = x[:, j]
        if training:
            mu = col.sum() / n
            ss = ((col - mu) ** 2).sum()
            var = ss / n
            new_mean[j] = (1 - momentum) * running_mean[j] + momentum * mu
            new_var[j] = (1 - momentum) * running_var[j] + momentum * ss / (n - 1)
        else:
            mu, var = running_mean[j], running_var[j]
            new_mean[j], new_var[j] = mu, var
        out[:, j] = gamma[j] * (col - mu) / math.sqrt(var + eps) + beta[j]
    return out, new_mean, new_var
""",
    ),
]
