"""White-box attacks on the adamw-step checks (exercises/adamw-step/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "adamw-step"
SOLUTION = exercise_file(SLUG, "solution.py")
HONEST = SOLUTION.replace("def adam_step(", "def _honest_adam_step(")
SIGNATURE = "def adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled):\n"


def _wrapped(body):
    """The reference renamed ``_honest_adam_step``, and an ``adam_step`` with ``body`` around it."""
    return HONEST + "\n\n" + SIGNATURE + body


ATTACKS = [
    Attack(
        "honest_only_on_the_public_example",
        "Recognises the worked example (three entries, lr = 0.1) and answers it honestly; everything else "
        "treats Adam's L2 as decoupled decay, the commonest confusion.",
        _wrapped(
            """    if np.shape(param) == (3,) and lr == 0.1:
        return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
    return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, True)
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "float32_for_large_arrays",
        "A 'fast path' in float32 for arrays of more than 5000 entries, betting that large cases are few "
        "or compared loosely.",
        _wrapped(
            """    if np.size(param) <= 5000:
        return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
    small = [np.asarray(a, dtype=np.float32) for a in (param, grad, m, v)]
    out = _honest_adam_step(*small, t, np.float32(lr), tuple(np.float32(b) for b in betas), np.float32(eps),
                            np.float32(weight_decay), decoupled)
    return tuple(np.asarray(a, dtype=np.float64) for a in out)
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "step_counter_instead_of_t",
        "Ignores t and counts steps itself per shape, restarting the count whenever the moments are all "
        "zero (a new run): right for every run that starts from t = 1.",
        "_steps = {}\n"
        + _wrapped(
            """    key = np.shape(param)
    _steps[key] = 1 if not (np.any(m) or np.any(v)) else _steps.get(key, 0) + 1
    return _honest_adam_step(param, grad, m, v, _steps[key], lr, betas, eps, weight_decay, decoupled)
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "own_moments_per_shape",
        "Keeps its own moments per shape (as an optimiser object keeps its state) and uses the ones passed "
        "in only the first time it sees a shape: identical whenever each shape is a single run fed back "
        "its own outputs.",
        "_state = {}\n"
        + _wrapped(
            """    key = np.shape(param)
    if key in _state:
        m, v = _state[key]
    new_param, new_m, new_v = _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
    _state[key] = (new_m, new_v)
    return new_param, new_m.copy(), new_v.copy()
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "memoised_by_shape_and_t",
        "Caches each result under (shape, t, decoupled) and returns the cached one for a second call with "
        "the same key.",
        "_memo = {}\n"
        + _wrapped(
            """    key = (np.shape(param), t, decoupled)
    if key not in _memo:
        _memo[key] = _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
    return tuple(a.copy() for a in _memo[key])
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "bias_correction_dropped_for_large_t",
        "Treats the bias corrections as 1 once t > 5000 ('they have converged'), betting that late steps are "
        "only checked where beta ** t has underflowed.",
        _wrapped(
            """    if t <= 5000:
        return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
    beta1, beta2 = betas
    if decoupled:
        param = param * (1.0 - lr * weight_decay)
    else:
        grad = grad + weight_decay * param
    new_m = beta1 * m + (1.0 - beta1) * grad
    new_v = beta2 * v + (1.0 - beta2) * grad * grad
    return param - lr * new_m / (np.sqrt(new_v) + eps), new_m, new_v
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "eps_inside_sqrt_when_small",
        "Puts eps inside the square root whenever eps < 1e-6, where the difference is 'below noise' for "
        "gradients of ordinary size.",
        SOLUTION.replace(
            "new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)",
            "denom = np.sqrt(v_hat + eps) if eps < 1e-6 else np.sqrt(v_hat) + eps\n"
            "    new_param = param - lr * m_hat / denom",
        ),
        "wrong_answer",
    ),
    Attack(
        "small_weight_decay_ignored",
        "Skips weight decay below 1e-3 as negligible, in both modes.",
        _wrapped(
            """    if weight_decay < 1e-3:
        weight_decay = 0.0
    return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "in_place_on_large_arrays",
        "Updates param, m and v in place when they have more than 1000 entries and returns copies, betting "
        "that only a small dedicated check reads the arguments back.",
        _wrapped(
            """    if np.size(param) <= 1000:
        return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
    new_param, new_m, new_v = _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
    param[...], m[...], v[...] = new_param, new_m, new_v
    return param.copy(), m.copy(), v.copy()
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "scalars_without_decay",
        "Gets 0-d parameters wrong (no weight decay at all for them), betting that no check uses one.",
        _wrapped(
            """    if np.ndim(param) == 0:
        weight_decay = 0.0
    return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "honest_for_the_first_hundred_calls",
        "Counts its calls and is honest for the first 100 (more than any short check makes), then switches "
        "to the L2-as-decoupled confusion.",
        "_calls = [0]\n"
        + _wrapped(
            """    _calls[0] += 1
    return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled or _calls[0] > 100)
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "monkeypatched_sqrt",
        "Replaces np.sqrt in its own process by one that adds 1e-8 under the root, then calls the honest "
        "code: the checks compare with values computed outside that process, and the gate refuses the patch.",
        "import numpy as np\n_sqrt = np.sqrt\nnp.sqrt = lambda x: _sqrt(x + 1e-8)\n" + SOLUTION,
        "restricted_code",
    ),
    Attack(
        "in_place_where_writable",
        "Updates param, m and v in place (as torch.optim does) and returns them whenever all three are "
        "writable, as a caller's own arrays are; read-only inputs get new arrays.",
        _wrapped(
            """    out = _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
    if not (param.flags.writeable and m.flags.writeable and v.flags.writeable):
        return out
    param[...], m[...], v[...] = out
    return param, m, v
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "weight_decay_capped_at_one",
        "Caps weight_decay at 1, the top of the range the other checks drew.",
        _wrapped(
            """    return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, min(weight_decay, 1.0), decoupled)
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "modes_swapped_for_strong_decay",
        "Swaps the two modes when lr * weight_decay is above 0.55, beyond the 0.5 the other checks allowed.",
        _wrapped(
            """    if lr * weight_decay > 0.55:
        decoupled = not decoupled
    return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled)
"""
        ),
        "wrong_answer",
    ),
    Attack(
        "decoupled_after_200_calls",
        "Honest for the first 200 calls (more than the other checks make), then always decays decoupled.",
        "_calls = [0]\n"
        + _wrapped(
            """    _calls[0] += 1
    return _honest_adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled or _calls[0] > 200)
"""
        ),
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "torch_optim_adam_and_adamw",
        "Runs torch.optim.Adam / AdamW itself (foreach=False) on float64 tensors, its state (step = t - 1, exp_avg, exp_avg_sq) set from the arguments, and returns the parameter and state as NumPy arrays.",
        """import numpy as np
import torch


def adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled):
    p = torch.tensor(np.array(param, dtype=np.float64), requires_grad=True)
    p.grad = torch.tensor(np.array(grad, dtype=np.float64))
    kind = torch.optim.AdamW if decoupled else torch.optim.Adam
    opt = kind([p], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=False)
    opt.state[p] = {
        "step": torch.tensor(float(t - 1)),
        "exp_avg": torch.tensor(np.array(m, dtype=np.float64)),
        "exp_avg_sq": torch.tensor(np.array(v, dtype=np.float64)),
    }
    opt.step()
    state = opt.state[p]
    return p.detach().numpy(), state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()
""",
    ),
    Correct(
        "step_size_form_in_place",
        "NumPy in the step-size form lr / bc1 and sqrt(v) / sqrt(bc2) + eps, updating its own copies in place (*=, +=, -=), and Python floats for a 0-d parameter.",
        """import math

import numpy as np


def adam_step(param, grad, m, v, t, lr, betas, eps, weight_decay, decoupled):
    beta1, beta2 = betas
    p = np.array(param, dtype=np.float64)  # own copies, updated in place below
    g = np.array(grad, dtype=np.float64)
    if decoupled:
        p *= 1 - lr * weight_decay
    elif weight_decay:
        g += weight_decay * p
    new_m = np.multiply(m, beta1)
    new_m += (1 - beta1) * g
    new_v = np.multiply(v, beta2)
    new_v += (1 - beta2) * np.square(g)
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(new_v) / math.sqrt(1 - beta2**t) + eps
    p -= step_size * new_m / denom
    if p.ndim == 0:
        return float(p), float(new_m), float(new_v)
    return p, new_m, new_v
""",
    ),
]
