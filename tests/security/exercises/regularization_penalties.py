"""White-box attacks on the regularization-penalties checks (exercises/regularization-penalties/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "regularization-penalties"
SOLUTION = exercise_file(SLUG, "solution.py")
HONEST_SGD = "def sgd_step(w: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float = 0.0) -> np.ndarray:"
HONEST_SOFT = "def soft_threshold(w: np.ndarray, threshold: float) -> np.ndarray:"


def _renamed(*names):
    """The reference with each of ``names`` renamed to ``_honest_<name>``, for an attack to wrap."""
    code = SOLUTION
    for name in names:
        code = code.replace(f"def {name}(", f"def _honest_{name}(")
    return code


ATTACKS = [
    Attack(
        "honest_only_on_the_public_examples",
        "Recognises the worked examples by their shapes and answers them honestly; everything else uses "
        "the (lam / 2) convention, hard thresholding and ignores weight decay.",
        _renamed("l2_penalty", "l2_penalty_grad", "sgd_step", "soft_threshold")
        + """
def _public(weights):
    return [np.shape(w) for w in weights] == [(2, 2), (2,)]


def l2_penalty(weights, lam):
    return _honest_l2_penalty(weights, lam) * (1.0 if _public(weights) else 0.5)


def l2_penalty_grad(weights, lam):
    return _honest_l2_penalty_grad(weights, lam if _public(weights) else lam / 2)


def sgd_step(w, grad, lr, weight_decay=0.0):
    return _honest_sgd_step(w, grad, lr, weight_decay if np.shape(w) == (2,) else 0.0)


def soft_threshold(w, threshold):
    if np.shape(w) == (5,):
        return _honest_soft_threshold(w, threshold)
    return np.where(np.abs(w) > threshold, w, 0.0)
""",
        "wrong_answer",
    ),
    Attack(
        "float32_for_large_inputs",
        "A 'fast path': inputs with more than 5000 entries are computed in float32 and cast back, betting "
        "that a check with a loose tolerance or small inputs would not notice.",
        _renamed("l2_penalty", "l1_penalty", "l2_penalty_grad", "sgd_step")
        + """
def _big(weights):
    return sum(np.size(w) for w in weights) > 5000


def _f32(weights):
    return [np.asarray(w, dtype=np.float32) for w in weights]


def l2_penalty(weights, lam):
    return _honest_l2_penalty(_f32(weights) if _big(weights) else weights, lam)


def l1_penalty(weights, lam):
    return _honest_l1_penalty(_f32(weights) if _big(weights) else weights, lam)


def l2_penalty_grad(weights, lam):
    grads = _honest_l2_penalty_grad(_f32(weights) if _big(weights) else weights, lam)
    return [np.asarray(g, dtype=np.float64) for g in grads]


def sgd_step(w, grad, lr, weight_decay=0.0):
    if np.size(w) > 5000:
        w32 = w.astype(np.float32)
        return (w32 - np.float32(lr) * (grad.astype(np.float32) + np.float32(weight_decay) * w32)).astype(np.float64)
    return _honest_sgd_step(w, grad, lr, weight_decay)
""",
        "wrong_answer",
    ),
    Attack(
        "tolerant_zero_tests",
        "'Numerically robust' comparisons: |w| < 1e-12 counts as zero in the L1 gradient, and entries within "
        "1e-12 of the threshold are zeroed, which the statement's edge cases rule out.",
        SOLUTION.replace(
            "return [lam * np.sign(np.asarray(w, dtype=float)) for w in weights]",
            "return [np.where(np.abs(w) < 1e-12, 0.0, lam * np.sign(w)) for w in weights]",
        ).replace(
            "return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)",
            "return np.where(np.abs(w) <= threshold * (1 + 1e-12), 0.0, np.sign(w) * (np.abs(w) - threshold))",
        ),
        "wrong_answer",
    ),
    Attack(
        "soft_threshold_rounds_near_threshold_to_zero",
        "Zeroes every entry within 1e-9 (relative) of the threshold, as if the tiny |w| - threshold left "
        "there were rounding noise.",
        SOLUTION.replace(
            "return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)",
            "return np.where(np.abs(w) <= threshold * (1 + 1e-9), 0.0, np.sign(w) * (np.abs(w) - threshold))",
        ),
        "wrong_answer",
    ),
    Attack(
        "scalars_get_no_lam",
        "Gets 0-d weights wrong (forgets lam in both gradients for them), betting that the checks' 0-d "
        "weights are always 0 or tiny, where lam does not show.",
        _renamed("l2_penalty_grad", "l1_penalty_grad")
        + """
