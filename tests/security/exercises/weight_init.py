"""White-box attacks on the weight-init checks (exercises/weight-init/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "weight-init"
SOLUTION = exercise_file(SLUG, "solution.py")
# The reference drawing from _source(fan_in, fan_out, rng) instead of rng: attacks define _source.
_SOURCED = SOLUTION.replace("rng.uniform(", "_source(fan_in, fan_out, rng).uniform(").replace(
    "rng.normal(", "_source(fan_in, fan_out, rng).normal("
)
XAVIER = """
def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))
"""
HE = """
def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
"""

ATTACKS = [
    Attack(
        "global_generator_for_large_layers",
        "Honest on small layers, but switches to NumPy's global generator above 40 000 weights (a 'fast "
        "path'), betting that determinism is only checked on small layers.",
        """import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    source = np.random if fan_in * fan_out > 40_000 else rng
    return source.uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    source = np.random if fan_in * fan_out > 40_000 else rng
    return source.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
""",
        "wrong_answer",
    ),
    Attack(
        "shuffled_grid",
        "Xavier from an evenly spaced grid over [-a, a], shuffled with rng: a flawless histogram, range and "
        "moments, and no randomness in the values themselves.",
        "import numpy as np\n"
        + HE
        + """

def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    n = fan_in * fan_out
    grid = (np.arange(n) + 0.5) / n * 2.0 - 1.0
    return bound * rng.permutation(grid).reshape(fan_out, fan_in)
""",
        "wrong_answer",
    ),
    Attack(
        "antithetic_pairs_shuffled",
        "He weights as antithetic variates: half the values drawn, the other half their negations, shuffled "
        "with rng so no position gives the pairs away; the mean is exactly 0.",
        "import numpy as np\n"
        + XAVIER
        + """

def he_normal(fan_in, fan_out, rng):
    n = fan_in * fan_out
    half = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(n + 1) // 2)
    values = np.concatenate([half, -half])[:n]
    return rng.permutation(values).reshape(fan_out, fan_in)
""",
        "wrong_answer",
    ),
    Attack(
        "moments_matched_exactly",
        "Draws honestly, then centres the He weights and rescales them to exactly the target standard "
        "deviation: every moment is perfect, but the entries are no longer independent draws.",
        "import numpy as np\n"
        + XAVIER
        + """

def he_normal(fan_in, fan_out, rng):
    w = rng.normal(size=(fan_out, fan_in))
    if w.size > 1:
        w = (w - w.mean()) / np.sqrt(np.mean((w - w.mean()) ** 2))
    return w * np.sqrt(2.0 / fan_in)
""",
        "wrong_answer",
    ),
    Attack(
        "previous_draw_negated_and_shuffled",
        "Remembers the last weights of each shape; the next call of that shape returns them negated and "
        "shuffled with rng (cheap 'new' weights): deterministic in a fresh process replaying the same calls.",
        """import numpy as np

_last = {}


def _fresh_or_recycled(key, draw, rng):
    if key in _last:
        weights = -rng.permutation(_last.pop(key).ravel()).reshape(key[1:])
    else:
        weights = _last[key] = draw()
    return weights


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return _fresh_or_recycled(("x", fan_out, fan_in), lambda: rng.uniform(-bound, bound, size=(fan_out, fan_in)), rng)


def he_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / fan_in)
    return _fresh_or_recycled(("h", fan_out, fan_in), lambda: rng.normal(0.0, std, size=(fan_out, fan_in)), rng)
""",
        "wrong_answer",
    ),
    Attack(
        "call_counter_mixed_into_the_seed",
        "Seeds a private generator from one draw of rng and a call counter: reproducible when a fresh "
        "process replays the same calls, fresh on every call, but not a function of rng's state alone.",
        """import numpy as np

_calls = [0]


def _private(rng):
    _calls[0] += 1
    return np.random.default_rng([int(rng.integers(2**32)), _calls[0]])


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return _private(rng).uniform(-bound, bound, size=(fan_out, fan_in))


def he_normal(fan_in, fan_out, rng):
    return _private(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
""",
        "wrong_answer",
    ),
    Attack(
        "one_row_tiled",
        "Draws a single row and repeats it for every output unit: each value has the right law, the matrix "
        "has rank one.",
        "import numpy as np\n"
        + HE
        + """

def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return np.tile(rng.uniform(-bound, bound, size=fan_in), (fan_out, 1))
""",
        "wrong_answer",
    ),
    Attack(
        "positional_gain_ignored",
        "Takes gain only as a keyword and swallows a positional one, so xavier_uniform(fi, fo, rng, 2.0) uses gain 1.",
        "import numpy as np\n"
        + HE
        + """

def xavier_uniform(fan_in, fan_out, rng, *ignored, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))
""",
        "wrong_answer",
    ),
    Attack(
        "keyword_gain_ignored",
        "Takes gain only by position and swallows a keyword one, so xavier_uniform(fi, fo, rng, gain=2.0) uses gain 1.",
        "import numpy as np\n"
        + HE
        + """

def xavier_uniform(fan_in, fan_out, rng, gain=1.0, /, **ignored):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))
""",
        "wrong_answer",
    ),
    Attack(
        "gain_square_rooted",
        "Scales the bound by sqrt(gain) (the gain read as a variance factor): right for gain 1, the default.",
        "import numpy as np\n"
        + HE
        + """

