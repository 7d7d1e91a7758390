"""Hidden checks for mixup.

The statement fixes the draws: ``lam = rng.beta(alpha, alpha)``, then ``perm = rng.permutation(N)``, one
call each and in that order, so the generator's state decides the result. Every check recomputes the
result here, from a generator in the same state, and compares values; there is no statistical test, so
a correct solution cannot fail by chance, and no sampler that differs from the statement's (a hand-written
shuffle that is not uniform, lam clipped or folded, a draw skipped for some batches) can pass on the
calls it changes. Property tests alone could not pin the distribution of one lam per call: a red-team pass
found samplers wrong only for some alpha, or close to Beta, that no affordable number of calls told apart.

Hidden cases come from ``rng`` (seeded from a secret fresh for every grading): 200 independent calls over
the whole input space the statement allows, beyond the edge cases it lists (batches of 1 to 3,000 rows,
examples of 0 to 4 axes, float32 and float64 of magnitudes 1e-3 to 1e3, labels of every integer dtype from
int8 to uint64 with repeats, 2 to 600 classes, alpha from 1e-3 to 1e3 or a Python int, generators on five bit
generators, seeds 0 and 2**63 - 1, x and y writable in about half the calls and read back), so that a
submission wrong on any region of it meets that region; 200 to 500 more calls among them, so that behaviour
changing after some number of calls meets judged calls past it; and 40 calls sharing one generator (each
draws anew). A red-team pass got samplers right only on the old, narrower ranges accepted in every grading
(kept as attacks).

When a result differs, the message says what the outputs are, decoded on this side: the lam read from a
label row that mixes two classes (there y_mixed[i, y[i]] = lam) and each row's partner, so a learner
learns whether the blend is wrong or only the draws (order, method, generator). Decoding is feedback: the
verdict is the comparison.

Tolerances: x_mixed within 8 float32 (or float64) rounding units of the largest |x| (float32 inputs may
be blended in float32, with lam rounded to float32), y_mixed within 1e-7 for float32 inputs (lam in
float32 there too) and 1e-12 otherwise.
"""

import math

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, assert_array, assert_close, check

ENVIRONMENT = """
import sys

import numpy as np


def generator(seed, kind="PCG64"):
    return np.random.Generator(getattr(np.random, kind)(seed))


def calls(requests):
    # Calls with their own seeded generators (of the bit generator named) in one round trip: the return values
    # come back (none for keep 0, calls made only to be made), and for keep 2 x and y as they are after the call
    # (sent writable, as a caller's arrays are: the checker compares them with its own copies).
    mixup = sys.modules["submission"].mixup
    results = []
    for x, y, classes, alpha, kind, seed, keep in requests:
        result = mixup(x, y, classes, alpha, generator(seed, kind))
        results.append(None if keep == 0 else (result,) if keep == 1 else (result, x, y))
    return results


def sequence(rng, requests):
    # Calls sharing one generator, in order, in one round trip: only the return values come back.
    mixup = sys.modules["submission"].mixup
    return [mixup(x, y, classes, alpha, rng) for x, y, classes, alpha in requests]
"""

# Bit generators a caller may build a Generator on: a submission must draw through rng whatever drives it.
KINDS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
LABEL_DTYPES = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64")


def _generator(seed, kind="PCG64"):
    return np.random.Generator(getattr(np.random, kind)(seed))


ROUNDING = {np.dtype("float32"): float(np.finfo(np.float32).eps), np.dtype("float64"): float(np.finfo(float).eps)}
LABEL_TOLERANCE = {np.dtype("float32"): 1e-7, np.dtype("float64"): 1e-12}


def _seed(rng):
    return int(rng.integers(0, 2**62))


def _case(rng, n=None):
    """A batch over the whole input space: (x, y, classes, alpha)."""
    if n is None:
        n = int(np.exp(rng.uniform(0.0, np.log(300))))
    # Rows of 2 to 64 values; a large batch has few (the decoding of a failure compares every pair).
    axes = int(rng.integers(1, 4)) if n <= 64 else 1
    shape = (n, *(int(s) for s in rng.integers(2, 5, size=axes)))
    x = rng.normal(0.0, 1.0, size=shape).astype(str(rng.choice(["float32", "float64"])))
    classes = int(rng.integers(2, 51))
    y = rng.integers(0, classes, size=n).astype(str(rng.choice(["int32", "int64"])))
    return x, y, classes, float(np.exp(rng.uniform(np.log(0.05), np.log(20.0))))


