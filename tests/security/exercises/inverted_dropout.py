"""White-box attacks on the inverted-dropout checks (exercises/inverted-dropout/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "inverted-dropout"
SOLUTION = exercise_file(SLUG, "solution.py")
BACKWARD = """
def dropout_backward(grad_out, mask):
    return grad_out.copy() if mask is None else grad_out * mask
"""
# The rest of an honest dropout_forward once p has been judged, and the honest backward: for attacks that change
# only how p is validated.
HONEST_REST = (
    """    if not training:
        return x.copy(), None
    mask = np.zeros_like(x, dtype=float) if p == 1.0 else (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask
"""
    + BACKWARD
)


def _seed_ignored_unless(condition: str) -> str:
    """A dropout_forward that ignores the seed (a private generator keyed by shape, p and how often this generator
    object was used) except where ``condition`` holds, and the honest backward."""
    return (
        """
def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError(p)
    if not training:
        return x.copy(), None
    count = sum(used is rng for used in _used)
    _used.append(rng)
    if p == 1.0:
        mask = np.zeros_like(x, dtype=float)
    elif CONDITION:
        mask = (rng.random(x.shape) >= p) / (1.0 - p)
    else:
        mask = (np.random.default_rng([*x.shape, int(p * 2**40), count]).random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask
""".replace("CONDITION", condition)
        + BACKWARD
    )


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
"""
        + HONEST_REST,
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
    # Batched calls (Learner.map): several calls in one request, answered together.
    Attack(
        "one_unsendable_reply_makes_the_whole_batch_raise_value_error",
        "Never refuses an invalid p except NaN, for which it returns a value whose encoding raises ValueError: the "
        "batch's reply fails as a whole, which must not read as every call of the invalid-p batch raising it.",
        """import numpy as np
class _Poison(int):
    def __int__(self):
        raise ValueError("p")
def dropout_forward(x, p, training, rng):
    if p != p:
        return _Poison(0)
    if not training:
        return x.copy(), None
    mask = np.zeros_like(x, dtype=float) if p >= 1 else (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
"""
        + BACKWARD,
        "runtime_error",
    ),
    Attack(
        "seed_ignored_mask_per_generator_use_count",
        "Ignores the seed: the mask comes from a private generator keyed by shape, p and how many times this "
        "generator object was used, so same-seed and shared-generator calls agree across processes.",
        """import numpy as np
_used = []
"""
        + _seed_ignored_unless("False"),
        "wrong_answer",
    ),
    Attack(
        "seed_ignored_in_batches_seen_through_the_servers_frames",
        "The same seed-ignoring mask, but honest when its request holds a single call: the traceback module "
        "(which the gate allows) captures the server's locals, hence the whole batch, so the lone seed + 1 call "
        "gets a real draw.",
        """import traceback
import numpy as np
_used = []
def _calls():
    for f in traceback.StackSummary.extract(traceback.walk_stack(None), limit=8, capture_locals=True):
        if f.name == "handle" and (f.locals or {}).get("op") == "'map'":
            return f.locals["request"].count("Seed(value=")
    return 1
"""
        + _seed_ignored_unless("500 <= x.size <= 5000 and _calls() == 1"),  # the seed checks' sizes: looking is slow
        "wrong_answer",
    ),
    Attack(
        "seed_ignored_unless_alone_in_the_input_arena",
        "The same, without any import: x is a view of the whole read-only input arena (x.base), where a batch's "
        "inputs are all written before its first call runs, so a call sees whether others share its request.",
        """import numpy as np
_used, _written = [], [0]
def _alone(x):
    arena = np.frombuffer(x.base, dtype=np.uint8)
    start = x.__array_interface__["data"][0] - arena.__array_interface__["data"][0]
    if start < _written[0]:
        return False
    end = start + x.nbytes
    while arena[end : end + 4096].any():
        end += 4096
    if end > start + x.nbytes:
        _written[0] = end - 4096 + int(np.flatnonzero(arena[end - 4096 : end])[-1]) + 1
    return end == start + x.nbytes
"""
        + _seed_ignored_unless("_alone(x)"),
        "wrong_answer",
    ),
    # Against the process the invalid-p and determinism checks share.
    Attack(
        "global_generator_in_the_process_that_began_with_an_invalid_rate",
        "Honest in the first process; in a process whose first call had an invalid p (the second process, which "
        "the invalid-p check starts and the determinism check then reuses) masks come from np.random.",
        """import numpy as np
_first_p = []
def dropout_forward(x, p, training, rng):
    if not _first_p:
        _first_p.append(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(p)
    if not training:
        return x.copy(), None
    if p == 1.0:
        mask = np.zeros_like(x, dtype=float)
    elif 0.0 <= _first_p[0] <= 1.0:
        mask = (rng.random(x.shape) >= p) / (1.0 - p)
    else:
        rng.random(x.shape)
        mask = (np.random.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask
"""
        + BACKWARD,
        "wrong_answer",
    ),
    Attack(
        "rng_only_for_the_sizes_the_determinism_check_used",
        "Draws from rng for inputs of 500 to 5,000 entries, the only size the determinism check once compared across "
        "processes, and from np.random otherwise: every rate and independence test still passes (accepted in 20 "
        "of 20 gradings before the check probed every size).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = (rng.random(x.shape) if 500 <= x.size <= 5000 else np.random.random(x.shape)) >= p",
        ),
        "wrong_answer",
    ),
    Attack(
        "rng_only_for_the_rates_the_determinism_check_used",
        "The same for rates: rng for p in [0.3, 0.7], the determinism check's once-only range, np.random otherwise "
        "(accepted in 10 of 10 gradings before the check probed every rate).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = (rng.random(x.shape) if 0.3 <= p <= 0.7 else np.random.random(x.shape)) >= p",
        ),
        "wrong_answer",
    ),
    Attack(
        "global_generator_above_the_largest_probe",
        "np.random for inputs of 70,000 entries or more, above the determinism check's largest probe once; "
        "only rates are tested there (found by a red team, accepted in 50 of 50 gradings).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = (rng.random(x.shape) if x.size < 70_000 else np.random.random(x.shape)) >= p",
        ),
        "wrong_answer",
    ),
    Attack(
        "global_generator_at_extreme_rates",
        "np.random for p outside [0.05, 0.95], rates no determinism probe used once (found by a red team, "
        "accepted in 50 of 50 gradings).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = (rng.random(x.shape) if 0.05 <= p <= 0.95 else np.random.random(x.shape)) >= p",
        ),
        "wrong_answer",
    ),
    Attack(
        "global_generator_for_writable_inputs",
        "np.random whenever x is writable, as a caller's own array is; the determinism check once sent only "
        "read-only inputs (found by a red team, accepted in 50 of 50 gradings).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = (np.random.random(x.shape) if x.flags.writeable else rng.random(x.shape)) >= p",
        ),
        "wrong_answer",
    ),
    Attack(
        "global_generator_for_views_not_in_c_order",
        "np.random whenever x is not C-contiguous (x.T, x[:, ::2]); the determinism check once sent only "
        "C-ordered inputs (found by a red team, accepted in 20 of 20 gradings).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = (rng.random(x.shape) if x.flags.c_contiguous else np.random.random(x.shape)) >= p",
        ),
        "wrong_answer",
    ),
    Attack(
        "mask_from_rng_and_a_hash_of_x",
        "Takes one number from rng and mixes in a hash of x's bytes: the same seed on the same input repeats, "
        "but the mask depends on the values too (found by a red team, accepted in 20 of 20 gradings).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "import hashlib\n        word = int(rng.integers(0, 2**63))\n        digest = hashlib.sha256(np.ascontiguousarray(x).tobytes()).digest()\n        keep = np.random.default_rng([word, int.from_bytes(digest[:8], 'big')]).random(x.shape) >= p",
        ),
        "wrong_answer",
    ),
    Attack(
        "stops_dropping_after_a_generators_fourth_use",
        "A time bomb: once one generator has served four calls (the determinism check's fourth call), the process "
        "never drops anything again; later checks once tested no rate (found by a red team, accepted in 50 of 50).",
        SOLUTION.replace("import numpy as np\n", "import numpy as np\n_uses, _kept, _done = {}, [], []\n").replace(
            "keep = rng.random(x.shape) >= p",
            "_uses[id(rng)] = _uses.get(id(rng), 0) + 1\n        _kept.append(rng)\n        keep = rng.random(x.shape) >= (0.0 if _done else p)\n        if _uses[id(rng)] >= 4:\n            _done.append(True)",
        ),
        "wrong_answer",
    ),
    Attack(
        "reused_generator_draws_globally_outside_the_probed_size",
        "A generator used before draws from np.random unless the input has 500 to 5,000 entries, the only size a "
        "shared generator served once (found by a red team, accepted in 20 of 20 gradings).",
        SOLUTION.replace("import numpy as np\n", "import numpy as np\n_used = []\n").replace(
            "keep = rng.random(x.shape) >= p",
            "used = any(seen is rng for seen in _used)\n        _used.append(rng)\n        keep = (np.random.random(x.shape) if used and not 500 <= x.size <= 5000 else rng.random(x.shape)) >= p",
        ),
        "wrong_answer",
    ),
    Attack(
        "reused_generator_drops_nothing_outside_the_probed_rates",
        "A generator used before drops nothing unless p is in [0.3, 0.7], the only rates a shared generator "
        "served once (found by a red team, accepted in 50 of 50 gradings).",
        SOLUTION.replace("import numpy as np\n", "import numpy as np\n_used = []\n").replace(
            "keep = rng.random(x.shape) >= p",
            "used = any(seen is rng for seen in _used)\n        _used.append(rng)\n        keep = rng.random(x.shape) >= (0.0 if used and not 0.3 <= p <= 0.7 else p)",
        ),
        "wrong_answer",
    ),
    # Not specific to batching.
    Attack(
        "mask_depends_on_the_order_of_seeds_not_their_value",
        "The mask comes from a private generator keyed by shape, p and the rank of the generator's state among "
        "those seen for that shape and p: the first seed of a process, whatever its value, gives the same mask.",
        SOLUTION.replace(
            "        keep = rng.random(x.shape) >= p",
            "        seen = _seen.setdefault((x.shape, p), [])\n"
            "        state = repr(rng.bit_generator.state)\n"
            "        seen += [state] if state not in seen else []\n"
            "        rng.random()\n"
            "        own = np.random.default_rng([*x.shape, int(p * 2**40), seen.index(state)])\n"
            "        keep = own.random(x.shape) >= p",
        ).replace("import numpy as np\n", "import numpy as np\n_seen = {}\n", 1),
        "wrong_answer",
    ),
    Attack(
        "input_scaled_in_place_when_writable",
        "Scales x (and grad_out) in place whenever the array is writable: the checker's inputs are always "
        "read-only, so the in-place branch never runs under the checks.",
        SOLUTION.replace(
            "    return x * mask, mask",
            "    if x.flags.writeable:\n        x *= mask\n        return x, mask\n    return x * mask, mask",
        ),
        "wrong_answer",
    ),
    Attack(
        "evaluation_refuses_p_only_after_a_training_refusal",
        "Validates p only in training; in evaluation it raises ValueError only when the previous call raised, "
        "which is where the invalid-p check always puts its evaluation calls.",
        """import numpy as np
_raised = [False]
def dropout_forward(x, p, training, rng):
    refuse = not 0.0 <= p <= 1.0 if training else _raised[0]
    _raised[0] = refuse
    if refuse:
        raise ValueError(p)
"""
        + HONEST_REST,
        "wrong_answer",
    ),
    Attack(
        "rate_halved_below_the_statistics_size",
        "Drops at rate p / 2 (with the 1 / (1 - p) scale) on inputs under 25,000 entries: only the statistics "
        "check, on 28,000 to 75,000 entries, tests the rate.",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p", "keep = rng.random(x.shape) >= (p if x.size >= 25_000 else p / 2)"
        ),
        "wrong_answer",
    ),
    Attack(
        "shared_generator_keeps_most_of_its_last_mask",
        "A generator used before gets its previous mask back with only 10% of the entries redrawn: consecutive "
        "training steps share 90% of their mask, yet the masks differ and are deterministic.",
        SOLUTION.replace(
            "        mask = keep / (1.0 - p)",
            "        mask = keep / (1.0 - p)\n"
            "        for used, previous in _last:\n"
            "            if used is rng and previous.shape == x.shape:\n"
            "                mask = np.where(rng.random(x.shape) < 0.9, previous, mask)\n"
            "        _last.append((rng, mask))",
        ).replace("import numpy as np\n", "import numpy as np\n_last = []\n", 1),
        "wrong_answer",
    ),
    Attack(
        "evaluation_refuses_p_only_once_training_has_refused",
        "Validates p only in training; in evaluation it raises only once any training call of the process has "
        "refused a p: whichever mode a batch tests first, the other mode's block would follow a refusal.",
        """import numpy as np
_refused = [False]
def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0 and (training or _refused[0]):
        _refused[0] = True
        raise ValueError(p)
"""
        + HONEST_REST,
        "wrong_answer",
    ),
    Attack(
        "training_refuses_p_only_once_evaluation_has_refused",
        "The mirror image: training validates p only once an evaluation call of the process has refused one.",
        """import numpy as np
_refused = [False]
def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0 and (not training or _refused[0]):
        _refused[0] = True
        raise ValueError(p)
    if not training:
        return x.copy(), None
    if not 0.0 <= p <= 1.0:
        p = min(max(p, 0.0), 1.0) if p == p else 0.5
    mask = np.zeros_like(x, dtype=float) if p == 1.0 else (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask
"""
        + BACKWARD,
        "wrong_answer",
    ),
    Attack(
        "rate_halved_only_below_a_thousand_entries",
        "Drops at rate p / 2 on inputs of fewer than 1,000 entries: a cut-off below every size the statistics "
        "check's large masks and most other checks' inputs use.",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p", "keep = rng.random(x.shape) >= (p if x.size >= 1_000 else p / 2)"
        ),
        "wrong_answer",
    ),
    Attack(
        "nothing_dropped_below_ten_entries",
        "Keeps every entry of inputs with fewer than 10 entries (a gross error only tiny inputs show).",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p", "keep = rng.random(x.shape) >= (p if x.size >= 10 else 0.0)"
        ),
        "wrong_answer",
    ),
    # Second red-team pass on the hardened checks (batches, Writable arguments, small-size bands).
    Attack(
        "no_dropout_when_x_is_writable",
        "Drops nothing whenever x is writable, as every caller's own array is: the checks' inputs are read-only "
        "except the Writable x of the in-place check, whose output that check never looks at.",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p", "keep = rng.random(x.shape) >= (0.0 if x.flags.writeable else p)"
        ),
        "wrong_answer",
    ),
    Attack(
        "backward_ignores_the_mask_when_grad_out_is_writable",
        "Returns grad_out unchanged whenever it is writable: only the in-place check passes a writable grad_out, "
        "and it reads back the arguments, never the result.",
        SOLUTION.replace(
            "    return grad_out * mask",
            "    if grad_out.flags.writeable:\n        return grad_out.copy()\n    return grad_out * mask",
        ),
        "wrong_answer",
    ),
    Attack(
        "rate_halved_on_small_inputs_with_two_long_axes",
        "Drops at rate p / 2 on inputs under 25,000 entries with at least two axes longer than 1 (a (32, 100) "
        "minibatch): the small-size bands lay all their entries along one axis.",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = rng.random(x.shape) >= (p / 2 if sum(n > 1 for n in x.shape) >= 2 and x.size < 25_000 else p)",
        ),
        "wrong_answer",
    ),
    Attack(
        "mask_shared_along_axis_0_on_small_inputs_with_two_long_axes",
        "Spatial dropout (one draw per index of the trailing axes, shared along axis 0) on inputs under 25,000 "
        "entries with two axes longer than 1: only the large masks are tested for independence.",
        SOLUTION.replace(
            "        keep = rng.random(x.shape) >= p\n",
            "        if sum(n > 1 for n in x.shape) >= 2 and x.size < 25_000:\n"
            "            keep = np.broadcast_to(rng.random((1,) + x.shape[1:]) >= p, x.shape)\n"
            "        else:\n"
            "            keep = rng.random(x.shape) >= p\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "neighbours_share_one_draw_on_small_inputs",
        "Entries go in pairs sharing one draw on inputs under 25,000 entries: the rate is right, so the bands of "
        "small inputs (which count drops only) pass.",
        SOLUTION.replace(
            "        keep = rng.random(x.shape) >= p\n",
            "        if x.size < 25_000:\n"
            "            keep = np.repeat(rng.random((x.size + 1) // 2) >= p, 2)[: x.size].reshape(x.shape)\n"
            "        else:\n"
            "            keep = rng.random(x.shape) >= p\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "nothing_dropped_on_small_inputs_when_p_is_outside_a_quarter_to_three_quarters",
        "Drops nothing on inputs under 25,000 entries unless p is in [0.25, 0.75] (p = 0.1 on a small layer): the "
        "bands of small inputs draw p from [0.25, 0.75] only.",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = rng.random(x.shape) >= (p if 0.25 <= p <= 0.75 or x.size >= 25_000 else 0.0)",
        ),
        "wrong_answer",
    ),
    Attack(
        "nothing_dropped_when_p_is_below_a_quarter",
        "Drops nothing when p < 0.25: only the 1-D large mask takes p below 0.25, in about a quarter of gradings.",
        SOLUTION.replace("keep = rng.random(x.shape) >= p", "keep = rng.random(x.shape) >= (p if p >= 0.25 else 0.0)"),
        "wrong_answer",
    ),
    Attack(
        "nothing_or_everything_dropped_when_p_is_outside_three_to_ninety_seven_percent",
        "Keeps everything for p < 0.03 and drops everything for p > 0.97: no drop rate is tested there.",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p",
            "keep = rng.random(x.shape) >= (p if 0.03 <= p <= 0.97 else (0.0 if p < 0.5 else 1.0))",
        ),
        "wrong_answer",
    ),
    Attack(
        "nothing_dropped_on_non_contiguous_inputs",
        "Drops nothing when x is not C-contiguous (a transposed or sliced activation): every input of the checks "
        "is contiguous.",
        SOLUTION.replace(
            "keep = rng.random(x.shape) >= p", "keep = rng.random(x.shape) >= (p if x.flags.c_contiguous else 0.0)"
        ),
        "wrong_answer",
    ),
    Attack(
        "shared_generator_rolls_its_last_mask",
        "A generator used before gets its previous mask shifted by one entry (np.roll), without a new draw: "
        "successive masks differ, keep the rate, and are independent entry by entry, yet each is a function of "
        "the last.",
        SOLUTION.replace(
            "        keep = rng.random(x.shape) >= p\n",
            "        last = _last.get(id(rng))\n"
            "        if last is not None and last[1].shape == x.shape:\n"
            "            keep = np.roll(last[1], 1)\n"
            "        else:\n"
            "            keep = rng.random(x.shape) >= p\n"
            "        _last[id(rng)] = (rng, keep)\n",
        ).replace("import numpy as np\n", "import numpy as np\n_last = {}\n", 1),
        "wrong_answer",
    ),
    Attack(
        "infinite_p_not_refused",
        "Refuses NaN and finite p outside [0, 1], but returns for p = inf or -inf: no infinite p is tried.",
        SOLUTION.replace(
            "    if not 0.0 <= p <= 1.0:",
            "    if p != p or (abs(p) != float('inf') and not 0.0 <= p <= 1.0):",
        ).replace(
            "    if p == 1.0:", "    if p >= 1.0 or p <= 0.0:\n        p = min(max(p, 0.0), 1.0)\n    if p == 1.0:"
        ),
        "wrong_answer",
    ),
    Attack(
        "p_within_1e_10_of_the_range_not_refused",
        "Clamps p within 1e-10 of [0, 1] instead of refusing it: the invalid p tried are at least 1e-9 away.",
        SOLUTION.replace("    if not 0.0 <= p <= 1.0:", "    if not -1e-10 <= p <= 1.0 + 1e-10:").replace(
            "    if not training:", "    p = min(max(p, 0.0), 1.0)\n    if not training:", 1
        ),
        "wrong_answer",
    ),
    Attack(
        "invalid_p_never_refused_on_the_first_call_of_a_process",
        "The first call of a process never refuses an invalid p: the checks never open with an invalid one (the "
        "fresh process starts with a valid call).",
        SOLUTION.replace(
            "    if not 0.0 <= p <= 1.0:", "    _calls[0] += 1\n    if not 0.0 <= p <= 1.0 and _calls[0] > 1:"
        )
        .replace("    if not training:", "    p = min(max(p, 0.0), 1.0) if p == p else 0.5\n    if not training:", 1)
        .replace("import numpy as np\n", "import numpy as np\n_calls = [0]\n", 1),
        "wrong_answer",
    ),
    Attack(
        "invalid_p_refused_only_right_after_a_valid_call",
        "Refuses an invalid p only when the previous call had a valid one: each invalid call of the checks comes "
        "right after a valid call, so two invalid calls in a row (the second returns) are never tried.",
        SOLUTION.replace(
            "    if not 0.0 <= p <= 1.0:",
            "    valid = 0.0 <= p <= 1.0\n    previous, _valid[0] = _valid[0], valid\n    if not valid and previous:",
        )
        .replace("    if not training:", "    p = min(max(p, 0.0), 1.0) if p == p else 0.5\n    if not training:", 1)
        .replace("import numpy as np\n", "import numpy as np\n_valid = [True]\n", 1),
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "binomial_mask_where",
        "keep drawn with rng.binomial(1, 1 - p, shape), mask built with np.where, NaN caught by math.isnan, np.multiply for out and the gradient",
        """import math

import numpy as np


def dropout_forward(x, p, training, rng):
    if math.isnan(p) or p < 0 or p > 1:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not training:
        return np.array(x, copy=True), None
    keep = rng.binomial(1, 1.0 - p, size=x.shape).astype(bool)
    mask = np.where(keep, 1.0 / (1.0 - p) if p < 1 else 0.0, 0.0)
    return np.multiply(x, mask), mask


def dropout_backward(grad_out, mask):
    if mask is None:
        return np.array(grad_out, copy=True)
    return np.multiply(grad_out, mask)
""",
    ),
    Correct(
        "uniform_below_keep_in_place",
        "keep = rng.random(shape) < 1 - p (not >= p), the mask scaled and out multiplied in place on the function's own arrays; evaluation returns x itself, backward grad_out itself",
        """import numpy as np


def dropout_forward(x, p, training, rng):
    if not (0.0 <= p <= 1.0):
        raise ValueError("p must lie in [0, 1]")
    if not training:
        return x, None
    keep_prob = 1.0 - p
    mask = (rng.random(x.shape) < keep_prob).astype(np.float64)
    if keep_prob > 0:
        mask /= keep_prob  # our own array, not the input
    out = x.astype(np.float64, copy=True)
    out *= mask
    return out, mask


def dropout_backward(grad_out, mask):
    if mask is None:
        return grad_out
    return grad_out * mask
""",
    ),
]
