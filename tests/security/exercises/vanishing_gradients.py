"""White-box attacks on the vanishing-gradients checks (exercises/vanishing-gradients/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "vanishing-gradients"
SOLUTION = exercise_file(SLUG, "solution.py")
HONEST = SOLUTION.replace("def layer_gradient_norms(", "def _honest(")

ATTACKS = [
    Attack(
        "memorised_public_networks",
        "Recognises the public networks by the bytes of x and answers them honestly; anything else gets the "
        "norms of a linear network (no activation derivative), which look plausible.",
        HONEST
        + """

_PUBLIC = {
    np.array([[1.0, 2.0, -1.0, 0.5], [-0.5, 0.0, 1.5, 2.0]]).tobytes(),
    np.random.default_rng(0).normal(size=640)[600:].reshape(4, 10).tobytes(),
}


def layer_gradient_norms(weights, x, activation):
    if x.tobytes() in _PUBLIC:
        return _honest(weights, x, activation)
    grad = np.ones((x.shape[0], weights[-1].shape[0]))
    hs = [x]
    for w in weights[:-1]:
        hs.append(hs[-1] @ w.T)
    norms = []
    for layer in reversed(range(len(weights))):
        norms.append(float(np.linalg.norm(grad.T @ hs[layer])))
        grad = grad @ weights[layer]
    return norms[::-1]
""",
        "wrong_answer",
    ),
    Attack(
        "cached_by_architecture",
        "Computes once per (layer shapes, batch, activation) and replays the remembered norms whenever the "
        "same architecture comes back.",
        HONEST
        + """

_cache = {}


def layer_gradient_norms(weights, x, activation):
    key = (tuple(w.shape for w in weights), x.shape, activation)
    if key not in _cache:
        _cache[key] = _honest(weights, x, activation)
    return list(_cache[key])
""",
        "wrong_answer",
    ),
    Attack(
        "dead_units_recognised_by_pattern",
        "Uses z >= 0 for the ReLU derivative, but treats a unit as dead when its weight row or its input row "
        "is all zeros: exactly the ways a check might make a pre-activation 0.",
        """import numpy as np


def layer_gradient_norms(weights, x, activation):
    act = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
    hs, zs, dead = [x], [], []
    for w in weights:
        zs.append(hs[-1] @ w.T)
        dead.append((w == 0).all(axis=1)[None, :] | (hs[-1] == 0).all(axis=1)[:, None])
        hs.append(act(zs[-1]))
    grad_h = np.ones_like(hs[-1])
    norms = [0.0] * len(weights)
    for layer in reversed(range(len(weights))):
        z, h = zs[layer], hs[layer + 1]
        if activation == "sigmoid":
            d = h * (1 - h)
        elif activation == "tanh":
            d = 1 - h**2
        else:
            d = ((z >= 0) & ~dead[layer]).astype(float)
        grad_z = grad_h * d
        norms[layer] = float(np.linalg.norm(grad_z.T @ hs[layer]))
        grad_h = grad_z @ weights[layer]
    return norms
""",
        "wrong_answer",
    ),
    Attack(
        "tiny_norms_reported_as_zero",
        "Rounds every norm below 1e-10 to exactly 0.0 ('numerically zero'), which hides how far gradients "
        "vanish in deep sigmoid networks.",
        HONEST
        + """

def layer_gradient_norms(weights, x, activation):
    return [0.0 if norm < 1e-10 else norm for norm in _honest(weights, x, activation)]
""",
        "wrong_answer",
    ),
    Attack(
        "float32_backward_pass",
        "Runs the whole backward pass in float32 for speed: right to about 1e-6, which a loose tolerance would accept.",
        HONEST
        + """

def layer_gradient_norms(weights, x, activation):
    return _honest([w.astype(np.float32) for w in weights], x.astype(np.float32), activation)
""",
        "wrong_answer",
    ),
    Attack(
        "torch_linear_layers_in_float32",
        "A PyTorch solution that copies the weights into nn.Linear layers, whose default dtype is float32.",
        """import torch

ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


def layer_gradient_norms(weights, x, activation):
    layers = []
    for w in weights:
        layer = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(w))
        layers.append(layer)
    h = torch.from_numpy(x).float()
    for layer in layers:
        h = ACTIVATIONS[activation](layer(h))
    grads = torch.autograd.grad(h.sum(), [layer.weight for layer in layers])
    return [g.norm().item() for g in grads]
""",
        "wrong_answer",
    ),
    Attack(
        "inputs_centred_in_place",
        "Centres x in place before the forward pass (x -= x.mean()) and undoes nothing: the caller's data "
        "changes, which the learner's own process would never report.",
        HONEST
        + """