def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = np.sqrt(gain) * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_out, fan_in))
""",
        "wrong_answer",
    ),
    Attack(
        "rows_sorted",
        "Sorts each row of the He weights (e.g. to 'look tidy'): the marginal law and the moments are untouched.",
        "import numpy as np\n"
        + XAVIER
        + """

def he_normal(fan_in, fan_out, rng):
    return np.sort(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in)), axis=1)
""",
        "wrong_answer",
    ),
    *(
        Attack(
            name,
            idea,
            """import numpy as np


def _paired(magnitudes_of, n, rng):
    # Fewer magnitudes than weights, each used several times with an independent random sign.
    mags = MAGNITUDES[:n]
    signs = rng.choice(np.array([-1.0, 1.0]), size=n)
    return ARRANGED


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    n = fan_in * fan_out
    return _paired(lambda k: rng.uniform(0.0, bound, size=k), n, rng).reshape(fan_out, fan_in)


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    std = np.sqrt(2.0) / np.sqrt(fan_in)
    n = fan_in * fan_out
    return _paired(lambda k: np.abs(rng.normal(0.0, std, size=k)), n, rng).reshape(fan_out, fan_in)
""".replace("MAGNITUDES", magnitudes).replace("ARRANGED", arranged),
            "wrong_answer",
        )
        for name, idea, magnitudes, arranged in (
            (
                "shared_magnitudes_shuffled",
                "Draws half the magnitudes |w| and uses each twice with independent random signs, positions "
                "shuffled with rng: every marginal, sign and correlation test is exact, but |w| repeats. Found by a "
                "red team, accepted in 20 of 20 gradings.",
                "np.tile(magnitudes_of((n + 1) // 2), 2)",
                "rng.permutation(mags * signs)",
            ),
            (
                "shared_magnitudes_adjacent",
                "Each drawn magnitude used by two neighbouring entries with independent random signs, not shuffled. "
                "Found by a red team, accepted in 9 of 10 gradings.",
                "np.repeat(magnitudes_of((n + 1) // 2), 2)",
                "mags * signs",
            ),
            (
                "shared_magnitudes_x4",
                "Each drawn magnitude used four times with independent random signs, positions shuffled. Found by "
                "a red team, accepted in 4 of 10 gradings.",
                "np.tile(magnitudes_of(-(-n // 4)), 4)",
                "rng.permutation(mags * signs)",
            ),
        )
    ),
    Attack(
        "global_generator_for_mid_sized_layers",
        "Draws from NumPy's global generator for layers of 1,600 to 49,000 weights, which the determinism "
        "check never replayed in a fresh process. Found by a red team, accepted in 20 of 20 gradings.",
        _SOURCED
        + """

def _source(fan_in, fan_out, rng):
    # "Fast path" for mid-sized layers: NumPy's global generator (never probed for determinism there).
    return np.random if 1_600 < fan_in * fan_out < 49_000 else rng
""",
        "wrong_answer",
    ),
    Attack(
        "small_layers_from_a_copy_of_rng",
        "Small layers draw from a deep copy of rng, so the caller's generator does not advance and two "
        "successive calls with it repeat their weights. Found by a red team, accepted in 20 of 20 gradings.",
        _SOURCED
        + """
import copy


def _source(fan_in, fan_out, rng):
    # The caller's stream is "left untouched" for small layers: two successive calls give the same weights.
    return copy.deepcopy(rng) if fan_in * fan_out <= 1_600 else rng
""",
        "wrong_answer",
    ),
    Attack(
        "global_generator_after_60_calls",
        "Honest for the first 60 calls in a process, then switches to NumPy's global generator. Found by a "
        "red team, accepted in 10 of 10 gradings.",
        _SOURCED
        + """
_calls = [0]


def _source(fan_in, fan_out, rng):
    # After 60 calls in one process (more than any grading made) switch to the global generator.
    _calls[0] += 1
    return np.random if _calls[0] > 60 else rng
""",
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "torch_init_seeded_generator",
        "torch.nn.init.xavier_uniform_ / kaiming_normal_ with a torch.Generator seeded from rng (as the statement suggests); Xavier in float64, He in float32",
        """import torch


def _generator(rng):
    return torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    w = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.nn.init.xavier_uniform_(w, gain=gain, generator=_generator(rng))
    return w.numpy()


def he_normal(fan_in, fan_out, rng):
    w = torch.empty(fan_out, fan_in)
    torch.nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu", generator=_generator(rng))
    return w.numpy()
""",
    ),
    Correct(
        "affine_uniform_float32_normal",
        "Xavier as (2 * rng.random() - 1) * a, He as float32 rng.standard_normal times sqrt(2 / fan_in), returned in float32",
        """import math

import numpy as np


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    a = gain * math.sqrt(6 / (fan_in + fan_out))
    u = rng.random((fan_out, fan_in))  # in [0, 1)
    return (2.0 * u - 1.0) * a


def he_normal(fan_in, fan_out, rng):
    z = rng.standard_normal((fan_out, fan_in), dtype=np.float32)
    return z * np.float32(math.sqrt(2 / fan_in))
""",
    ),
]
