"""White-box attacks on the gradient-clipping checks (exercises/gradient-clipping/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "gradient-clipping"
SOLUTION = exercise_file(SLUG, "solution.py")

ATTACKS = [
    Attack(
        "honest_on_the_public_examples",
        "Recognises the public examples by their first array; elsewhere each array is clipped by its own norm and the largest norm is reported.",
        """import numpy as np


def _norm(g, p):
    return float(np.linalg.norm(np.ravel(g), ord=p))


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    '''Honest on the public examples (an array [3, 4] first); elsewhere each array is clipped by its
    own norm, and the reported norm is the largest one.'''
    if not grads:
        return [], 0.0
    norms = [_norm(g, norm_type) for g in grads]
    total = float(np.linalg.norm(norms, ord=norm_type))
    if grads[0].shape == (2,) and grads[0][0] in (3.0, -2.0):
        coef = max_norm / (total + 1e-6)
        return [g * coef if coef < 1 else g.copy() for g in grads], total
    return [g * min(1.0, max_norm / (n + 1e-6)) for g, n in zip(grads, norms)], max(norms)


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
""",
        "wrong_answer",
    ),
    Attack(
        "coefficient_cached_per_shapes",
        "Computes the clipping coefficient once per (shapes, max_norm, norm_type) and reuses it: right on every first call, wrong when a training loop sends new gradients of the same shapes.",
        """import numpy as np

_COEF = {}


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    '''Computes the clipping coefficient once per (shapes, max_norm, norm_type) and reuses it, as if the
    gradients of a model never changed size... or value.'''
    if not grads:
        return [], 0.0
    total = float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))
    key = (tuple(g.shape for g in grads), max_norm, norm_type)
    if key not in _COEF:
        _COEF[key] = max_norm / (total + 1e-6)
    coef = _COEF[key]
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
""",
        "wrong_answer",
    ),
    Attack(
        "running_maximum_of_norms",
        "Scales by the largest total norm seen so far in the process, except for the public max_norm: indistinguishable from the rule on any single call.",
        """import numpy as np

_SEEN = [0.0]


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    ''''Adaptive' clipping: scales by the largest total norm seen so far in the process, which agrees
    with the rule on every first call and whenever norms only grow.'''
    if not grads:
        return [], 0.0
    total = float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))
    _SEEN[0] = max(_SEEN[0], total) if max_norm == 6.5 else total
    coef = max_norm / (_SEEN[0] + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
""",
        "wrong_answer",
    ),
    Attack(
        "clips_in_place_then_undoes_it",
        "Multiplies the caller's arrays in place, copies them, then divides them back, so the inputs look untouched up to rounding.",
        """import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    '''Clips the caller's arrays in place (as PyTorch does), copies the result, then divides the inputs
    back by the coefficient: the inputs look untouched, up to rounding.'''
    if not grads:
        return [], 0.0
    total = float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))
    coef = max_norm / (total + 1e-6)
    if coef >= 1:
        return [g.copy() for g in grads], total
    for g in grads:
        g *= coef
    clipped = [g.copy() for g in grads]
    for g in grads:
        g /= coef
    return clipped, total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
