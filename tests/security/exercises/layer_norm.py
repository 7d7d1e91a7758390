"""White-box attacks on the layer-norm checks (exercises/layer-norm/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "layer-norm"
SOLUTION = exercise_file(SLUG, "solution.py")

# A correct forward pass; the attacks below differ in where they keep its cache and in their backward.
_FORWARD = """import numpy as np


def _normalise(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def _gradients(dout, x_hat, inv_std, gamma):
    d = x_hat.shape[-1]
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    return dx, (dout * x_hat).reshape(-1, d).sum(axis=0), dout.reshape(-1, d).sum(axis=0)
"""

# The reference with its two functions renamed, for attacks that wrap them.
_RENAMED = SOLUTION.replace("def layer_norm_forward(", "def _forward(").replace(
    "def layer_norm_backward(", "def _backward("
)

ATTACKS = [
    Attack(
        "honest_on_the_public_shapes",
        "Recognises the public examples by their shapes ((2, 3) and (2, 3, 4)); elsewhere the backward pass "
        "skips the variance path.",
        _FORWARD
        + """

def layer_norm_forward(x, gamma, beta, eps=1e-5):
    return _normalise(x, gamma, beta, eps)


def layer_norm_backward(dout, cache):
    x_hat, inv_std, gamma = cache
    if dout.shape in ((2, 3), (2, 3, 4)):
        return _gradients(dout, x_hat, inv_std, gamma)
    d = x_hat.shape[-1]
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True))
    return dx, (dout * x_hat).reshape(-1, d).sum(axis=0), dout.reshape(-1, d).sum(axis=0)
""",
        "wrong_answer",
    ),
    Attack(
        "cache_kept_per_shape",
        "Returns no cache and keeps the last forward call of each shape in a global dict, betting that calls "
        "of different layers differ in shape (the interleaving check uses one shape).",
        _FORWARD
        + """
_BY_SHAPE = {}


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    out, cache = _normalise(x, gamma, beta, eps)
    _BY_SHAPE[x.shape] = cache
    return out, None


def layer_norm_backward(dout, cache):
    return _gradients(dout, *_BY_SHAPE[dout.shape])
""",
        "wrong_answer",
    ),
    Attack(
        "caches_on_a_stack",
        "Pushes every forward call's values on a global stack and pops the newest in backward: right when "
        "the backward calls come in reverse order, as in a network (the check shuffles them otherwise).",
        _FORWARD
        + """
_STACK = []


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    out, cache = _normalise(x, gamma, beta, eps)
    _STACK.append(cache)
    return out, len(_STACK)


def layer_norm_backward(dout, cache):
    return _gradients(dout, *_STACK.pop())
""",
        "wrong_answer",
    ),
    Attack(
        "caches_in_a_queue",
        "Queues every forward call's values globally and takes the oldest of dout's shape in backward: right "
        "when backward calls come in the order of their forward calls (the check's order is never that).",
        _FORWARD
        + """
_QUEUE = []


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    out, cache = _normalise(x, gamma, beta, eps)
    _QUEUE.append((x.shape, cache))
    return out, "queued"


def layer_norm_backward(dout, cache):
    index = next(i for i, (shape, _) in enumerate(_QUEUE) if shape == dout.shape)
    return _gradients(dout, *_QUEUE.pop(index)[1])
""",
        "wrong_answer",
    ),
    Attack(
        "float32_for_large_inputs",
        "Honest float64 on inputs of fewer than 1024 values; larger ones are computed in float32, betting the "
        "checks only look closely at small cases (forward_fresh and backward_fresh always have 2048 or more).",
        _FORWARD
        + """

def layer_norm_forward(x, gamma, beta, eps=1e-5):
    if x.size < 1024:
        return _normalise(x, gamma, beta, eps)
    out, (x_hat, inv_std, g) = _normalise(x.astype(np.float32), gamma.astype(np.float32), beta.astype(np.float32), eps)
    return out.astype(x.dtype), (x_hat.astype(x.dtype), inv_std.astype(x.dtype), gamma)


def layer_norm_backward(dout, cache):
    return _gradients(dout, *cache)
""",
        "wrong_answer",
    ),
    Attack(
        "centres_x_in_place_and_undoes_it",
        "Subtracts each row's mean from x in place and adds it back before returning, so x looks untouched "
        "up to rounding.",
        _FORWARD
        + """

