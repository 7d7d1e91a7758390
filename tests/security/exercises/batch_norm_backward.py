"""White-box attacks on the batch-norm-backward checks (exercises/batch-norm-backward/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "batch-norm-backward"
SOLUTION = exercise_file(SLUG, "solution.py")

# The correct gradient, for attacks that are honest only some of the time.
HONEST = """

def _honest(dout, x, gamma, eps):
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    centred = x - x.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=0) + eps)
    x_hat = centred * inv_std
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
"""

ATTACKS = [
    Attack(
        "honest_on_the_public_shapes",
        "Recognises the public examples by their shapes; elsewhere it treats the mean and variance as constants.",
        "import numpy as np\n"
        + HONEST
        + """

def batch_norm_backward(dout, x, gamma, eps=1e-5):
    if x.shape[0] < 2:
        raise ValueError("one example")
    dx, dgamma, dbeta = _honest(dout, x, gamma, eps)
    if x.shape in ((5, 2), (6, 3)):
        return dx, dgamma, dbeta
    inv_std = 1.0 / np.sqrt(np.asarray(x, dtype=np.float64).var(axis=0) + eps)
    return np.asarray(dout, dtype=np.float64) * gamma * inv_std, dgamma, dbeta
""",
        "wrong_answer",
    ),
    Attack(
        "zero_dx_for_two_examples",
        "Returns dx = 0 for a batch of two, betting that the normalised values are ±1 whatever x is (true only when "
        "eps is negligible; the check uses variances comparable to eps).",
        "import numpy as np\n"
        + HONEST
        + """

def batch_norm_backward(dout, x, gamma, eps=1e-5):
    if x.shape[0] < 2:
        raise ValueError("one example")
    dx, dgamma, dbeta = _honest(dout, x, gamma, eps)
    return (np.zeros_like(dx) if x.shape[0] == 2 else dx), dgamma, dbeta