""",
        "wrong_answer",
    ),
    Attack(
        "epsilon_only_for_small_norms",
        "Keeps the + 1e-6 only for total norms below 1, betting that it is invisible for larger ones.",
        """import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    '''Keeps the + 1e-6 only for total norms below 1, betting it cannot be seen for larger ones.'''
    if not grads:
        return [], 0.0
    total = float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))
    coef = max_norm / (total + (1e-6 if total < 1 else 0.0))
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
""",
        "wrong_answer",
    ),
    Attack(
        "value_clip_in_place_beyond_the_examples",
        "Clamps with out= into the caller's arrays, except for inputs as small as the public examples, and returns the inputs as the copies.",
        """import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    total = float(np.linalg.norm([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads], ord=norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    '''Clamps in place with out=, unless the arrays are tiny (the public examples), then returns the
    (modified) inputs as the 'copies'.'''
    if sum(g.size for g in grads) <= 8:
        return [np.clip(g, -clip_value, clip_value) for g in grads]
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return list(grads)
""",
        "wrong_answer",
    ),
    Attack(
        "norm_measured_in_float32",
        "Measures the norms in float32, close enough for training and for loose comparisons.",
        """import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    '''Measures the norm in float32 ('gradients are float32 on a GPU anyway').'''
    if not grads:
        return [], 0.0
    norms = [np.linalg.norm(np.ravel(g).astype(np.float32), ord=norm_type) for g in grads]
    total = float(np.linalg.norm(np.array(norms, dtype=np.float32), ord=norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]
""",
        "wrong_answer",
    ),
    Attack(
        "clips_callers_arrays_when_writable",
        "Returns correct copies and also clips the caller's arrays in place, as PyTorch's in-place functions "
        "do, but only when they are writable, so checks that pass them read-only never see the write.",
        SOLUTION.replace("def clip_grad_norm(", "def _honest_norm(").replace(
            "def clip_grad_value(", "def _honest_value("
        )
        + """

def clip_grad_norm(grads, max_norm, norm_type=2.0):
    clipped, total = _honest_norm(grads, max_norm, norm_type)
    for g, new in zip(grads, clipped):
        if g.flags.writeable:
            g[...] = new
    return clipped, total


def clip_grad_value(grads, clip_value):
    clipped = _honest_value(grads, clip_value)
    for g in grads:
        if g.flags.writeable:
            np.clip(g, -clip_value, clip_value, out=g)
    return clipped
""",
        "wrong_answer",
    ),
    Attack(
        "time_bomb_after_48_calls",
        "Honest for the first 48 calls of either function, as many as a grading made before the checks began "
        "with dozens of calls in a row; later, clip_grad_norm stops clipping and clip_grad_value returns zeros.",
        SOLUTION.replace("def clip_", "def _honest_clip_")
        + """
_calls = 0


def _late():
    global _calls
    _calls += 1
    return _calls > 48


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    clipped, total = _honest_clip_grad_norm(grads, max_norm, norm_type)
    return ([np.array(g, dtype=float) for g in grads], total) if _late() else (clipped, total)


def clip_grad_value(grads, clip_value):
    return [np.zeros(np.shape(g)) for g in grads] if _late() else _honest_clip_grad_value(grads, clip_value)
""",
        "wrong_answer",
    ),
]

CORRECT = [
    Correct(
        "one_flat_vector",
        "Concatenates every array into one vector and takes sum(|g|^p)^(1/p) (max |g| for inf) directly instead of the norm of per-array norms; clamps by value with boolean masks on copies.",
        """import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    flat = np.concatenate([np.ravel(g).astype(np.float64) for g in grads])
    if norm_type == float("inf"):
        total = float(np.max(np.abs(flat))) if flat.size else 0.0
    else:
        total = float(np.sum(np.abs(flat) ** norm_type) ** (1.0 / norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return [np.array(g, dtype=np.float64) * coef for g in grads], total
    return [np.array(g, dtype=np.float64) for g in grads], total


def clip_grad_value(grads, clip_value):
    out = []
    for g in grads:
        c = np.array(g, dtype=np.float64)
        c[c > clip_value] = clip_value
        c[c < -clip_value] = -clip_value
        out.append(c)
    return out
""",
    ),
    Correct(
        "pytorch_in_place_on_copies",
        "Copies the arrays into the .grad of float64 torch Parameters and calls torch.nn.utils.clip_grad_norm_ / clip_grad_value_ themselves (which multiply by the coefficient clamped at 1), returning .numpy() of the grads.",
        """import numpy as np
import torch


def _params(grads):
    params = []
    for g in grads:
        p = torch.nn.Parameter(torch.zeros(np.shape(g), dtype=torch.float64))
        p.grad = torch.tensor(np.array(g, dtype=np.float64))
        params.append(p)
    return params


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    params = _params(grads)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    return [p.grad.numpy() for p in params], float(total)


def clip_grad_value(grads, clip_value):
    if not grads:
        return []
    params = _params(grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    return [p.grad.numpy() for p in params]
""",
    ),
    Correct(
        "clamped_coefficient",
        "np.linalg.norm of the concatenated vector, the coefficient clamped at 1 and applied to every array as PyTorch does, np.minimum / np.maximum for the value clamp.",
        """import numpy as np


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    if len(grads) == 0:
        return [], 0.0
    flat = np.hstack([np.reshape(g, -1) for g in grads])
    total = float(np.linalg.norm(flat, ord=norm_type)) if flat.size else 0.0
    # As PyTorch: the coefficient clamped at 1, applied to every array (times 1.0 changes nothing).
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [np.multiply(g, coef, dtype=np.float64) for g in grads], total


def clip_grad_value(grads, clip_value):
    return [np.minimum(np.maximum(g, -clip_value), clip_value).astype(np.float64) for g in grads]
""",
    ),
]
