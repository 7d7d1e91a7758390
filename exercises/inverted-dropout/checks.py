"""Hidden checks for inverted dropout.

Every hidden case is drawn from ``rng``, which is seeded from a secret fresh for each grading: shapes,
sizes, drop rates and values change every time, so a submission cannot recognise or memorise them.
Public checks (the examples learners run) use fixed inputs.

Random behaviour is judged by statistics with a stated false-rejection rate, and determinism is judged
across processes: the same seed must give the same masks in two fresh processes whose global
generators (``np.random``, ``random``) are seeded differently, so a mask drawn from a global generator,
or remembered from an earlier call, cannot pass. Whether an input was changed in place is read by this
side from the memory shared with the learner's process.

False-rejection budget for a correct solution: 4 binomial tests, 4 Hoeffding bounds and 3 tests along each
of 1 + 2 + 3 + 4 axes: 38 tests at ``ALPHA`` = 1e-8 each, below 4e-7.
"""

import math

import numpy as np
from scipy import stats

from grader.harness import (
    CheckFailed,
    LearnerError,
    Seed,
    assert_array,
    assert_close,
    binomial_bounds,
    check,
    drawing,
    figure,
)

ENVIRONMENT = """
import numpy as np


def generator(seed):
    return np.random.default_rng(seed)
"""

ALPHA = 1e-8
X_SMALL = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])


def _forward(learner, x, p, training, rng):
    try:
        result = learner.dropout_forward(x, p, training, rng)
    except LearnerError as error:
        raise CheckFailed(
            f"dropout_forward(x of shape {x.shape}, p={p}, training={training}, rng) raised {error.type}: "
            f"{error.message}"
        ) from None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(
            f"dropout_forward(x, p={p}, training={training}, rng) must return a tuple (out, mask); "
            f"got {type(result).__name__}"
        )
    return result


def _training(learner, x, p, rng):
    """(out, mask) of a training call, after checking each mask entry is 0 or 1/(1-p) and out = x * mask."""
    out, mask = _forward(learner, x, p, True, rng)
    what = f"dropout_forward(x of shape {x.shape}, p={p:.6g}, training=True)"
    assert_array(out, what=f"{what}: out", shape=x.shape)
    assert_array(mask, what=f"{what}: mask", shape=x.shape)
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    valid = (mask == 0.0) | (np.abs(mask - scale) <= 1e-12 * scale)
    if not valid.all():
        index = tuple(int(i) for i in np.argwhere(~valid)[0])
        raise CheckFailed(
            f"{what}: every mask entry must be 0 or 1/(1-p) = {scale:g}; mask{list(index)} = {mask[index]!r}"
        )
    assert_close(out, x * mask, what=f"{what}: out compared with x * mask", rtol=1e-12, atol=0)
    return out, mask


def _random_shape(rng, max_entries):
    ndim = int(rng.integers(1, 5))
    while True:
        shape = tuple(int(n) for n in rng.integers(1, 40, size=ndim))
        if math.prod(shape) <= max_entries:
            return shape


def _values(rng, shape):
    # Non-zero values of both signs and several magnitudes, so a dropped entry (0) is never ambiguous.
    magnitude = rng.uniform(0.1, 10.0, size=shape) * 10.0 ** rng.integers(-2, 3, size=shape)
    return magnitude * rng.choice([-1.0, 1.0], size=shape)


def _seed(rng):
    return int(rng.integers(0, 2**62))


@check("Evaluation mode returns the input unchanged and no mask", points=1, public=True)
def evaluation_is_identity(learner, rng):
    out, mask = _forward(learner, X_SMALL, 0.5, False, Seed(0))
    if mask is not None:
        raise CheckFailed(f"with training=False the mask must be None; got {type(mask).__name__}")
    assert_close(out, X_SMALL, what="dropout_forward(x, p=0.5, training=False): out", rtol=0, atol=0)