def layer_norm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    x -= mean
    inv_std = 1.0 / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)
    x_hat = x * inv_std
    x += mean
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def layer_norm_backward(dout, cache):
    return _gradients(dout, *cache)
""",
        "wrong_answer",
    ),
    Attack(
        "forces_the_writeable_flag",
        "Sets x.flags.writeable = True to centre x in place anyway, then restores it.",
        _FORWARD
        + """

def layer_norm_forward(x, gamma, beta, eps=1e-5):
    x.flags.writeable = True
    mean = x.mean(axis=-1, keepdims=True)
    x -= mean
    inv_std = 1.0 / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)
    x_hat = x * inv_std
    x += mean
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def layer_norm_backward(dout, cache):
    return _gradients(dout, *cache)
""",
        "runtime_error",
    ),
    Attack(
        "eps_outside_the_root_where_it_seems_negligible",
        "Puts eps inside the square root only where the variance is below 100 * eps (the eps and constant-row "
        "checks), and adds it to the standard deviation elsewhere, where it changes the result by eps / std "
        "relative: more than the tolerance in every case whose eps / std exceeds about 1e-8 (all but about "
        "1 in 10 of the random cases; over 15 such cases, a miss below 1e-14).",
        _FORWARD
        + """

def layer_norm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    inv_std = np.where(var < 100 * eps, 1.0 / np.sqrt(var + eps), 1.0 / (np.sqrt(var) + eps))
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def layer_norm_backward(dout, cache):
    return _gradients(dout, *cache)
""",
        "wrong_answer",
    ),
    Attack(
        "centres_writable_x_in_place",
        "Centres x in place after the forward pass when it is writable: the checks passed every array read-only; found by a red team, accepted in 3 of 3 gradings",
        _RENAMED
        + """
def layer_norm_forward(x, gamma, beta, eps=1e-5):
    r = _forward(x, gamma, beta, eps)
    if x.flags.writeable:
        x -= x.mean(axis=-1, keepdims=True)
    return r


def layer_norm_backward(dout, cache):
    return _backward(dout, cache)
""",
        "wrong_answer",
    ),
    Attack(
        "zeroes_writable_dout",
        "Zeroes dout after the backward pass when it is writable: the checks passed every array read-only; found by a red team, accepted in 3 of 3 gradings",
        _RENAMED
        + """
def layer_norm_forward(x, gamma, beta, eps=1e-5):
    return _forward(x, gamma, beta, eps)


def layer_norm_backward(dout, cache):
    r = _backward(dout, cache)
    if dout.flags.writeable:
        dout[...] = 0
    return r
""",
        "wrong_answer",
    ),
    Attack(
        "time_bomb",
        "Right for 60 calls, then scales out and dx by 1.01: the checks made about 55 calls; found by a red team, accepted in 4 of 4 gradings",
        _RENAMED
        + """
_CALLS = [0]

def layer_norm_forward(x, gamma, beta, eps=1e-5):
    _CALLS[0] += 1
    out, cache = _forward(x, gamma, beta, eps)
    return (out * 1.01 if _CALLS[0] > 60 else out), cache


def layer_norm_backward(dout, cache):
    _CALLS[0] += 1
    dx, dg, db = _backward(dout, cache)
    return (dx * 1.01 if _CALLS[0] > 60 else dx), dg, db
""",
        "wrong_answer",
    ),
    Attack(
        "float32_wrong_beyond_rank_two",
        "Scales dx by 1.01 for float32 inputs of rank other than 2: the checks sent float32 only as (N, D); found by a red team, accepted in 3 of 3 gradings",
        _RENAMED
        + """
def layer_norm_forward(x, gamma, beta, eps=1e-5):
    return _forward(x, gamma, beta, eps)


def layer_norm_backward(dout, cache):
    dx, dg, db = _backward(dout, cache)
    if dout.dtype == np.float32 and dout.ndim != 2:
        dx = dx * np.float32(1.01)
    return dx, dg, db
""",
        "wrong_answer",
    ),
    Attack(
        "default_eps_wrong_in_backward",
        "With eps left out, the output uses 1e-5 but the cache 1e-6 (except on the worked example's shape): the checks judged the backward with the default eps only on the worked example; found by a red team, accepted in 3 of 3 gradings",
        _RENAMED
        + """