def _wide_case(rng):
    """A batch over the whole input space the statement allows, beyond the edge cases it lists: (x, y, classes,
    alpha). Batches of 1 to 300 rows (log-uniform), one in five of 300 to
    3,000, examples of 0 to 4 axes (x of shape (N,) holds scalar
    examples), values of magnitudes 1e-3 to 1e3, 2 to 600 classes (at most 5,000 entries in y_mixed where
    the batch allows), labels of every integer dtype that holds them (8 to 64 bits, signed and unsigned),
    alpha log-uniform from 1e-3 to 1e3 or a Python int."""
    n = int(np.exp(rng.uniform(0.0, np.log(300)) if rng.random() < 0.8 else rng.uniform(np.log(300), np.log(3000))))
    # Rows of at most 256 values; a large batch has at most 4 (the decoding of a failure compares every pair).
    axes = int(rng.integers(0, 5)) if n <= 64 else int(rng.integers(0, 2))
    shape = (n, *(int(s) for s in rng.integers(1, 5, size=axes)))
    x = rng.normal(0.0, 1.0, size=shape) * 10.0 ** int(rng.integers(-3, 4))
    x = x.astype(str(rng.choice(["float32", "float64"])))
    classes = int(np.exp(rng.uniform(np.log(2), np.log(max(2, min(600, 5_000 // n))))))
    dtypes = [dtype for dtype in LABEL_DTYPES if np.iinfo(dtype).max >= classes - 1]
    y = rng.integers(0, classes, size=n).astype(str(rng.choice(dtypes)))
    alpha = int(rng.integers(1, 31)) if rng.random() < 0.15 else float(np.exp(rng.uniform(np.log(1e-3), np.log(1e3))))
    return x, y, classes, alpha


def _expected(x, y, classes, alpha, generator):
    """The statement's result, from ``generator`` in the state the learner's had: (lam, perm, x, y)."""
    lam = float(generator.beta(alpha, alpha))
    perm = generator.permutation(len(x))
    rows = x.astype(np.float64)
    onehot = np.zeros((len(y), classes))
    onehot[np.arange(len(y)), y] = 1.0
    return lam, perm, lam * rows + (1.0 - lam) * rows[perm], lam * onehot + (1.0 - lam) * onehot[perm]


def _text(x, y, classes, alpha, rng_text):
    labels = f"{y.tolist()[:6]}{'...' if len(y) > 6 else ''} ({y.dtype})"
    return f"mixup(x of shape {x.shape} {x.dtype}, y {labels}, {classes}, {alpha!r}, {rng_text})"


def _judge(x, y, classes, alpha, outputs, generator, what):
    """Compare the learner's outputs with the statement's result from ``generator`` (advanced here as the
    learner's was); a difference fails with what the outputs are instead."""
    lam, perm, x_expected, y_expected = _expected(x, y, classes, alpha, generator)
    if not (isinstance(outputs, tuple | list) and len(outputs) == 2):
        raise CheckFailed(f"{what}: expected a tuple (x_mixed, y_mixed), got {type(outputs).__name__}")
    x_mixed = assert_array(outputs[0], what=f"{what}: x_mixed", shape=x.shape, dtype=x.dtype)
    y_mixed = assert_array(outputs[1], what=f"{what}: y_mixed", shape=(len(x), classes), dtype=np.float64)
    tolerance = 8 * ROUNDING[x.dtype] * max(1.0, float(np.abs(x).max()))
    x_off = np.abs(x_mixed.astype(np.float64) - x_expected)
    y_off = np.abs(y_mixed - y_expected)
    if (x_off <= tolerance).all() and (y_off <= LABEL_TOLERANCE[x.dtype]).all():
        return
    drawn = f"rng.beta(alpha, alpha) gives lam = {lam:.8g}, then rng.permutation({len(x)}) gives {_short(perm)}"
    if not (np.isfinite(x_mixed).all() and np.isfinite(y_mixed).all()):
        raise CheckFailed(f"{what}: every value of x_mixed and y_mixed must be finite ({drawn})")
    raise CheckFailed(f"{what}: with this generator {drawn}. {_diagnosis(x, y, classes, x_mixed, y_mixed, lam, perm)}")


def _short(values):
    shown = ", ".join(str(int(v)) for v in values[:8])
    return f"[{shown}{', ...' if len(values) > 8 else ''}]"


def _diagnosis(x, y, classes, x_mixed, y_mixed, lam, perm):
    """What the outputs are, decoded: a blend of pairs with one lam (then which draw differs), or not."""
    n = len(x)
    if n * n * (x[:1].size + classes) > 30_000_000:
        return "Your outputs differ from that blend (the batch is too large to decode which draw differs)."
    rows, mixed = x.reshape(n, -1).astype(np.float64), x_mixed.reshape(n, -1).astype(np.float64)
    tolerance = 8 * ROUNDING[x.dtype] * max(1.0, float(np.abs(rows).max()))
    mixing = np.flatnonzero((y_mixed != 0).sum(axis=1) == 2)
    if mixing.size == 0:
        if np.abs(mixed - rows).max() <= tolerance:
            return "Your outputs are the batch unchanged: every call must blend it with the lam and permutation drawn."
        return "No row of y_mixed blends two classes: mix the one-hot labels with lam and 1 - lam."
    seen = float(y_mixed[mixing[0], y[mixing[0]]])
    onehot = np.eye(classes)[y]
    x_left = np.abs(mixed[:, None, :] - seen * rows[:, None, :] - (1.0 - seen) * rows[None, :, :]).max(axis=2)
    y_left = np.abs(y_mixed[:, None, :] - seen * onehot[:, None, :] - (1.0 - seen) * onehot[None, :, :]).max(axis=2)
    fits = (x_left <= tolerance) & (y_left <= 1e-7)
    unexplained = np.flatnonzero(~fits.any(axis=1))
    if unexplained.size:
        i = int(unexplained[0])
        return (
            f"Your y_mixed says lam = {seen:.8g} (row {int(mixing[0])}), but row {i} of x_mixed and y_mixed is not "
            f"lam * (x[{i}], onehot(y[{i}])) + (1 - lam) * (x[j], onehot(y[j])) for any row j: use one lam for the "
            "whole batch, on the example itself, and 1 - lam on its partner, for x and for the labels alike."
        )
    partners = fits.argmax(axis=1)
    if (fits.sum(axis=1) == 1).all() and np.unique(partners).size != n:
        return (
            f"Your outputs blend with lam = {seen:.8g}, but some rows serve as the partner of several: the partners "
            "must be a permutation of the batch."
        )
    if not math.isclose(seen, lam, rel_tol=1e-6, abs_tol=1e-300):
        return (
            f"Your outputs blend pairs with one lam = {seen:.8g}, not the lam drawn: call rng.beta(alpha, alpha) "
            "once, first, on the rng argument (not np.random, and nothing drawn before it)."
        )
    return (
        f"Your lam is the one drawn, but the partners differ (yours begin {_short(partners)}): call "
        "rng.permutation(N) once, right after the lam, on the rng argument (a hand-written shuffle or "
        "rng.choice draws other numbers, and some shuffles are not uniform)."
    )


def _relayed(call):
    """What an ``ENVIRONMENT`` helper returned; the learner's exception reported as mixup's."""
    try:
        return call()
    except LearnerError as error:
        details = {"type": error.type, "kinds": error.kinds, "message": error.message, "line": error.line}
        details["traceback"] = error.traceback
        raise LearnerError("mixup", details) from None


def _each_with_its_seed(learner, cases, seeds, kinds=None, writable=None, others=()):
    """``cases`` through mixup in one round trip, each with a generator of its own seed (on the bit generator
    of ``kinds``, PCG64 by default), judged; the calls marked in ``writable`` get x and y writable, as a
    caller's arrays are, and have them read back and compared with the arrays held here. ``others``, requests
    of the same kind whose results are not sent back, go among them in random order."""
    kinds = kinds or ["PCG64"] * len(cases)
    writable = writable if writable is not None else [False] * len(cases)
    requests = [
        (Writable(x) if mode else x, Writable(y) if mode else y, classes, alpha, kind, seed, 2 if mode else 1)
        for (x, y, classes, alpha), seed, kind, mode in zip(cases, seeds, kinds, writable, strict=True)
    ]
    requests += others
    order = np.random.default_rng(seeds[0]).permutation(len(requests)) if others else np.arange(len(requests))
    # In rounds of at most 200 calls, so that no answer grows too large to send.
    sent = [requests[int(index)] for index in order]
    answers = []
    for start in range(0, len(sent), 200):
        answers += _relayed(lambda start=start: learner.environment("calls", sent[start : start + 200]))
    if not (isinstance(answers, list) and len(answers) == len(requests)):
        raise CheckFailed(f"{len(requests)} calls of mixup did not give {len(requests)} results")
    outputs = [None] * len(requests)
    for index, answer in zip(order, answers, strict=True):
        outputs[int(index)] = answer
    judged = zip(cases, seeds, kinds, writable, outputs[: len(cases)], strict=True)
    for (x, y, classes, alpha), seed, kind, mode, output in judged:
        rng_text = (
            "np.random.default_rng({seed})" if kind == "PCG64" else "np.random.Generator(np.random.{kind}({seed}))"
        )
        what = _text(x, y, classes, alpha, rng_text.format(seed=seed, kind=kind))
        _judge(x, y, classes, alpha, output[0], _generator(seed, kind), what)
        if mode:
            for name, before, after in (("x", x, output[1]), ("y", y, output[2])):
                if not (
                    isinstance(after, np.ndarray) and after.shape == before.shape and np.array_equal(after, before)
                ):
                    raise CheckFailed(f"{what} changed its argument {name} in place: never modify x or y")


@check("The worked example's batch: one lam and a permutation, drawn in order, labels alike", points=1, public=True)
def example(learner, rng):
    x = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    y = np.array([0, 2, 2])
    # Seeds whose permutations all move rows, so every call shows the blend.
    _each_with_its_seed(learner, [(x, y, 3, 0.2)] * 3, [13, 5, 15])


@check("Invalid alpha: zero, negative or NaN raises ValueError", points=1, public=True)
def alpha_must_be_positive(learner, rng):
    x, y = np.arange(6.0).reshape(3, 2), np.array([0, 1, 0])
    for alpha in (0.0, -0.5, float("nan")):
        try:
            result = learner.mixup(x, y, 2, alpha, learner.environment("generator", 0, as_handle=True).handle)
        except LearnerError as error:
            if not error.is_a("ValueError"):
                raise CheckFailed(f"mixup(..., alpha={alpha}) raised {error.type}, expected ValueError") from None
            continue
        raise CheckFailed(f"mixup(..., alpha={alpha}) returned {type(result).__name__} instead of raising ValueError")


@check("New batches: sizes 1 to 300, any row shape, float32 and float64, 2 to 50 classes", points=3)
def new_batches(learner, rng):
    """One and two rows, then 8 batches over the whole input space, each with its own generator."""
    cases = [_case(rng, 1), _case(rng, 2), *(_case(rng) for _ in range(8))]
    _each_with_its_seed(learner, cases, [_seed(rng) for _ in cases])


@check("Many batches: every size, shape, dtype, class count and alpha drawn as the statement says", points=3)
def many_batches(learner, rng):
    """200 batches over the whole input space (``_wide_case``), each with its own generator on one of five bit
    generators (seeds 0 and 2**63 - 1 among them), about half with x and y writable and read back, all judged:
    a submission right on some of the input space only (some batch sizes, dtypes, class counts, values of alpha,
    generators, writable inputs) meets the rest here (a region holding 10% of the cases is missed with
    probability 0.9 ** 200, below 1e-9). Among them, in random order, 200 to 500 calls more on the same inputs
    (those of up to 64 rows) with other generators, whose results stay in the learner's process: a submission
    whose behaviour changes after some number of calls (up to about 450, with the 40 calls of
    ``shared_generator`` after them) meets judged calls past it."""
    cases = [_wide_case(rng) for _ in range(200)]
    seeds = [_seed(rng) for _ in cases]
    seeds[int(rng.integers(1, len(cases)))] = 0
    seeds[int(rng.integers(1, len(cases)))] = 2**63 - 1
    kinds = [str(kind) for kind in rng.choice(KINDS, size=len(cases))]
    others = []
    # On the batches of up to 64 rows (about half of them), so that the extra calls cost little.
    small = [index for index, case in enumerate(cases) if len(case[0]) <= 64] or [0]
    for index in rng.choice(small, size=int(rng.integers(200, 501))):
        x, y, classes, alpha = cases[int(index)]
        mode = rng.random() < 0.5
        sent = (Writable(x), Writable(y)) if mode else (x, y)
        others.append((*sent, classes, alpha, str(rng.choice(KINDS)), _seed(rng), 0))
    _each_with_its_seed(learner, cases, seeds, kinds, rng.random(len(cases)) < 0.5, others)


@check("Calls sharing one generator each draw anew, in order", points=2)
def shared_generator(learner, rng):
    """40 batches through one generator, recomputed here from a generator of the same seed: a draw
    repeated, skipped or kept from an earlier call, or taken from anywhere but ``rng``, differs."""
    seed, cases = _seed(rng), [_case(rng, int(rng.integers(2, 40))) for _ in range(40)]
    handle = learner.environment("generator", seed, as_handle=True).handle
    outputs = _relayed(lambda: learner.environment("sequence", handle, cases))
    if not (isinstance(outputs, list) and len(outputs) == len(cases)):
        raise CheckFailed(f"{len(cases)} calls of mixup did not give {len(cases)} results")
    generator = np.random.default_rng(seed)
    for index, ((x, y, classes, alpha), output) in enumerate(zip(cases, outputs, strict=True)):
        rng_text = f"one generator np.random.default_rng({seed}), call {index + 1} of {len(cases)}"
        _judge(x, y, classes, alpha, output, generator, _text(x, y, classes, alpha, rng_text))


@check("x and y are not modified in place", points=1)
def inputs_untouched(learner, rng):
    x, y, classes, alpha = _case(rng, int(rng.integers(4, 30)))
    generator = learner.environment("generator", _seed(rng), as_handle=True)
    # Writable, as a caller's arrays are: code that writes only to writable arrays is seen too.
    _, after = learner.call_and_read_args("mixup", Writable(x), Writable(y), classes, alpha, generator.handle)
    for position, before in ((0, x), (1, y)):
        assert_close(after[position], before, what=f"argument {'xy'[position]} after the call", rtol=0, atol=0)