def l2_penalty_grad(weights, lam):
    return [2.0 * w if np.ndim(w) == 0 else g for w, g in zip(weights, _honest_l2_penalty_grad(weights, lam))]


def l1_penalty_grad(weights, lam):
    return [np.sign(w) if np.ndim(w) == 0 else g for w, g in zip(weights, _honest_l1_penalty_grad(weights, lam))]
""",
        "wrong_answer",
    ),
    Attack(
        "in_place_only_on_large_arrays",
        "Updates w in place in sgd_step and soft_threshold when it has more than 1000 entries, betting that "
        "only a small dedicated check reads the arguments back.",
        SOLUTION.replace(
            HONEST_SGD + "\n    return w - lr * (grad + weight_decay * w)",
            HONEST_SGD
            + """
    if np.size(w) > 1000:
        w -= lr * (grad + weight_decay * w)
        return w.copy()
    return w - lr * (grad + weight_decay * w)""",
        ).replace(
            HONEST_SOFT + "\n    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)",
            HONEST_SOFT
            + """
    if np.size(w) > 1000:
        w[...] = np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)
        return w.copy()
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)""",
        ),
        "wrong_answer",
    ),
    Attack(
        "momentum_after_the_counted_calls",
        "Counts sgd_step calls and is honest for the first 15 (more than a fixed set of checks would make), "
        "then keeps a momentum buffer.",
        _renamed("sgd_step")
        + """
_calls = [0]
_velocity = {}


def sgd_step(w, grad, lr, weight_decay=0.0):
    _calls[0] += 1
    if _calls[0] <= 15:
        return _honest_sgd_step(w, grad, lr, weight_decay)
    d = grad + weight_decay * w
    buffer = 0.9 * _velocity.get(np.shape(w), np.zeros_like(d)) + d
    _velocity[np.shape(w)] = buffer
    return w - lr * buffer
""",
        "wrong_answer",
    ),
    Attack(
        "memoised_by_shape",
        "Caches every result under the shapes (and lam or threshold) of its arguments, so a second call with "
        "the same shapes gets the first call's answer.",
        _renamed("l2_penalty", "l1_penalty_grad", "soft_threshold")
        + """
_memo = {}


def _key(name, weights, parameter):
    return (name, tuple(np.shape(w) for w in weights), parameter)


def l2_penalty(weights, lam):
    key = _key("l2", weights, lam)
    if key not in _memo:
        _memo[key] = _honest_l2_penalty(weights, lam)
    return _memo[key]


def l1_penalty_grad(weights, lam):
    key = _key("l1g", weights, lam)
    if key not in _memo:
        _memo[key] = _honest_l1_penalty_grad(weights, lam)
    return [g.copy() for g in _memo[key]]


def soft_threshold(w, threshold):
    key = ("soft", np.shape(w))
    if key not in _memo:
        _memo[key] = _honest_soft_threshold(w, threshold)
    return _memo[key].copy()
""",
        "wrong_answer",
    ),
    Attack(
        "sampled_penalty_for_large_inputs",
        "Estimates a large penalty from a sample of 2000 entries scaled up (unbiased, within a percent or so), "
        "betting on a loose relative tolerance.",
        _renamed("l1_penalty")
        + """
def l1_penalty(weights, lam):
    flat = np.concatenate([np.ravel(w) for w in weights]) if weights else np.zeros(0)
    if flat.size <= 5000:
        return _honest_l1_penalty(weights, lam)
    sample = np.random.default_rng(0).choice(flat, size=2000, replace=False)
    return float(lam * np.abs(sample).mean() * flat.size)