@check("Mask holds only 0 or 1/(1-p), and out = x * mask", points=1, public=True)
def mask_values_and_scaling(learner, rng):
    x = np.arange(1.0, 41.0).reshape(5, 8)
    for p in (0.2, 0.5, 0.75):
        _training(learner, x, p, Seed(11))


@check("Backward multiplies the gradient by the forward mask", points=1, public=True)
def backward_uses_forward_mask(learner, rng):
    x = np.linspace(-2.0, 2.0, 60).reshape(6, 10)
    grad = np.linspace(0.5, 3.0, 60).reshape(6, 10)
    _, mask = _training(learner, x, 0.4, Seed(8))
    assert_close(
        learner.dropout_backward(grad, mask), grad * mask, what="dropout_backward(grad_out, mask)", rtol=1e-12, atol=0
    )
    assert_close(learner.dropout_backward(grad, None), grad, what="dropout_backward(grad_out, None)", rtol=0, atol=0)


@check("Evaluation mode and the mask's values on new inputs of any shape", points=1)
def any_shape_and_evaluation(learner, rng):
    for _ in range(4):
        shape = _random_shape(rng, 20_000)
        x, p = _values(rng, shape), float(rng.uniform(0.05, 0.95))
        out, mask = _forward(learner, x, p, False, Seed(_seed(rng)))
        if mask is not None:
            raise CheckFailed(f"with training=False the mask must be None; got {type(mask).__name__}")
        assert_close(
            out, x, what=f"dropout_forward(x of shape {shape}, p={p:.4f}, training=False): out", rtol=0, atol=0
        )
        _training(learner, x, p, Seed(_seed(rng)))


@check("Invalid p raises ValueError in both modes", points=1)
def invalid_p_raises(learner, rng):
    candidates = [
        -float(rng.uniform(1e-9, 1e-3)),
        1.0 + float(rng.uniform(1e-9, 1e-3)),
        -float(rng.uniform(1, 50)),
        float(rng.uniform(1.5, 50)),
        float("nan"),
    ]
    x = _values(rng, _random_shape(rng, 200))
    for p in candidates:
        for training in (True, False):
            try:
                learner.dropout_forward(x, p, training, Seed(_seed(rng)))
            except LearnerError as error:
                if not error.is_a("ValueError"):
                    raise CheckFailed(
                        f"dropout_forward(x, p={p!r}, training={training}) should raise ValueError, "
                        f"but raised {error.type}: {error.message}"
                    ) from None
                continue
            raise CheckFailed(f"dropout_forward(x, p={p!r}, training={training}) should raise ValueError, but returned")