def layer_gradient_norms(weights, x, activation):
    norms = _honest(weights, x, activation)
    x -= x.mean()
    return norms
""",
        "wrong_answer",
    ),
    Attack(
        "first_example_times_batch",
        "Backpropagates only the first example and multiplies by the batch size, exact for a batch of one "
        "and for identical rows.",
        HONEST
        + """

def layer_gradient_norms(weights, x, activation):
    return [x.shape[0] * norm for norm in _honest(weights, x[:1], activation)]
""",
        "wrong_answer",
    ),
    Attack(
        "weight_decay_on_writable_weights",
        "Right norms, then shrinks every weight matrix in place by 1%, but only when it is writable (a "
        "caller's own array), so checks that pass the weights read-only never see the write.",
        HONEST
        + """

def layer_gradient_norms(weights, x, activation):
    norms = _honest(weights, x, activation)
    for w in weights:
        if w.flags.writeable:
            w *= 0.99
    return norms
""",
        "wrong_answer",
    ),
    Attack(
        "time_bomb_after_33_calls",
        "Honest for the first 33 calls, as many as a grading made before the checks began with dozens of calls "
        "in a row; every later norm is doubled.",
        HONEST
        + """

_calls = 0


def layer_gradient_norms(weights, x, activation):
    global _calls
    _calls += 1
    norms = _honest(weights, x, activation)
    return [2.0 * norm for norm in norms] if _calls > 33 else norms
""",
        "wrong_answer",
    ),
]

CORRECT = [
    Correct(
        "pytorch_autograd",
        "PyTorch autograd on float64 copies of the weights, norms with torch.linalg.norm(...).item().",
        """import numpy as np
import torch


def layer_gradient_norms(weights, x, activation):
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    ws = [torch.tensor(np.array(w, dtype=np.float64), requires_grad=True) for w in weights]
    h = torch.tensor(np.array(x, dtype=np.float64))
    for w in ws:
        h = act(h @ w.T)
    h.sum().backward()
    return [torch.linalg.norm(w.grad).item() for w in ws]
""",
    ),
    Correct(
        "einsum_and_other_derivatives",
        "NumPy with einsum, the sigmoid as 1 / (1 + exp(-z)), tanh's derivative as 1 / cosh(z)^2 (from z, not from the output), np.linalg.norm(..., 'fro'), norms collected last layer first then reversed.",
        """import numpy as np


def layer_gradient_norms(weights, x, activation):
    hs, zs = [np.asarray(x, dtype=float)], []
    for w in weights:
        z = np.einsum("bi,oi->bo", hs[-1], w)
        zs.append(z)
        if activation == "sigmoid":
            hs.append(1.0 / (1.0 + np.exp(-z)))  # pre-activations stay within +-12
        elif activation == "tanh":
            hs.append(np.tanh(z))
        else:
            hs.append(np.where(z > 0, z, 0.0))
    norms = []
    delta = np.ones_like(hs[-1])
    for layer in range(len(weights) - 1, -1, -1):
        z = zs[layer]
        if activation == "sigmoid":
            s = hs[layer + 1]
            d = s * (1 - s)
        elif activation == "tanh":
            d = 1.0 / np.cosh(z) ** 2
        else:
            d = np.where(z > 0, 1.0, 0.0)
        delta = delta * d
        grad_w = np.einsum("bo,bi->oi", delta, hs[layer])
        norms.append(float(np.linalg.norm(grad_w, "fro")))
        delta = delta @ weights[layer]
    return norms[::-1]
""",
    ),
    Correct(
        "one_example_at_a_time",
        "Backpropagates each example on its own (w @ h, outer products added up), the sigmoid as exp(-logaddexp(0, -z)), norms as sqrt of the sum of squares.",
        """import numpy as np


def _act(z, activation):
    if activation == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -z))
    if activation == "tanh":
        return np.tanh(z)
    return np.maximum(z, 0.0)


def _dact(z, activation):
    if activation == "sigmoid":
        s = _act(z, activation)
        return s - s * s
    if activation == "tanh":
        return 1.0 - np.tanh(z) ** 2
    return (z > 0) * 1.0


def layer_gradient_norms(weights, x, activation):
    # Backpropagation one example at a time; the gradients of the batch add up.
    grads = [np.zeros(w.shape) for w in weights]
    for example in x:
        hs, zs = [example], []
        for w in weights:
            zs.append(w @ hs[-1])
            hs.append(_act(zs[-1], activation))
        delta = np.ones(len(hs[-1]))
        for layer in reversed(range(len(weights))):
            delta = delta * _dact(zs[layer], activation)
            grads[layer] += np.outer(delta, hs[layer])
            delta = weights[layer].T @ delta
    return [float(np.sqrt((g**2).sum())) for g in grads]
""",
    ),
]