""",
        "wrong_answer",
    ),
    Attack(
        "float32_arithmetic_returned_as_float64",
        "Computes everything in float32 for speed and casts the results to float64, so every dtype is right.",
        """import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    x, dout, gamma = (np.asarray(a, dtype=np.float32) for a in (x, dout, gamma))
    if x.shape[0] < 2:
        raise ValueError("one example")
    centred = x - x.mean(axis=0)
    inv_std = np.float32(1.0) / np.sqrt((centred * centred).mean(axis=0) + np.float32(eps))
    x_hat = centred * inv_std
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return tuple(a.astype(np.float64) for a in (dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)))
""",
        "wrong_answer",
    ),
    Attack(
        "centres_x_in_place_and_undoes_it",
        "Subtracts the mean from x in place and adds it back before returning, so x looks untouched except for rounding.",
        """import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    if x.shape[0] < 2:
        raise ValueError("one example")
    mean = x.mean(axis=0)
    x -= mean
    inv_std = 1.0 / np.sqrt((x * x).mean(axis=0) + eps)
    x_hat = x * inv_std
    x += mean
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        "wrong_answer",
    ),
    Attack(
        "eps_only_where_the_variance_is_zero",
        "Leaves eps out of the square root except for constant features, where it would divide by zero: right "
        "whenever the variance dwarfs eps, and finite on constant features.",
        """import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    if x.shape[0] < 2:
        raise ValueError("one example")
    centred = x - x.mean(axis=0)
    var = (centred * centred).mean(axis=0)
    inv_std = 1.0 / np.sqrt(np.where(var == 0, eps, var))
    x_hat = centred * inv_std
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
""",
        "wrong_answer",
    ),
    Attack(
        "answers_cached_by_shape",
        "Computes the gradients once per input shape and returns the remembered answer for every later call "
        "with that shape.",
        "import numpy as np\n"
        + HONEST
        + """
_CACHE = {}


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    if x.shape[0] < 2:
        raise ValueError("one example")
    if x.shape not in _CACHE:
        _CACHE[x.shape] = _honest(dout, x, gamma, eps)
    return tuple(a.copy() for a in _CACHE[x.shape])
""",
        "wrong_answer",
    ),
    Attack(
        "variance_path_only_for_small_batches",
        "Follows all three paths for batches of up to 16 (the public ones and small hidden ones) and drops the path "
        "through the variance for larger batches.",
        "import numpy as np\n"
        + HONEST
        + """

def batch_norm_backward(dout, x, gamma, eps=1e-5):
    if x.shape[0] < 2:
        raise ValueError("one example")
    if x.shape[0] <= 16:
        return _honest(dout, x, gamma, eps)
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    centred = x - x.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=0) + eps)
    g = dout * gamma
    return inv_std * (g - g.mean(axis=0)), (dout * centred * inv_std).sum(axis=0), dout.sum(axis=0)
""",
        "wrong_answer",
    ),
    Attack(
        "torch_autograd_in_float32",
        "Lets PyTorch's autograd differentiate F.batch_norm in its default dtype, float32, and converts back.",
        """import numpy as np
import torch
import torch.nn.functional as F


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    if x.shape[0] < 2:
        raise ValueError("one example")
    xt = torch.tensor(np.asarray(x), dtype=torch.float32, requires_grad=True)
    gt = torch.tensor(np.asarray(gamma), dtype=torch.float32, requires_grad=True)
    bt = torch.zeros_like(gt, requires_grad=True)
    out = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
    grads = torch.autograd.grad(out, (xt, gt, bt), torch.tensor(np.asarray(dout), dtype=torch.float32))
    return tuple(g.double().numpy() for g in grads)
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
        "overwrites_writable_inputs",
        "Multiplies dout by gamma and centres x in place when they are writable: the checks passed every array read-only; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def batch_norm_backward(", "def _honest(")
        + """
def batch_norm_backward(dout, x, gamma, eps=1e-5):
    r = _honest(dout, x, gamma, eps)
    if dout.flags.writeable:
        dout *= gamma
    if x.flags.writeable:
        x -= x.mean(axis=0)
    return r
""",
        "wrong_answer",
    ),
    Attack(
        "time_bomb",
        "Right for 40 calls, then scales dx by 1.01: the checks made about 20 calls; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def batch_norm_backward(", "def _honest(")
        + """
_CALLS = [0]

def batch_norm_backward(dout, x, gamma, eps=1e-5):
    _CALLS[0] += 1
    dx, dg, db = _honest(dout, x, gamma, eps)
    return (dx * 1.01 if _CALLS[0] > 40 else dx), dg, db
""",
        "wrong_answer",
    ),
    Attack(
        "wrong_for_views_not_in_c_order",
        "Scales dx by 1.01 when x or dout is not C-contiguous (a caller's x.T): the checks sent only C-ordered arrays; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def batch_norm_backward(", "def _honest(")
        + """
def batch_norm_backward(dout, x, gamma, eps=1e-5):
    dx, dg, db = _honest(dout, x, gamma, eps)
    return (dx if x.flags.c_contiguous and dout.flags.c_contiguous else dx * 1.01), dg, db
""",
        "wrong_answer",
    ),
    Attack(
        "wrong_for_untested_dtype_mixes",
        "Scales dx by 1.01 for float32 dout with float64 x, or gamma of another dtype than x: the checks mixed dtypes only as float64 dout with float32 x and gamma; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def batch_norm_backward(", "def _honest(")
        + """
def batch_norm_backward(dout, x, gamma, eps=1e-5):
    if dout.dtype == np.float32 and x.dtype == np.float64 or gamma.dtype != x.dtype:
        dx, dg, db = _honest(dout, x, gamma, eps)
        return dx * 1.01, dg, db
    return _honest(dout, x, gamma, eps)
""",
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "torch_autograd",
        "autograd through torch's F.batch_norm in float64",
        """import numpy as np
import torch
import torch.nn.functional as F


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    if x.shape[0] < 2:
        raise ValueError("need at least two examples")
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    g = torch.tensor(np.asarray(gamma, dtype=np.float64), requires_grad=True)
    b = torch.zeros(xt.shape[1], dtype=torch.float64, requires_grad=True)
    out = F.batch_norm(xt, None, None, g, b, training=True, eps=eps)
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return xt.grad.numpy(), g.grad.numpy(), b.grad.numpy()
""",
    ),
    Correct(
        "staged_chain_rule",
        "the staged computational-graph backward (through sqrtvar, var, mu) instead of the closed form",
        """import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    # The classic staged backward pass (CS231n style), each step's chain rule separately.
    x = x.astype(np.float64)
    dout = dout.astype(np.float64)
    gamma = gamma.astype(np.float64)
    n = x.shape[0]
    if n == 1:
        raise ValueError("N == 1")
    mu = np.sum(x, axis=0) / n
    xmu = x - mu
    var = np.sum(xmu**2, axis=0) / n
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -divar / sqrtvar**2
    dvar = 0.5 * dsqrtvar / sqrtvar
    dsq = np.ones_like(x) * dvar / n
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -np.sum(dx1, axis=0)
    dx = dx1 + np.ones_like(x) * dmu / n
    return dx, dgamma, dbeta
""",
    ),
]