""",
        "wrong_answer",
    ),
    Attack(
        "monkeypatched_sign",
        "Replaces np.sign in its own process by a version that is +1 at zero, then uses it in the L1 "
        "gradient: the checks compare with values computed outside that process, and the gate refuses the "
        "patch.",
        "import numpy as np\nnp.sign = lambda w: np.where(np.asarray(w) >= 0, 1.0, -1.0)\n" + SOLUTION,
        "restricted_code",
    ),
    Attack(
        "in_place_where_writable",
        "Updates w in sgd_step and soft_threshold, and each weight array in l2_penalty_grad, in place and "
        "returns it whenever the array is writable, as a caller's own arrays are; read-only inputs get the "
        "honest copy.",
        _renamed("l2_penalty_grad", "sgd_step", "soft_threshold")
        + """
def sgd_step(w, grad, lr, weight_decay=0.0):
    if not w.flags.writeable:
        return _honest_sgd_step(w, grad, lr, weight_decay)
    w -= lr * (grad + weight_decay * w)
    return w


def soft_threshold(w, threshold):
    if not w.flags.writeable:
        return _honest_soft_threshold(w, threshold)
    w[...] = _honest_soft_threshold(w, threshold)
    return w


def l2_penalty_grad(weights, lam):
    grads = _honest_l2_penalty_grad(weights, lam)
    for w, g in zip(weights, grads):
        if isinstance(w, np.ndarray) and w.flags.writeable:
            w[...] = g
    return grads
""",
        "wrong_answer",
    ),
    Attack(
        "wrong_after_45_calls",
        "Counts the calls of each function and is honest for the first 45 of each (more than the other "
        "checks make), then halves lam and threshold and drops weight decay.",
        _renamed("l2_penalty", "l1_penalty", "l2_penalty_grad", "l1_penalty_grad", "sgd_step", "soft_threshold")
        + """
_calls = {}


def _late(name):
    _calls[name] = _calls.get(name, 0) + 1
    return _calls[name] > 45


def l2_penalty(weights, lam):
    return _honest_l2_penalty(weights, lam / 2 if _late("l2") else lam)


def l1_penalty(weights, lam):
    return _honest_l1_penalty(weights, lam / 2 if _late("l1") else lam)


def l2_penalty_grad(weights, lam):
    return _honest_l2_penalty_grad(weights, lam / 2 if _late("l2g") else lam)


def l1_penalty_grad(weights, lam):
    return _honest_l1_penalty_grad(weights, lam / 2 if _late("l1g") else lam)


def sgd_step(w, grad, lr, weight_decay=0.0):
    return _honest_sgd_step(w, grad, lr, 0.0 if _late("sgd") else weight_decay)


def soft_threshold(w, threshold):
    return _honest_soft_threshold(w, threshold / 2 if _late("soft") else threshold)
""",
        "wrong_answer",
    ),
    Attack(
        "clipped_to_the_checked_ranges",
        "Exact only in the ranges the other checks draw: weights clipped to +-1e5 in the penalties, lam "
        "capped at 150 in the gradients, weight_decay at 1 in sgd_step, and a threshold above 2e5 ignored.",
        _renamed("l2_penalty", "l1_penalty", "l2_penalty_grad", "l1_penalty_grad", "sgd_step", "soft_threshold")
        + """
def _clipped(weights):
    return [np.clip(w, -1e5, 1e5) for w in weights]


def l2_penalty(weights, lam):
    return _honest_l2_penalty(_clipped(weights), lam)


def l1_penalty(weights, lam):
    return _honest_l1_penalty(_clipped(weights), lam)


def l2_penalty_grad(weights, lam):
    return _honest_l2_penalty_grad(weights, min(lam, 150.0))


def l1_penalty_grad(weights, lam):
    return _honest_l1_penalty_grad(weights, min(lam, 150.0))


def sgd_step(w, grad, lr, weight_decay=0.0):
    return _honest_sgd_step(w, grad, lr, min(weight_decay, 1.0))


def soft_threshold(w, threshold):
    return np.array(w, dtype=float) if threshold > 2e5 else _honest_soft_threshold(w, threshold)
