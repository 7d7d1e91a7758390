"""White-box attacks on the label-smoothing checks (exercises/label-smoothing/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "label-smoothing"
SOLUTION = exercise_file(SLUG, "solution.py")
HONEST_LOG_SOFTMAX = """    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))"""


def _renamed(*names):
    """The reference with each of ``names`` renamed to ``_honest_<name>``, for an attack to wrap."""
    code = SOLUTION
    for name in names:
        code = code.replace(f"def {name}(", f"def _honest_{name}(")
    return code


def _replaced(old, new):
    assert old in SOLUTION, old
    return SOLUTION.replace(old, new)


BOTH = ("smoothed_cross_entropy", "smoothed_cross_entropy_grad")

ATTACKS = [
    Attack(
        "honest_only_on_the_public_example",
        "Recognises the worked example by its shape (2, 3) and answers it honestly; everything else spreads "
        "eps over the K - 1 other classes.",
        _renamed(*BOTH)
        + """

def _other_classes(targets, k, smoothing):
    q = np.full((len(targets), k), smoothing / (k - 1))
    q[np.arange(len(targets)), targets] = 1.0 - smoothing
    return q


def smoothed_cross_entropy(logits, targets, smoothing):
    if np.shape(logits) == (2, 3):
        return _honest_smoothed_cross_entropy(logits, targets, smoothing)
    _check_smoothing(smoothing)
    q = _other_classes(targets, logits.shape[1], smoothing)
    return float(-(q * _log_softmax(logits)).sum() / len(logits))


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    if np.shape(logits) == (2, 3):
        return _honest_smoothed_cross_entropy_grad(logits, targets, smoothing)
    _check_smoothing(smoothing)
    q = _other_classes(targets, logits.shape[1], smoothing)
    return (np.exp(_log_softmax(logits)) - q) / len(logits)
""",
        "wrong_answer",
    ),
    Attack(
        "tiny_smoothing_treated_as_none_in_the_loss",
        "Treats a smoothing below 1e-3 as 0 and one above 0.999 as 1 in the loss only (the gradient stays "
        "honest), betting that the difference, eps times a logit gap, hides in the tolerance when the "
        "gaps of random logits average out.",
        _renamed("smoothed_cross_entropy")
        + """

def smoothed_cross_entropy(logits, targets, smoothing):
    if 0.0 <= smoothing < 1e-3:
        smoothing = 0.0
    elif 0.999 < smoothing <= 1.0:
        smoothing = 1.0
    return _honest_smoothed_cross_entropy(logits, targets, smoothing)
""",
        "wrong_answer",
    ),
    Attack(
        "float32_for_many_classes",
        "A 'fast path': with more than 500 classes, computes the softmax in float32 and casts back, betting "
        "that only small K is checked closely.",
        _replaced(
            "def _log_softmax(logits: np.ndarray) -> np.ndarray:\n",
            "def _log_softmax(logits: np.ndarray) -> np.ndarray:\n"
            "    if logits.shape[1] > 500:\n"
            "        z = logits.astype(np.float32)\n"
            "        z = z - z.max(axis=1, keepdims=True)\n"
            "        return (z - np.log(np.exp(z).sum(axis=1, keepdims=True))).astype(np.float64)\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "memoised_by_shape",
        "Caches both results under the shape of the logits (and whether the smoothing is exactly 0 or 1), "
        "so a later call with the same shape but new values gets the first call's answer.",
        _renamed(*BOTH)
        + """

_memo = {}


def smoothed_cross_entropy(logits, targets, smoothing):
    key = ("loss", np.shape(logits), smoothing in (0.0, 1.0))
    if key not in _memo:
        _memo[key] = _honest_smoothed_cross_entropy(logits, targets, smoothing)
    return _memo[key]


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    key = ("grad", np.shape(logits), smoothing in (0.0, 1.0))
    if key not in _memo:
        _memo[key] = _honest_smoothed_cross_entropy_grad(logits, targets, smoothing)
    return _memo[key].copy()