@check("Drop rate matches p, entries are dropped independently, and the expected output is the input", points=4)
def dropout_statistics(learner, rng):
    """On each of four masks of about 60,000 entries (inputs with 1, 2, 3 and 4 axes of random, roughly
    balanced sizes), each test at false-rejection rate ``ALPHA``:

    - a two-sided binomial test of the number dropped (catches p used as the keep probability, or a
      rate off by more than about one point); the 1-D mask takes p anywhere in [0.03, 0.97], the others
      p in [0.25, 0.75], where a single biased index shows;
    - along every axis, the drop count of every index against binomial bounds (Bonferroni over the
      indices), which catches one position treated differently (a last column never dropped), and a
      chi-square dispersion test of those counts, which catches many positions slightly off;
    - along every axis, a chi-square test of independence of neighbouring entries (catches a mask shared
      along an axis, as spatial dropout does, or correlated neighbours);
    - a Hoeffding bound on the mean of out - x over random positive x (catches missing 1/(1-p) scaling).
    """
    drawn = False
    for ndim in rng.permutation([1, 2, 3, 4]):
        p = float(rng.uniform(0.03, 0.97) if ndim == 1 else rng.uniform(0.25, 0.75))
        x = rng.uniform(0.5, 2.0, size=_statistics_shape(rng, int(ndim)))
        out, mask = _training(learner, x, p, Seed(_seed(rng)))
        what = f"dropout_forward(x of shape {x.shape}, p={p:.4f}, training=True)"
        dropped = mask == 0
        if ndim > 1 and not drawn:
            drawn = True
            with drawing():
                _draw_kept_per_row(~dropped, p, what)
        _binomial(dropped, p, what)
        kept = ~dropped
        for axis in range(x.ndim):
            others = tuple(other for other in range(x.ndim) if other != axis)
            counts = dropped.sum(axis=others) if others else dropped.astype(int)
            if x.ndim > 1:
                per_index = dropped.size // x.shape[axis]
                _every_index(counts, per_index, p, f"{what}: along axis {axis}")
                _dispersion(counts, per_index, p, f"{what}: the number dropped per index of axis {axis}")
            before = (slice(None),) * axis
            first, second = kept[(*before, slice(None, -1))], kept[(*before, slice(1, None))]
            _independent(first, second, f"{what}: neighbours along axis {axis}")
        # Each out - x lies in [-2, 2 / (1 - p)]; Hoeffding: P(|mean| >= t) <= 2 exp(-2 n t^2 / range^2).
        tolerance = (2.0 + 2.0 / (1.0 - p)) * math.sqrt(math.log(2 / ALPHA) / (2 * x.size))
        mean = float((out - x).mean())
        if abs(mean) > tolerance:
            raise CheckFailed(
                f"{what} with random x in [0.5, 2]: the mean of out - x should be 0 (within {tolerance:.4f}, "
                f"Hoeffding bound, false-rejection rate {ALPHA:g}), got {mean:.4f}; kept values must be scaled "
                "by 1/(1-p)"
            )


def _draw_kept_per_row(kept, p, what):
    """The fraction kept in each row (index of axis 0) against the band a correct dropout lands in."""
    rows = kept.reshape(kept.shape[0], -1)
    n = rows.shape[1]
    low, high = binomial_bounds(n, 1 - p, ALPHA / rows.shape[0])
    fractions = rows.mean(axis=1)
    inside = int(((fractions >= low / n) & (fractions <= high / n)).sum())
    figure(
        "band",
        {
            "x_label": "row (index along axis 0)",
            "y_label": "fraction of the row kept",
            "values": fractions,
            "low": low / n,
            "high": high / n,
            "expected": 1 - p,
            "band_label": "binomial band for each row",
        },
        f"{what}: the fraction of each of the {rows.shape[0]} rows of {n} entries that your mask kept, against "
        f"the expected 1 - p = {1 - p:.4f}. A correct dropout keeps between {low / n:.4f} and {high / n:.4f} of "
        f"every row (binomial bounds, false-rejection rate {ALPHA:g} over all rows); {inside} of your rows are "
        f"inside, ranging from {fractions.min():.4f} to {fractions.max():.4f}.",
    )


def _statistics_shape(rng, ndim):
    """A random shape with ``ndim`` axes of roughly equal length (each index then has enough entries for
    its own count to be tested), about 60,000 entries in all."""
    side = 60_000 ** (1 / ndim)
    return tuple(max(8, round(side * float(rng.uniform(0.8, 1.25)))) for _ in range(ndim))


def _binomial(dropped, p, what):
    low, high = binomial_bounds(dropped.size, p, ALPHA)
    count = int(dropped.sum())
    if not low <= count <= high:
        raise CheckFailed(
            f"{what}: {count} of {dropped.size} entries were dropped ({count / dropped.size:.4f}); a correct dropout "
            f"drops between {low} and {high} (binomial test, false-rejection rate {ALPHA:g})"
        )


