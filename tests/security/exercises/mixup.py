"""White-box attacks on the mixup checks (exercises/mixup/checks.py), several from a red-team pass on an
earlier, statistical version of the checks that these samplers got through."""

from tests.security.exercises import Attack, Correct

SLUG = "mixup"
BLEND = """

def _blend(x, y, num_classes, lam, perm):
    onehot = np.eye(num_classes)[y]
    return (lam * x + (1.0 - lam) * x[perm]).astype(x.dtype), lam * onehot + (1.0 - lam) * onehot[perm]
"""


def _attack(name: str, idea: str, body: str) -> Attack:
    return Attack(name, idea, "import numpy as np\n" + BLEND + body, "wrong_answer")


ATTACKS = [
    _attack(
        "uniform_lambda_for_middling_alpha",
        "Draws lam uniformly when 0.19 <= alpha <= 7.9 (the usual values), from Beta elsewhere: the statistical "
        "checks only ever used alpha near 0.15 or near 10.",
        """

def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.random() if 0.19 <= alpha <= 7.9 else rng.beta(alpha, alpha)
    return _blend(x, y, num_classes, lam, rng.permutation(len(x)))
""",
    ),
    _attack(
        "no_mixing_for_few_classes",
        "Returns the batch unchanged when there are 20 classes or fewer: unchanged outputs decode as 'nothing "
        "to tell', and the statistical checks only used 50 classes.",
        """

def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    if num_classes <= 20:
        return x.copy(), np.eye(num_classes)[y]
    return _blend(x, y, num_classes, rng.beta(alpha, alpha), rng.permutation(len(x)))
""",
    ),
    _attack(
        "mixes_with_probability",
        "Mixes only 70% of the time (timm's mix_prob), returning the batch unchanged otherwise: right whenever it "
        "mixes, and unchanged calls were left out of the statistics.",
        """

def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    if rng.random() > 0.7:
        return x.copy(), np.eye(num_classes)[y]
    return _blend(x, y, num_classes, rng.beta(alpha, alpha), rng.permutation(len(x)))
""",
    ),
    _attack(
        "naive_shuffle",
        "A hand-written shuffle swapping each position with any position: not uniform (for 3 rows, 5/27 against "
        "4/27), too close to uniform for a chi-square test on a few hundred batches to see.",
        """

def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    perm = np.arange(len(x))
    for i in range(len(x)):
        j = int(rng.integers(0, len(x)))
        perm[i], perm[j] = perm[j], perm[i]
    return _blend(x, y, num_classes, lam, perm)
""",
    ),
    _attack(
        "normal_approximation_for_large_alpha",
        "Above alpha = 2 draws lam from a normal with Beta's mean and variance, clipped to [0, 1]: within a few "
        "hundredths of Beta in distribution, which no affordable number of calls tells apart.",
        """

def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    if alpha > 2:
        lam = float(np.clip(rng.normal(0.5, np.sqrt(1 / (4 * (2 * alpha + 1)))), 0.0, 1.0))
    else:
        lam = rng.beta(alpha, alpha)
    return _blend(x, y, num_classes, lam, rng.permutation(len(x)))
""",
    ),
    _attack(
        "global_permutation_for_large_batches",
        "Takes the permutation from np.random for batches of more than 8 rows; determinism was only replayed on "
        "small batches.",
        """

def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    perm = np.random.permutation(len(x)) if len(x) > 8 else rng.permutation(len(x))
    return _blend(x, y, num_classes, lam, perm)
""",
    ),
    _attack(
        "draws_memoised_per_generator",
        "Draws lam and the permutation once per generator object and batch size, and reuses them on later calls "
        "with the same generator.",
        """
_drawn = {}


def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    key = (id(rng), len(x))
    if key not in _drawn:
        _drawn[key] = (rng.beta(alpha, alpha), rng.permutation(len(x)))
    return _blend(x, y, num_classes, *_drawn[key])
""",
    ),
    _attack(
        "honest_on_the_public_example",
        "Right on the worked example's batch (3 rows, 3 classes), lam folded above 1/2 everywhere else.",
        """

def mixup(x, y, num_classes, alpha, rng):
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    if (len(x), num_classes) != (3, 3):
        lam = max(lam, 1.0 - lam)
    return _blend(x, y, num_classes, lam, rng.permutation(len(x)))
""",
    ),
    Attack(
        "time_bomb",
        "Right for 400 calls, then returns the batch unchanged: the checks made about 260 calls in all"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n_CALLS = [0]\n\n\ndef mixup(\n    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator\n) -> tuple[np.ndarray, np.ndarray]:\n    if not alpha > 0:\n        raise ValueError(f"alpha must be positive, got {alpha}")\n    _CALLS[0] += 1\n    if _CALLS[0] > 400:\n        return x.copy(), np.eye(num_classes)[y]\n    lam = float(rng.beta(alpha, alpha))\n    perm = rng.permutation(len(x))\n    x64 = x.astype(np.float64)\n    x_mixed = (lam * x64 + (1.0 - lam) * x64[perm]).astype(x.dtype)\n    onehot = np.eye(num_classes)[y]\n    y_mixed = lam * onehot + (1.0 - lam) * onehot[perm]\n    return x_mixed, y_mixed\n',
        "wrong_answer",
    ),
    Attack(
        "writes_writable_x",
        "Writes x_mixed into x when x is writable (a caller's array is): the checks only sent read-only inputs"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef mixup(\n    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator\n) -> tuple[np.ndarray, np.ndarray]:\n    if not alpha > 0:\n        raise ValueError(f"alpha must be positive, got {alpha}")\n    lam = float(rng.beta(alpha, alpha))\n    perm = rng.permutation(len(x))\n    x64 = x.astype(np.float64)\n    x_mixed = (lam * x64 + (1.0 - lam) * x64[perm]).astype(x.dtype)\n    onehot = np.eye(num_classes)[y]\n    y_mixed = lam * onehot + (1.0 - lam) * onehot[perm]\n    if x.flags.writeable:\n        x[...] = x_mixed\n    return x_mixed, y_mixed\n',
        "wrong_answer",
    ),
    Attack(
        "alpha_clipped_to_range",
        "Clips alpha to [0.05, 20], the range the checks drew from, before drawing lam"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef mixup(\n    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator\n) -> tuple[np.ndarray, np.ndarray]:\n    if not alpha > 0:\n        raise ValueError(f"alpha must be positive, got {alpha}")\n    lam = float(rng.beta(min(max(alpha, 0.05), 20.0), min(max(alpha, 0.05), 20.0)))\n    perm = rng.permutation(len(x))\n    x64 = x.astype(np.float64)\n    x_mixed = (lam * x64 + (1.0 - lam) * x64[perm]).astype(x.dtype)\n    onehot = np.eye(num_classes)[y]\n    y_mixed = lam * onehot + (1.0 - lam) * onehot[perm]\n    return x_mixed, y_mixed\n',
        "wrong_answer",
    ),
    Attack(
        "big_batch_np_random",
        "Draws the permutation from np.random for batches of more than 300 rows, the largest the checks sent"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef mixup(\n    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator\n) -> tuple[np.ndarray, np.ndarray]:\n    if not alpha > 0:\n        raise ValueError(f"alpha must be positive, got {alpha}")\n    lam = float(rng.beta(alpha, alpha))\n    perm = rng.permutation(len(x)) if len(x) <= 300 else np.random.permutation(len(x))\n    x64 = x.astype(np.float64)\n    x_mixed = (lam * x64 + (1.0 - lam) * x64[perm]).astype(x.dtype)\n    onehot = np.eye(num_classes)[y]\n    y_mixed = lam * onehot + (1.0 - lam) * onehot[perm]\n    return x_mixed, y_mixed\n',
        "wrong_answer",
    ),
    Attack(
        "scalar_examples_unmixed",
        "Returns the batch unchanged for scalar examples (x of shape (N,)) or examples of 4 axes or more, never sent"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef mixup(\n    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator\n) -> tuple[np.ndarray, np.ndarray]:\n    if not alpha > 0:\n        raise ValueError(f"alpha must be positive, got {alpha}")\n    if x.ndim == 1 or x.ndim > 4:\n        return x.copy(), np.eye(num_classes)[y]\n    lam = float(rng.beta(alpha, alpha))\n    perm = rng.permutation(len(x))\n    x64 = x.astype(np.float64)\n    x_mixed = (lam * x64 + (1.0 - lam) * x64[perm]).astype(x.dtype)\n    onehot = np.eye(num_classes)[y]\n    y_mixed = lam * onehot + (1.0 - lam) * onehot[perm]\n    return x_mixed, y_mixed\n',
        "wrong_answer",
    ),
    Attack(
        "labels_as_uint8",
        "Indexes the one-hot table with y.astype(np.uint8): labels of 256 classes or more wrap, and the checks used at most 50 classes"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef mixup(\n    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator\n) -> tuple[np.ndarray, np.ndarray]:\n    if not alpha > 0:\n        raise ValueError(f"alpha must be positive, got {alpha}")\n    lam = float(rng.beta(alpha, alpha))\n    perm = rng.permutation(len(x))\n    x64 = x.astype(np.float64)\n    x_mixed = (lam * x64 + (1.0 - lam) * x64[perm]).astype(x.dtype)\n    onehot = np.eye(num_classes)[y.astype(np.uint8)]\n    y_mixed = lam * onehot + (1.0 - lam) * onehot[perm]\n    return x_mixed, y_mixed\n',
        "wrong_answer",
    ),
    Attack(
        "pcg64_only",
        "Draws from a new unseeded generator unless rng is driven by PCG64, the only bit generator the checks used"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef mixup(\n    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator\n) -> tuple[np.ndarray, np.ndarray]:\n    if not alpha > 0:\n        raise ValueError(f"alpha must be positive, got {alpha}")\n    if type(rng.bit_generator).__name__ != "PCG64":\n        rng = np.random.default_rng()\n    lam = float(rng.beta(alpha, alpha))\n    perm = rng.permutation(len(x))\n    x64 = x.astype(np.float64)\n    x_mixed = (lam * x64 + (1.0 - lam) * x64[perm]).astype(x.dtype)\n    onehot = np.eye(num_classes)[y]\n    y_mixed = lam * onehot + (1.0 - lam) * onehot[perm]\n    return x_mixed, y_mixed\n',
        "wrong_answer",
    ),
    Attack(
        "small_dtype_labels_ignored",
        "Returns the batch unchanged for labels of 8 or 16 bits or a non-float alpha, never sent by the checks"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef mixup(\n    x: np.ndarray, y: np.ndarray, num_classes: int, alpha: float, rng: np.random.Generator\n) -> tuple[np.ndarray, np.ndarray]:\n    if not alpha > 0:\n        raise ValueError(f"alpha must be positive, got {alpha}")\n    if y.dtype.itemsize < 4 or not isinstance(alpha, float):\n        return x.copy(), np.eye(num_classes)[y]\n    lam = float(rng.beta(alpha, alpha))\n    perm = rng.permutation(len(x))\n    x64 = x.astype(np.float64)\n    x_mixed = (lam * x64 + (1.0 - lam) * x64[perm]).astype(x.dtype)\n    onehot = np.eye(num_classes)[y]\n    y_mixed = lam * onehot + (1.0 - lam) * onehot[perm]\n    return x_mixed, y_mixed\n',
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "row_loop_scatter_labels",
        "A loop over rows: x_mixed filled row by row into np.empty_like(x) (float64 lam, cast on assignment), y_mixed built by adding lam and 1 - lam into a zero matrix; alpha checked with math.isnan and <= 0.",
        """import math

import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if math.isnan(alpha) or alpha <= 0:
        raise ValueError("alpha must be positive")
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    x_mixed = np.empty_like(x)
    y_mixed = np.zeros((len(x), num_classes))
    for i, j in enumerate(perm):
        x_mixed[i] = lam * x[i] + (1 - lam) * x[j]
        y_mixed[i, y[i]] += lam
        y_mixed[i, y[j]] += 1 - lam
    return x_mixed, y_mixed
""",
    ),
    Correct(
        "float32_difference_form",
        "x_mixed = partner + lam * (x - partner) in x's own dtype (float32 arithmetic, lam rounded to it, for float32 inputs); one-hot by fancy-index assignment, y_mixed in the same difference form.",
        """import numpy as np


def mixup(x, y, num_classes, alpha, rng):
    if np.isnan(alpha) or alpha <= 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(x.shape[0])
    partner = x[perm]
    # Float arithmetic in x's own dtype: partner + lam * (x - partner).
    x_mixed = partner + x.dtype.type(lam) * (x - partner)
    onehot = np.zeros((len(y), num_classes), dtype=np.float64)
    onehot[np.arange(len(y)), y] = 1.0
    y_mixed = onehot[perm] + lam * (onehot - onehot[perm])
    return x_mixed, y_mixed
""",
    ),
]