""",
        "wrong_answer",
    ),
    Attack(
        "shift_in_place_and_undo",
        "Subtracts the row maximum from the caller's logits in place and adds it back before returning, so "
        "the logits look untouched afterwards (up to rounding).",
        _replaced(
            HONEST_LOG_SOFTMAX,
            """    m = logits.max(axis=1, keepdims=True)
    logits -= m
    out = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    logits += m
    return out""",
        ),
        "wrong_answer",
    ),
    Attack(
        "logits_clipped_to_700",
        "Makes the naive formula 'safe' by clipping the logits to [-700, 700] before exp, which keeps "
        "everything finite but changes the answer whenever a logit is beyond the clip.",
        _replaced(
            HONEST_LOG_SOFTMAX,
            """    z = np.clip(logits, -700.0, 700.0)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))""",
        ),
        "wrong_answer",
    ),
    Attack(
        "single_example_unsmoothed",
        "Special-cases one example (N = 1), returning the plain cross-entropy and its gradient there, betting "
        "that the hidden cases always have several examples.",
        _renamed(*BOTH)
        + """

def smoothed_cross_entropy(logits, targets, smoothing):
    _check_smoothing(smoothing)
    return _honest_smoothed_cross_entropy(logits, targets, 0.0 if len(logits) == 1 else smoothing)


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    _check_smoothing(smoothing)
    return _honest_smoothed_cross_entropy_grad(logits, targets, 0.0 if len(logits) == 1 else smoothing)
""",
        "wrong_answer",
    ),
    Attack(
        "two_classes_as_a_sigmoid",
        "With K = 2, uses the binary formula with the smoothed target 1 - eps on the labelled class (the "
        "usual binary-smoothing convention, eps / 2 off), betting that K = 2 only appears in the worked "
        "example, which has K = 3.",
        _renamed(*BOTH)
        + """

def _binary_q(targets, smoothing):
    q = np.full((len(targets), 2), smoothing)
    q[np.arange(len(targets)), targets] = 1.0 - smoothing
    return q


def smoothed_cross_entropy(logits, targets, smoothing):
    if np.shape(logits)[1] != 2:
        return _honest_smoothed_cross_entropy(logits, targets, smoothing)
    _check_smoothing(smoothing)
    return float(-(_binary_q(targets, smoothing) * _log_softmax(logits)).sum() / len(logits))


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    if np.shape(logits)[1] != 2:
        return _honest_smoothed_cross_entropy_grad(logits, targets, smoothing)
    _check_smoothing(smoothing)
    return (np.exp(_log_softmax(logits)) - _binary_q(targets, smoothing)) / len(logits)
""",
        "wrong_answer",
    ),
    Attack(
        "validates_only_in_the_loss",
        "Raises ValueError for an invalid smoothing in the loss, but the gradient clamps it into [0, 1] "
        "and carries on.",
        _renamed("smoothed_cross_entropy_grad")
        + """

def smoothed_cross_entropy_grad(logits, targets, smoothing):
    return _honest_smoothed_cross_entropy_grad(logits, targets, min(max(smoothing, 0.0), 1.0))
""",
        "wrong_answer",
    ),
    Attack(
        "monkeypatched_exp",
        "Replaces np.exp in its own process by a version that clips its argument at 700, then uses the naive "
        "unshifted formula: the gate refuses the patch, and without the gate the clipped exponentials give "
        "wrong values on huge logits.",
        "import numpy as np\n_exp = np.exp\nnp.exp = lambda x: _exp(np.minimum(x, 700.0))\n"
        + _replaced(HONEST_LOG_SOFTMAX, "    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))"),
        "restricted_code",
    ),
    Attack(
        "shifts_writable_logits_in_place",
        "Subtracts the row maximum from the logits in place when they are writable, and keeps it: the checks passed every array read-only; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def smoothed_cross_entropy(", "def _loss(").replace(
            "def smoothed_cross_entropy_grad(", "def _grad("
        )
        + """
def smoothed_cross_entropy(logits, targets, smoothing):
    r = _loss(logits, targets, smoothing)
    if logits.flags.writeable:
        logits -= logits.max(axis=1, keepdims=True)
    return r


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    r = _grad(logits, targets, smoothing)
    if logits.flags.writeable:
        logits -= logits.max(axis=1, keepdims=True)
    return r