""",
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "loops_dot_and_where",
        "Python loops over the arrays: the L2 penalty as np.dot of the raveled array with itself, the L1 gradient by nested np.where, sgd_step adding the decay in place into its own copy of grad, soft thresholding as w - copysign(threshold, w) where |w| > threshold.",
        """import numpy as np


def l2_penalty(weights, lam):
    total = 0.0
    for w in weights:
        flat = np.ravel(w).astype(np.float64)
        total += float(np.dot(flat, flat))
    return lam * total


def l2_penalty_grad(weights, lam):
    return [np.array(w, dtype=np.float64) * (2 * lam) for w in weights]


def l1_penalty(weights, lam):
    total = sum(float(np.abs(w).sum()) for w in weights)
    return float(lam * total)


def l1_penalty_grad(weights, lam):
    grads = []
    for w in weights:
        w = np.asarray(w, dtype=np.float64)
        grads.append(np.where(w > 0, lam, np.where(w < 0, -lam, 0.0)).astype(np.float64))
    return grads


def sgd_step(w, grad, lr, weight_decay=0.0):
    d_p = np.array(grad, dtype=np.float64)  # my own copy
    if weight_decay != 0:
        d_p += weight_decay * w
    return w - lr * d_p


def soft_threshold(w, threshold):
    w = np.asarray(w, dtype=np.float64)
    return np.where(np.abs(w) > threshold, w - np.copysign(threshold, w), 0.0)
""",
    ),
    Correct(
        "pytorch_float64",
        "PyTorch on float64 copies: squared vector_norm and abs().sum() with .item(), torch.sign, p.add_(grad + wd * p, alpha=-lr) as SGD does, torch.nn.functional.softshrink; returns tensor.numpy().",
        """import numpy as np
import torch


def _t(a):
    return torch.tensor(np.array(a, dtype=np.float64))


def l2_penalty(weights, lam):
    return lam * sum((torch.linalg.vector_norm(_t(w)) ** 2).item() for w in weights)


def l2_penalty_grad(weights, lam):
    return [(2.0 * lam * _t(w)).numpy() for w in weights]


def l1_penalty(weights, lam):
    return float(lam * sum(_t(w).abs().sum().item() for w in weights))


def l1_penalty_grad(weights, lam):
    return [(lam * torch.sign(_t(w))).numpy() for w in weights]


def sgd_step(w, grad, lr, weight_decay=0.0):
    p = _t(w)
    p.add_(_t(grad) + weight_decay * p, alpha=-lr)
    return p.numpy()


def soft_threshold(w, threshold):
    return torch.nn.functional.softshrink(_t(w), threshold).numpy()
""",
    ),
    Correct(
        "norms_and_masks",
        "Penalties from np.linalg.norm (squared 2-norm, 1-norm), the L2 gradient scaled in place on its own copy (a float for a 0-d array), the L1 gradient by boolean-mask assignment into zeros, sgd_step expanded as w - lr * grad - lr * wd * w, soft thresholding as sign(w) * where(|w| - t > 0, ...).",
        """import numpy as np


def l2_penalty(weights, lam):
    return float(lam * sum(np.linalg.norm(np.ravel(w)) ** 2 for w in weights))


def l2_penalty_grad(weights, lam):
    out = []
    for w in weights:
        g = np.array(w, dtype=np.float64)  # own copy, scaled in place
        g *= 2.0
        g *= lam
        out.append(g if g.ndim else float(g))
    return out


def l1_penalty(weights, lam):
    return float(lam * sum(np.linalg.norm(np.ravel(w), 1) for w in weights))


def l1_penalty_grad(weights, lam):
    out = []
    for w in weights:
        g = np.zeros(np.shape(w))
        g[np.greater(w, 0)] = lam
        g[np.less(w, 0)] = -lam
        out.append(g)
    return out


def sgd_step(w, grad, lr, weight_decay=0.0):
    return w - lr * grad - lr * weight_decay * w


def soft_threshold(w, threshold):
    magnitude = np.abs(w) - threshold
    return np.sign(w) * np.where(magnitude > 0, magnitude, 0.0)
""",
    ),
]
