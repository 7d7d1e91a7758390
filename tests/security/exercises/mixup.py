"""White-box attacks on the mixup checks (exercises/mixup/checks.py), several from a red-team pass on an
earlier, statistical version of the checks that these samplers got through."""

from tests.security.exercises import Attack

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
]
