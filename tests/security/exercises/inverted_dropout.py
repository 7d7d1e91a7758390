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
    Attack(
        "neighbours_copied_with_exact_rates",
        "On 1-D inputs each entry copies its left neighbour's decision half the time: every entry is still kept "
        "with probability 1 - p, so only the test of independence between neighbours can see it.",
        SOLUTION.replace(
            "        keep = rng.random(x.shape) >= p",
            "        keep = rng.random(x.shape) >= p\n"
            "        if x.ndim == 1:\n"
            "            copy = rng.random(x.shape) < 0.5\n"
            "            for j in range(1, x.size):\n"
            "                if copy[j]:\n"
            "                    keep[j] = keep[j - 1]",
        ),
        "wrong_answer",
    ),
    Attack(
        "neighbours_weakly_correlated",
        "The same with a copy probability of 0.05 (neighbour correlation 0.05): within sampling noise of the rate, "
        "far outside it for a 2x2 independence test on tens of thousands of pairs.",
        SOLUTION.replace(
            "        keep = rng.random(x.shape) >= p",
            "        keep = rng.random(x.shape) >= p\n"
            "        if x.ndim == 1:\n"
            "            copy = rng.random(x.shape) < 0.05\n"
            "            for j in range(1, x.size):\n"
            "                if copy[j]:\n"
            "                    keep[j] = keep[j - 1]",
        ),
        "wrong_answer",
    ),
    # Found by an independent red team with the checks' source in hand.
    Attack(
        "honest_only_on_the_shapes_the_checks_used_to_use",
        "Honest on the shapes older checks always used for statistics and determinism; on anything else a "
        "wrong rate from the global generator.",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = rng.random(x.shape) >= p if x.shape in ((300, 300), (40, 50)) else np.random.random(x.shape) >= p / 2",
        ),
        "wrong_answer",
    ),
    Attack(
        "one_coin_per_row_of_the_last_axis",
        "Spatial-dropout style: for inputs with three or more axes one coin per leading index, shared along the "
        "last axis (a natural bug no 2-D test can see).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = np.broadcast_to(rng.random(x.shape[:-1] + (1,)) >= p, x.shape) if x.ndim >= 3 "
            "else rng.random(x.shape) >= p",
        ),
        "wrong_answer",
    ),
    Attack(
        "ignores_rng_and_counts_calls_per_input",
        "Ignores rng: the mask comes from a hash of x and how many times this x was seen, so the same call "
        "sequence repeats in a fresh process and repeated calls differ.",
        """import hashlib
import numpy as np
_seen = {}
def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError(p)
    if not training:
        return x.copy(), None
    if p == 1.0:
        mask = np.zeros_like(x, dtype=float)
        return x * mask, mask
    key = hashlib.sha256(x.tobytes() + repr((x.shape, p)).encode()).digest()
    count = _seen.get(key, 0)
    _seen[key] = count + 1
    own = np.random.default_rng([int.from_bytes(key[:8], "big"), count])
    mask = (own.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask
"""
        + BACKWARD,
        "wrong_answer",
    ),
    Attack(
        "nan_p_accepted",
        "Tests p < 0 or p > 1, which NaN passes: a NaN rate gives an all-NaN mask instead of a ValueError.",
        SOLUTION.replace("if not 0.0 <= p <= 1.0:", "if p < 0.0 or p > 1.0:"),
        "wrong_answer",
    ),
    Attack(
        "scale_in_place_and_restore_before_replying",
        "Changes x in place and puts it back just before the reply is written (patching the server's frame "
        "writer): the inputs are mapped read-only, so the write itself fails. The gate refuses the import.",
        """import numpy as np
import grader.sandbox.child as child
_real_write = child.protocol.write_frame
_restore = []
def _write(fd, body):
    while _restore:
        view, original = _restore.pop()
        view[...] = original
    _real_write(fd, body)
child.protocol.write_frame = _write
def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError(p)
    if not training:
        return x, None
    mask = np.zeros_like(x, dtype=float) if p == 1.0 else (rng.random(x.shape) >= p) / (1.0 - p)
    _restore.append((x, x.copy()))
    x *= mask
    return x, mask
"""
        + BACKWARD,
        "restricted_code",
    ),
    Attack(
        "typeerror_reported_as_valueerror",
        "Raises TypeError for a bad p and rewrites the server's description of exceptions so it reads as a "
        "ValueError: only the gate sees this one.",
        """import numpy as np
import grader.sandbox.child as child
_real = child._describe
def _lying(exc):
    report = _real(exc)
    if isinstance(exc, TypeError):
        report["type"], report["kinds"] = "ValueError", ["ValueError", "Exception", "BaseException"]
    return report
child._describe = _lying
def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise TypeError(p)
    if not training:
        return x.copy(), None
    mask = np.zeros_like(x, dtype=float) if p == 1.0 else (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask
"""
        + BACKWARD,
        "restricted_code",
        gate_only="the learner's process describes its own exceptions; a process that rewrites the "
        "description can claim any exception class, so only the gate (no access to the grader's code) stops it",
    ),
    Attack(
        "honest_only_with_generators_built_by_the_environment",
        "Patches the server to recognise generators the checks build by handle, is honest with those and draws "
        "from the global generator otherwise. Refused by the gate; without it, the same seed given twice as "
        "a plain argument still has to give the same mask.",
        """import numpy as np
import grader.sandbox.child as child
_real_call = child._Server.call
_built = []
def _call(self, function, request):
    value = _real_call(self, function, request)
    if request.get("environment") and request.get("as_handle"):
        _built.append(self.objects[value.ref])
    return value
child._Server.call = _call
def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError(p)
    if not training:
        return x.copy(), None
    if p == 1.0:
        mask = np.zeros_like(x, dtype=float)
        return x * mask, mask
    source = rng if any(rng is built for built in _built) else np.random
    mask = (source.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask
"""
        + BACKWARD,
        "restricted_code",
    ),
]