def layer_norm_forward(x, gamma, beta, eps=None):
    if eps is None:
        out, _ = _forward(x, gamma, beta, 1e-5)
        return out, _forward(x, gamma, beta, 1e-5 if x.shape == (2, 3) else 1e-6)[1]
    return _forward(x, gamma, beta, eps)


def layer_norm_backward(dout, cache):
    return _backward(dout, cache)
""",
        "wrong_answer",
    ),
    Attack(
        "wrong_for_views_not_in_c_order",
        "Scales out and dx by 1.01 when x or dout is not C-contiguous (a caller's x.T): the checks sent only C-ordered arrays; found by a red team, accepted in 3 of 3 gradings",
        _RENAMED
        + """
def layer_norm_forward(x, gamma, beta, eps=1e-5):
    out, cache = _forward(x, gamma, beta, eps)
    return (out if x.flags.c_contiguous else out * 1.01), cache


def layer_norm_backward(dout, cache):
    dx, dg, db = _backward(dout, cache)
    return (dx if dout.flags.c_contiguous else dx * 1.01), dg, db
""",
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "torch_autograd_graph_in_cache",
        "F.layer_norm in float64 with autograd; the cache holds the graph and backward calls torch.autograd.grad",
        """import numpy as np
import torch
import torch.nn.functional as F


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    # Let autograd do the backward: keep the graph in the cache.
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    g = torch.tensor(gamma, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
    out = F.layer_norm(xt, (x.shape[-1],), weight=g, bias=b, eps=eps)
    return out.detach().numpy().astype(x.dtype), (xt, g, b, out, x.dtype)


def layer_norm_backward(dout, cache):
    xt, g, b, out, dtype = cache
    dx, dgamma, dbeta = torch.autograd.grad(out, (xt, g, b), torch.tensor(dout, dtype=torch.float64))
    return dx.numpy().astype(dtype), dgamma.numpy().astype(dtype), dbeta.numpy().astype(dtype)
""",
    ),
    Correct(
        "rows_dict_cache_sum_form",
        "reshape to (rows, D), np.var, a dict cache, and the sum form D * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat)",
        """import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    shape, d = x.shape, x.shape[-1]
    rows = x.reshape(-1, d).astype(np.float64)
    mean = rows.mean(axis=1)[:, None]
    var = rows.var(axis=1)[:, None]  # np.var centres first
    rstd = 1.0 / np.sqrt(var + eps)
    xhat = (rows - mean) * rstd
    out = xhat * gamma.astype(np.float64) + beta.astype(np.float64)
    return out.reshape(shape).astype(x.dtype), {"xhat": xhat, "rstd": rstd, "gamma": gamma.astype(np.float64), "shape": shape, "dtype": x.dtype}


def layer_norm_backward(dout, cache):
    xhat, rstd, gamma = cache["xhat"], cache["rstd"], cache["gamma"]
    d = xhat.shape[1]
    g = dout.reshape(-1, d).astype(np.float64)
    dxhat = g * gamma
    # Sum form: dx = rstd / D * (D * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))
    dx = rstd / d * (d * dxhat - dxhat.sum(axis=1, keepdims=True) - xhat * (dxhat * xhat).sum(axis=1, keepdims=True))
    dgamma = (g * xhat).sum(axis=0)
    dbeta = g.sum(axis=0)
    dt = cache["dtype"]
    return dx.reshape(cache["shape"]).astype(dt), dgamma.astype(dt), dbeta.astype(dt)
""",
    ),
    Correct(
        "native_dtype",
        "computes in the inputs' own dtype (float32 stays float32) instead of float64 and casting back",
        """import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    # Computed in the inputs' own dtype (float32 stays float32).
    mean = x.mean(axis=-1, keepdims=True)
    xc = x - mean
    var = (xc**2).mean(axis=-1, keepdims=True)
    rstd = 1 / np.sqrt(var + x.dtype.type(eps))
    xhat = xc * rstd
    return gamma * xhat + beta, (xhat, rstd, gamma)


def layer_norm_backward(dout, cache):
    xhat, rstd, gamma = cache
    d = xhat.shape[-1]
    dxhat = dout * gamma
    dx = rstd * (dxhat - dxhat.mean(axis=-1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True))
    dgamma = (dout * xhat).reshape(-1, d).sum(axis=0)
    dbeta = dout.reshape(-1, d).sum(axis=0)
    return dx, dgamma, dbeta
""",
    ),
]