def _every_index(counts, n, p, what):
    """Each of ``counts`` should be Binomial(n, p): none may leave its bounds (Bonferroni over the counts)."""
    low, high = binomial_bounds(n, p, ALPHA / counts.size)
    outside = np.flatnonzero((counts < low) | (counts > high))
    if outside.size:
        index = int(outside[0])
        raise CheckFailed(
            f"{what}, index {index} had {int(counts[index])} of its {n} entries dropped; with p={p:.4f} each index "
            f"should have between {low} and {high} (binomial bounds, false-rejection rate {ALPHA:g} over all "
            f"{counts.size} indices): every entry must be dropped with the same probability p, wherever it is"
        )


def _dispersion(counts, n, p, what):
    """Counts that should each be Binomial(n, p): their spread must match (two-sided chi-square test)."""
    statistic = float(((counts - n * p) ** 2).sum() / (n * p * (1 - p)))
    tail = stats.chi2.sf(statistic, counts.size) if statistic > counts.size else stats.chi2.cdf(statistic, counts.size)
    if 2 * float(tail) < ALPHA:
        raise CheckFailed(
            f"{what} varies {'more' if statistic > counts.size else 'less'} than independent draws allow "
            f"(chi-square {statistic:.0f} on {counts.size} degrees of freedom, false-rejection rate {ALPHA:g}; "
            f"counts range from {int(counts.min())} to {int(counts.max())}, expected about {n * p:.0f}): every entry "
            "must be dropped with the same probability p, wherever it is"
        )


def _independent(first, second, what):
    """Pearson's chi-square test of independence on the 2x2 table of (first kept, second kept), without
    continuity correction (``scipy.stats.chi2_contingency(table, correction=False)``), in closed form."""
    n = first.size
    # Python integers: the statistic's numerator overflows 64 bits on these sizes.
    both = int(np.count_nonzero(first & second))
    first_kept, second_kept = int(np.count_nonzero(first)), int(np.count_nonzero(second))
    table = [[both, first_kept - both], [second_kept - both, n - first_kept - second_kept + both]]
    margins = first_kept * (n - first_kept) * second_kept * (n - second_kept)
    if margins == 0:
        return  # an all-kept or all-dropped mask fails the binomial test instead
    statistic = n * (table[0][0] * table[1][1] - table[0][1] * table[1][0]) ** 2 / margins
    # The chi-square distribution with one degree of freedom: P(X > s) = erfc(sqrt(s / 2)).
    if math.erfc(math.sqrt(statistic / 2)) < ALPHA:
        raise CheckFailed(
            f"{what}: whether an entry is kept depends on whether its neighbour is (kept/dropped 2x2 table "
            f"{table}, chi-square test of independence, false-rejection rate {ALPHA:g}): draw one "
            "independent value per entry, not one per row or column"
        )


@check("p = 0 keeps everything, p = 1 drops everything", points=1)
def extreme_rates(learner, rng):
    x = _values(rng, _random_shape(rng, 5000))
    out, mask = _training(learner, x, 0.0, Seed(_seed(rng)))
    assert_close(out, x, what=f"p=0 on x of shape {x.shape}: out", rtol=0, atol=0)
    assert_close(mask, np.ones_like(x), what=f"p=0 on x of shape {x.shape}: mask", rtol=0, atol=0)
    out, mask = _training(learner, x, 1.0, Seed(_seed(rng)))
    assert_close(
        out, np.zeros_like(x), what=f"p=1 on x of shape {x.shape}: out (must be zeros, not NaN)", rtol=0, atol=0
    )
    assert_close(mask, np.zeros_like(x), what=f"p=1 on x of shape {x.shape}: mask", rtol=0, atol=0)


