"""White-box attacks on the inverted-dropout checks (exercises/inverted-dropout/checks.py)."""

from tests.security.exercises import Attack, exercise_file

SLUG = "inverted-dropout"
SOLUTION = exercise_file(SLUG, "solution.py")
BACKWARD = """
def dropout_backward(grad_out, mask):
    return grad_out.copy() if mask is None else grad_out * mask
"""

ATTACKS = [
    Attack(
        "global_generator_memoised_per_rng_state",
        "Draws from np.random and remembers the mask for each (rng state, shape, p), so a repeated seed "
        "repeats the mask inside one process.",
        """import numpy as np
_memo = {}
def dropout_forward(x, p, training, rng):
    if not 0 <= p <= 1:
        raise ValueError("p")
    if not training:
        return x.copy(), None
    key = (str(rng.bit_generator.state), x.shape, p)
    if key not in _memo:
        _memo[key] = (np.random.random(x.shape) >= p) / (1 - p) if p < 1 else np.zeros(x.shape)
    rng.random()
    return x * _memo[key], _memo[key]
"""
        + BACKWARD,
        "wrong_answer",
    ),
    Attack(
        "honest_only_on_the_public_examples",
        "Memorises the public examples (their shapes) and does nothing useful on anything else.",
        SOLUTION.replace("def dropout_forward(", "def _honest(")
        + """
def dropout_forward(x, p, training, rng):
    if x.shape in ((2, 3), (5, 8), (6, 10)):
        return _honest(x, p, training, rng)
    if not 0 <= p <= 1:
        raise ValueError("p")
    return x.copy(), (None if not training else np.ones_like(x))
""",
        "wrong_answer",
    ),
    Attack(
        "input_scaled_in_place",
        "Multiplies x by the mask in place and returns it: the learner's process could lie about its "
        "arguments, but the checker reads them from shared memory itself.",
        SOLUTION.replace("return x * mask, mask", "x *= mask\n    return x, mask"),
        "wrong_answer",
    ),
    Attack(
        "impostor_value_error",
        "Defines its own exception class named ValueError, which an `except ValueError` never catches.",
        "class ValueError(Exception):\n    pass\n\n" + SOLUTION,
        "wrong_answer",
    ),
    Attack(
        "mask_from_a_hash_of_the_input",
        "Ignores rng and derives the mask from the bytes of x: deterministic across processes, but the "
        "same input then always gets the same mask.",
        """import hashlib
import numpy as np
def dropout_forward(x, p, training, rng):
    if not 0 <= p <= 1:
        raise ValueError("p")
    if not training:
        return x.copy(), None
    seed = int.from_bytes(hashlib.sha256(x.tobytes() + repr(p).encode()).digest()[:8], "big")
    keep = np.random.default_rng(seed).random(x.shape) >= p
    mask = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    return x * mask, mask
"""
        + BACKWARD,
        "wrong_answer",
    ),
    Attack(
        "last_column_never_dropped",
        "Drops at roughly the right overall rate but never touches the last column (a biased mask).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = rng.random(x.shape) >= p\n        if x.ndim == 2:\n            keep[:, -1] = True",
        ),
        "wrong_answer",
    ),
    Attack(
        "one_coin_per_row",
        "Draws one keep/drop decision per row and shares it along the row.",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = np.broadcast_to(rng.random(x.shape[:1] + (1,) * (x.ndim - 1)) >= p, x.shape)",
        ),
        "wrong_answer",
    ),
    Attack(
        "monkeypatch_numpy_comparisons",
        "Makes numpy's comparisons always agree in the learner's process, then skips the scaling; the "
        "checks compare on the trusted side, and the gate refuses the patch.",
        "import numpy as np\nnp.isclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
        + SOLUTION.replace("mask = keep / (1.0 - p)", "mask = keep * 1.0"),
        "restricted_code",
    ),
    Attack(
        "cached_mask_per_shape",
        "Draws one mask per shape from rng and reuses it on later calls (a mask stored between calls).",
        """import numpy as np
_masks = {}
def dropout_forward(x, p, training, rng):
    if not 0 <= p <= 1:
        raise ValueError("p")
    if not training:
        return x.copy(), None
    if (x.shape, p) not in _masks:
        _masks[(x.shape, p)] = (rng.random(x.shape) >= p) / (1 - p) if p < 1 else np.zeros(x.shape)
    return x * _masks[(x.shape, p)], _masks[(x.shape, p)]
"""
        + BACKWARD,
        "wrong_answer",
    ),
]
