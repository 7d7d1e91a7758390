"""White-box attacks on the layer-norm checks (exercises/layer-norm/checks.py)."""

from tests.security.exercises import Attack

SLUG = "layer-norm"

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
]