@check("Randomness comes from rng alone: the same seed gives the same masks in a fresh process", points=2)
def rng_drives_the_mask(learner, rng):
    """Determinism is judged from outside, with inputs and call orders a submission cannot anticipate:

    - in this process, a new generator from the same seed gives the same mask twice;
    - a generator shared by three calls gives three different masks, and the same three in a fresh
      process (whose global generators are seeded differently) after other calls in another order;
    - generators from different seeds give different masks.
    """
    shape = _random_shape(rng, 5000)
    while math.prod(shape) < 500:
        shape = _random_shape(rng, 5000)
    inputs = [rng.uniform(0.5, 2.0, size=shape) for _ in range(3)]
    p, seed = float(rng.uniform(0.3, 0.7)), _seed(rng)
    what = f"dropout_forward(x of shape {shape}, p={p:.4f}, training=True, rng)"
    once, twice = (_training(learner, inputs[0], p, Seed(seed))[1] for _ in range(2))
    if not np.array_equal(once, twice):
        raise CheckFailed(
            f"{what}, called twice with a new generator made from the same seed, gave different masks: draw the "
            "mask from the rng argument only, not from np.random, the random module or anything kept between calls"
        )

    def shared(process):
        generator = process.environment("generator", seed, as_handle=True)
        return [_training(process, x, p, generator.handle)[1] for x in inputs]

    first = shared(learner)
    fresh = learner.fresh()
    for _ in range(int(rng.integers(1, 4))):  # other calls first, so call counts differ between the processes
        _training(fresh, _values(rng, _random_shape(rng, 500)), float(rng.uniform(0.1, 0.9)), Seed(_seed(rng)))
    second = shared(fresh)
    for call, (one, two) in enumerate(zip(first, second, strict=True)):
        if not np.array_equal(one, two):
            raise CheckFailed(
                f"{what}: in two processes, call {call + 1} of three with one generator made from the same seed "
                f"gave different masks ({int((one != two).sum())} of {one.size} entries differ): draw the mask from "
                "the rng argument only, not from np.random, the random module or anything kept between calls"
            )
    # Distinct draws of 500 or more independent entries at p in [0.3, 0.7] coincide with probability below 0.7^500.
    if np.array_equal(first[0] != 0, first[1] != 0) or np.array_equal(first[1] != 0, first[2] != 0):
        raise CheckFailed(
            f"{what}: three calls sharing one generator dropped the same entries twice: draw a fresh mask from rng "
            "on every call (is a mask cached between calls?)"
        )
    if np.array_equal(_training(learner, inputs[0], p, Seed(seed + 1))[1], once):
        raise CheckFailed(f"{what}: generators made from the seeds {seed} and {seed + 1} gave the identical mask")


@check("Backward multiplies by the mask it is given, on new inputs", points=1)
def backward_on_new_inputs(learner, rng):
    for _ in range(3):
        shape = _random_shape(rng, 20_000)
        x, p = _values(rng, shape), float(rng.uniform(0.05, 0.95))
        _, mask = _training(learner, x, p, Seed(_seed(rng)))
        grad = _values(rng, shape)
        what = f"dropout_backward(grad_out of shape {shape}, mask of the forward pass with p={p:.4f})"
        assert_close(learner.dropout_backward(grad, mask), grad * mask, what=what, rtol=1e-12, atol=0)
        assert_close(
            learner.dropout_backward(grad, None),
            grad,
            what=f"dropout_backward(grad_out of shape {shape}, None)",
            rtol=0,
            atol=0,
        )


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    shape = _random_shape(rng, 200_000)
    x, p = _values(rng, shape), float(rng.uniform(0.1, 0.9))
    for training in (True, False):
        _, after = learner.call_and_read_args("dropout_forward", x, p, training, Seed(_seed(rng)))
        assert_close(
            after[0],
            x,
            what=f"x after dropout_forward(x of shape {shape}, p={p:.4f}, training={training})",
            rtol=0,
            atol=0,
        )
    _, mask = _training(learner, x, p, Seed(_seed(rng)))
    grad = _values(rng, shape)
    _, after = learner.call_and_read_args("dropout_backward", grad, mask)
    assert_close(
        after[0], grad, what=f"grad_out after dropout_backward(grad_out of shape {shape}, mask)", rtol=0, atol=0
    )
    assert_close(after[1], mask, what=f"mask after dropout_backward(grad_out, mask of shape {shape})", rtol=0, atol=0)