""",
        "wrong_answer",
    ),
    Attack(
        "time_bomb",
        "Right for 60 calls, then scales both results by 1.01: the checks made about 54 calls; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def smoothed_cross_entropy(", "def _loss(").replace(
            "def smoothed_cross_entropy_grad(", "def _grad("
        )
        + """
_CALLS = [0]

def smoothed_cross_entropy(logits, targets, smoothing):
    _CALLS[0] += 1
    r = _loss(logits, targets, smoothing)
    return r * 1.01 if _CALLS[0] > 60 else r


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    _CALLS[0] += 1
    r = _grad(logits, targets, smoothing)
    return r * 1.01 if _CALLS[0] > 60 else r
""",
        "wrong_answer",
    ),
    Attack(
        "wrong_for_views_not_in_c_order",
        "Scales both results by 1.01 when the logits are not C-contiguous (a caller's z.T): the checks sent only C-ordered arrays; found by a red team, accepted in 3 of 3 gradings",
        SOLUTION.replace("def smoothed_cross_entropy(", "def _loss(").replace(
            "def smoothed_cross_entropy_grad(", "def _grad("
        )
        + """
def smoothed_cross_entropy(logits, targets, smoothing):
    r = _loss(logits, targets, smoothing)
    return r if logits.flags.c_contiguous else r * 1.01


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    r = _grad(logits, targets, smoothing)
    return r if logits.flags.c_contiguous else r * 1.01
""",
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "torch_cross_entropy",
        "torch F.cross_entropy(label_smoothing=...) for the loss, autograd for the gradient",
        """import numpy as np
import torch
import torch.nn.functional as F


def _check(smoothing):
    if smoothing < 0 or smoothing > 1:
        raise ValueError("smoothing must be within [0, 1]")


def smoothed_cross_entropy(logits, targets, smoothing):
    _check(smoothing)
    z = torch.tensor(logits, dtype=torch.float64)
    return F.cross_entropy(z, torch.tensor(targets, dtype=torch.int64), label_smoothing=smoothing).item()


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    _check(smoothing)
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    F.cross_entropy(z, torch.tensor(targets, dtype=torch.int64), label_smoothing=smoothing).backward()
    return z.grad.numpy()
""",
    ),
    Correct(
        "scipy_regulariser_form",
        "scipy.special logsumexp / softmax, and the loss as plain cross-entropy plus eps * (z[y] - mean(z))",
        """import numpy as np
from scipy.special import logsumexp, softmax


def smoothed_cross_entropy(logits, targets, smoothing):
    if not 0 <= smoothing <= 1:
        raise ValueError("smoothing out of range")
    n = logits.shape[0]
    lse = logsumexp(logits, axis=1)
    picked = logits[np.arange(n), targets]
    # Plain cross-entropy plus eps * (z[y] - mean(z)), per example.
    per_row = (lse - picked) + smoothing * (picked - logits.mean(axis=1))
    return float(per_row.mean())


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    if not 0 <= smoothing <= 1:
        raise ValueError("smoothing out of range")
    n, k = logits.shape
    grad = softmax(logits, axis=1) - smoothing / k
    grad[np.arange(n), targets] -= 1 - smoothing
    return grad / n
""",
    ),
    Correct(
        "row_loop",
        "a Python loop over rows, math.log for log-sum-exp, q built per row",
        """import math

import numpy as np


def _validate(eps):
    if eps < 0.0 or eps > 1.0:
        raise ValueError(f"invalid smoothing {eps}")


def smoothed_cross_entropy(logits, targets, smoothing):
    _validate(smoothing)
    n, k = logits.shape
    total = 0.0
    for i in range(n):
        row = logits[i]
        m = row.max()
        lse = m + math.log(np.exp(row - m).sum())
        logp = row - lse
        total -= (smoothing / k) * logp.sum() + (1 - smoothing) * logp[targets[i]]
    return total / n


def smoothed_cross_entropy_grad(logits, targets, smoothing):
    _validate(smoothing)
    n, k = logits.shape
    grad = np.empty((n, k))
    for i in range(n):
        e = np.exp(logits[i] - logits[i].max())
        q = np.full(k, smoothing / k)
        q[targets[i]] += 1 - smoothing
        grad[i] = (e / e.sum() - q) / n
    return grad
""",
    ),
]
