"""Hidden checks for inverted dropout.

Every hidden case is drawn from ``rng``, which is seeded from a secret fresh for each grading: shapes,
sizes, drop rates and values change every time, so a submission cannot recognise or memorise them.
Public checks (the examples learners run) use fixed inputs.

Random behaviour is judged by statistics with a stated false-rejection rate, and determinism is judged
across processes: the same seed must give the same masks in two fresh processes whose global
generators (``np.random``, ``random``) are seeded differently, so a mask drawn from a global generator,
or remembered from an earlier call, cannot pass. Whether an input was changed in place is read by this
side from the memory shared with the learner's process, for read-only inputs and for writable ones.

Calls whose inputs do not depend on earlier answers travel together (``learner.map``). The learner's process
sees a whole batch before it answers, so the checks never test a property only with calls it could tell apart
from the others (alone in a batch, always first, always after a refusal): the seeds compared, the invalid rates
and the input sizes are mixed into the same batches, in random order.

False-rejection budget for a correct solution, at most ``ALPHA`` = 1e-8 per test: on the large masks 4 binomial
tests, 4 Hoeffding bounds and up to 3 tests along each of 1 + 2 + 3 + 4 axes (38); per band of small inputs an
exact binomial test and a Fisher's exact test per axis (up to 20); 2 exact binomial tests at extreme rates; 2 tests
of independence between successive masks; an exact binomial test of every mask of 1,000 entries or more in the
determinism check (up to 9) and of every mask the later checks draw (4): at most 75 tests, below 7.5e-7. The
chi-square test of neighbours overstates its level about tenfold near p = 0.03 (a red-team computation): the 1-D
mask, the only large one with such rates, runs it at ``ALPHA`` / 20.
"""

import math

import numpy as np
from scipy import stats

from grader.harness import (
    CheckFailed,
    LearnerError,
    Seed,
    Writable,
    assert_array,
    assert_close,
    binomial_bounds,
    check,
    drawing,
    exact_binomial_bounds,
    figure,
    fisher_exact_p,
    neighbours,
)

ENVIRONMENT = """
import numpy as np


def generator(seed):
    return np.random.default_rng(seed)


def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T or x[:, ::2] is.
    return x.T


def state_of(rng):
    return rng.bit_generator.state


def generator_at(state):
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    return rng
"""

ALPHA = 1e-8
# The process other than the first that checks share (harness.Learner.fresh): a process costs more CPU than most
# checks here.
SECOND = "second"
X_SMALL = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])


def _forwards(learner, calls):
    """``dropout_forward(x, p, training, rng)`` for each tuple of ``calls``, in one round trip: each call's
    (out, mask), judged as it is taken, so failures are reported in the order separate calls would give."""
    replies = learner.map("dropout_forward", calls)
    return (_forward_result(reply, *call[:3]) for reply, call in zip(replies, calls, strict=True))


def _forward(learner, x, p, training, rng):
    return next(_forwards(learner, [(x, p, training, rng)]))


def _forward_result(reply, x, p, training):
    try:
        result = reply.value
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
    return next(_trainings(learner, [(x, p, rng)]))


def _trainings(learner, cases):
    """Training calls on each (x, p, rng) of ``cases`` in one round trip, each judged as :func:`_training` does
    when it is taken."""
    results = _forwards(learner, [(x, p, True, rng) for x, p, rng in cases])
    return (_judged_training(result, x, p) for result, (x, p, _) in zip(results, cases, strict=True))


def _judged_training(result, x, p):
    out, mask = result
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


def _small_shape(rng):
    """1 to 4 axes of 1 to 4 entries each (at most 256 entries)."""
    return tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(1, 5))))


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
    list(_trainings(learner, [(x, p, Seed(11)) for p in (0.2, 0.5, 0.75)]))


@check("Backward multiplies the gradient by the forward mask", points=1, public=True)
def backward_uses_forward_mask(learner, rng):
    x = np.linspace(-2.0, 2.0, 60).reshape(6, 10)
    grad = np.linspace(0.5, 3.0, 60).reshape(6, 10)
    _, mask = _training(learner, x, 0.4, Seed(8))
    masked, unmasked = learner.map("dropout_backward", [(grad, mask), (grad, None)])
    assert_close(masked.value, grad * mask, what="dropout_backward(grad_out, mask)", rtol=1e-12, atol=0)
    assert_close(unmasked.value, grad, what="dropout_backward(grad_out, None)", rtol=0, atol=0)


@check("Evaluation mode and the mask's values on new inputs of any shape", points=1)
def any_shape_and_evaluation(learner, rng):
    calls = []
    for _ in range(4):
        shape = _random_shape(rng, 20_000)
        x, p = _values(rng, shape), float(rng.uniform(0.05, 0.95))
        calls += [(x, p, False, Seed(_seed(rng))), (x, p, True, Seed(_seed(rng)))]
    # Half the calls, at random, get x writable, as a caller's array is; every result is judged against x here.
    writable = rng.permutation([True, False] * 4)
    sent = [(Writable(x) if mode else x, *rest) for (x, *rest), mode in zip(calls, writable, strict=True)]
    replies = learner.map("dropout_forward", sent)
    results = (_forward_result(reply, *call[:3]) for reply, call in zip(replies, calls, strict=True))
    for (x, p, training, _), result in zip(calls, results, strict=True):
        if training:
            _judged_training(result, x, p)
            continue
        out, mask = result
        if mask is not None:
            raise CheckFailed(f"with training=False the mask must be None; got {type(mask).__name__}")
        assert_close(
            out, x, what=f"dropout_forward(x of shape {x.shape}, p={p:.4f}, training=False): out", rtol=0, atol=0
        )


@check("Invalid p raises ValueError in both modes", points=1)
def invalid_p_raises(learner, rng):
    """Every p outside [0, 1] raises ValueError, in both modes, wherever the call falls.

    A submission may keep state, and sees a whole batch before it answers: each mode is tested in a process of
    its own (a rule keyed on the other mode's refusals shows), the second one a fresh process whose very first
    call is invalid, and in each some invalid calls follow a valid call and some follow another invalid call
    (a rule keyed on what came just before shows either way). The determinism check later uses that second
    process too (``SECOND``): this check, defined first, is the first to ask for it, so it is new here.
    """
    candidates = [
        -float(rng.uniform(1e-9, 1e-3)),
        1.0 + float(rng.uniform(1e-9, 1e-3)),
        -float(rng.uniform(1, 50)),
        float(rng.uniform(1.5, 50)),
        float("nan"),
        float("inf"),
        float("-inf"),
        math.nextafter(1.0, 2.0),  # the closest floats outside the range
        -math.ulp(0.0),
    ]
    first = bool(rng.integers(2))
    for process, training in ((learner, first), (learner.fresh(SECOND, new=True), not first)):
        fresh = process is not learner
        invalid = [float(p) for p in rng.permutation(candidates)]
        # Which invalid calls get a valid call just before them: at least one does and one does not, and in the
        # fresh process the first call of all is invalid.
        preceded = rng.random(len(invalid)) < 0.5
        preceded[0] = not fresh
        preceded[int(rng.integers(1, len(invalid)))] = False
        preceded[int(rng.integers(1, len(invalid)))] |= fresh
        calls = []
        for p, valid_first in zip(invalid, preceded, strict=True):
            if valid_first:
                before = (_values(rng, _small_shape(rng)), float(rng.uniform(0.05, 0.95)), bool(rng.integers(2)))
                calls.append((*before, Seed(_seed(rng))))
            calls.append((_values(rng, _small_shape(rng)), p, training, Seed(_seed(rng))))
        for (x, p, mode, _), reply in zip(calls, process.map("dropout_forward", calls), strict=True):
            if 0 <= p <= 1:
                _forward_result(reply, x, p, mode)
                continue
            try:
                _ = reply.value
            except LearnerError as error:
                if not error.is_a("ValueError"):
                    raise CheckFailed(
                        f"dropout_forward(x, p={p!r}, training={mode}) should raise ValueError, "
                        f"but raised {error.type}: {error.message}"
                    ) from None
                continue
            raise CheckFailed(f"dropout_forward(x, p={p!r}, training={mode}) should raise ValueError, but returned")


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

    In the same round trip, in random order, so that no test's inputs stand out: inputs of every size below
    those (``SMALL_SIZES``, 1 to 4 axes, one p per band from 0.03 to 0.97, from 0.4 to 0.75 for the smallest),
    each band's number dropped against exact binomial bounds and its pairs of neighbouring entries, pooled,
    tested for independence (Fisher's exact test); two inputs of about 20,000 entries at rates below 0.03 and
    above 0.97, each against exact binomial bounds.
    One large input arrives writable and another as a view not in C order (``x.T``), as callers' arrays may;
    about half the small ones are writable.
    """
    cases = []
    for ndim in rng.permutation([1, 2, 3, 4]):
        p = float(rng.uniform(0.03, 0.97) if ndim == 1 else rng.uniform(0.25, 0.75))
        x = rng.uniform(0.5, 2.0, size=_statistics_shape(rng, int(ndim)))
        cases.append((x, p, Seed(_seed(rng))))
    extremes = [
        (rng.uniform(0.5, 2.0, size=_shape_of_size(rng, int(rng.integers(15_000, 25_000)))), float(p), Seed(_seed(rng)))
        for p in (rng.uniform(0.002, 0.03), rng.uniform(0.97, 0.998))
    ]
    small = [(x, p, Seed(_seed(rng))) for x, p in _small_inputs(rng)]
    everything = cases + extremes + small
    # What the learner's function receives: one large input writable, another as a transposed view, and about
    # half the small ones writable; the checks judge every result against the array they hold.
    sent = [x for x, _, _ in everything]
    writable, viewed = (int(index) for index in rng.choice(len(cases), 2, replace=False))
    if cases[viewed][0].ndim == 1:  # a 1-D view is in C order anyway
        writable, viewed = viewed, writable
    sent[writable] = Writable(sent[writable])
    sent[viewed] = learner.environment("transposed", np.ascontiguousarray(sent[viewed].T), as_handle=True).handle
    for index in range(len(cases) + len(extremes), len(everything)):
        if rng.random() < 0.5:
            sent[index] = Writable(sent[index])
    order = [int(index) for index in rng.permutation(len(everything))]
    replies = learner.map(
        "dropout_forward", [(sent[index], everything[index][1], True, everything[index][2]) for index in order]
    )
    results, masks = {}, {}
    for index, reply in zip(order, replies, strict=True):
        x, p, _ = everything[index]
        results[index] = _judged_training(_forward_result(reply, x, p, True), x, p)
        masks[index] = results[index][1]
    for index, (x, p, _) in enumerate(extremes, start=len(cases)):
        what = f"dropout_forward(x of shape {x.shape}, p={p:.4f}, training=True)"
        _exact_binomial(int((masks[index] == 0).sum()), x.size, p, what)
    _small_rates(small, [masks[index] for index in range(len(cases) + len(extremes), len(everything))])
    drawn = False
    for number, (x, p, _) in enumerate(cases):
        out, mask = results[number][0], masks[number]
        ndim = x.ndim
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
            first, second = neighbours(kept, axis)
            # At rates near 0 or 1 (the 1-D mask's range) the chi-square approximation overstates the test's
            # level about tenfold (1.1e-7 at p = 0.03 on 48,000 entries): a twentieth of ALPHA keeps it below.
            level = ALPHA / 20 if x.ndim == 1 else ALPHA
            _independent(first, second, f"{what}: neighbours along axis {axis}", level=level)
        # Each out - x lies in [-2, 2 / (1 - p)]; Hoeffding: P(|mean| >= t) <= 2 exp(-2 n t^2 / range^2).
        tolerance = (2.0 + 2.0 / (1.0 - p)) * math.sqrt(math.log(2 / ALPHA) / (2 * x.size))
        mean = float((out - x).mean())
        if abs(mean) > tolerance:
            raise CheckFailed(
                f"{what} with random x in [0.5, 2]: the mean of out - x should be 0 (within {tolerance:.4f}, "
                f"Hoeffding bound, false-rejection rate {ALPHA:g}), got {mean:.4f}; kept values must be scaled "
                "by 1/(1-p)"
            )


# Bands of input sizes, each with how many calls it gets: (smallest, largest + 1, calls). Halving the rate on
# one band shows from 10 entries up (40 calls of 1 to 9 entries, about 130 entries in all, catch only gross
# errors, such as nothing ever dropped there); each call costs about 0.15 ms of CPU, most of it its own encoding.
SMALL_SIZES = ((1, 10, 40), (10, 100, 12), (100, 1_000, 6), (1_000, 25_000, 3))


def _shape_of_size(rng, size):
    """1 to 4 axes of random, roughly balanced lengths whose product is about ``size`` (balanced, so that most
    inputs with several axes have several axes longer than 1, where a mask shared along one would show)."""
    weights = rng.dirichlet(np.full(int(rng.integers(1, 5)), 3.0))
    lengths = [max(1, round(size**weight)) for weight in weights[:-1]]
    # The last axis takes what the others leave, so that small sizes are not rounded away to a single entry.
    return (*lengths, max(1, round(size / math.prod(lengths))))


def _small_inputs(rng):
    """Inputs of every band of ``SMALL_SIZES`` (sizes log-uniform within a band, spread over 1 to 4 axes), each
    with its band's p."""
    inputs = []
    for low, high, calls in SMALL_SIZES:
        # The smallest band has too few entries for a rate near 0 or 1 to show anything: p in [0.4, 0.75] there.
        p = float(rng.uniform(0.4, 0.75) if low == 1 else rng.uniform(0.03, 0.97))
        for _ in range(calls):
            size = int(np.exp(rng.uniform(np.log(low), np.log(high))))
            inputs.append((rng.uniform(0.5, 2.0, size=_shape_of_size(rng, size)), p))
    return inputs


def _small_rates(small, masks):
    """Per band of sizes (one p each): the number dropped over all its masks, a Binomial(entries, p) count,
    against exact bounds; and pairs of neighbours along each axis, pooled per axis, tested for independence."""
    start = 0
    for low, high, calls in SMALL_SIZES:
        band = range(start, start + calls)
        start += calls
        p = small[band[0]][1]
        what = f"dropout_forward(x, p={p:.4f}, training=True) on {calls} inputs of about {low} to {high - 1} entries"
        entries = sum(masks[index].size for index in band)
        _exact_binomial(sum(int((masks[index] == 0).sum()) for index in band), entries, p, what)
        # One pooled table per axis: a mask shared along one axis shows in that axis's pairs, undiluted.
        for axis in range(4):
            pairs = [_disjoint_neighbours(masks[index] != 0, axis) for index in band if masks[index].ndim > axis]
            if not pairs:
                continue
            first, second = (np.concatenate(side) for side in zip(*pairs, strict=True))
            if first.size:
                _independent_exact(first, second, f"{what}: pairs of neighbours along axis {axis}, pooled")


def _disjoint_neighbours(kept, axis):
    """Pairs of neighbours along ``axis`` of ``kept`` (entries 0 and 1, 2 and 3, ...): no entry is in two pairs,
    so for a correct mask the pairs are independent and an exact test holds its level at any p."""
    along = np.moveaxis(kept, axis, -1)
    even = along.shape[-1] // 2 * 2
    return along[..., 0:even:2].ravel(), along[..., 1:even:2].ravel()


def _independent_exact(first, second, what):
    """Fisher's exact test of independence on the 2x2 table of (first kept, second kept), two-sided, at
    false-rejection rate ``ALPHA``: exact at any p and any number of pairs, where a chi-square is not."""
    both = int(np.count_nonzero(first & second))
    first_kept, second_kept = int(np.count_nonzero(first)), int(np.count_nonzero(second))
    table = [[both, first_kept - both], [second_kept - both, first.size - first_kept - second_kept + both]]
    if fisher_exact_p(table) < ALPHA:
        raise CheckFailed(
            f"{what}: whether an entry is kept depends on whether its neighbour is (kept/dropped 2x2 table {table}, "
            f"Fisher's exact test, false-rejection rate {ALPHA:g}): draw one independent value per entry"
        )


def _exact_binomial(count, n, p, what):
    """``count`` of ``n`` entries dropped at rate ``p``: within the exact Binomial(n, p) bounds at false-rejection
    rate ``ALPHA``."""
    low, high = exact_binomial_bounds(n, p, ALPHA)
    if not low <= count <= high:
        raise CheckFailed(
            f"{what}: {count} of {n} entries were dropped ({count / n:.4f}); a correct dropout drops between {low} "
            f"and {high} (exact binomial test, false-rejection rate {ALPHA:g}): every entry must be dropped with "
            "probability p, whatever the input's size, shape or memory"
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


def _independent(
    first, second, what, advice="draw one independent value per entry, not one per row or column", level=ALPHA
):
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
    if math.erfc(math.sqrt(statistic / 2)) < level:
        raise CheckFailed(
            f"{what}: whether an entry is kept depends on whether its counterpart is (kept/dropped 2x2 table "
            f"{table}, chi-square test of independence, false-rejection rate {level:g}): {advice}"
        )


@check("p = 0 keeps everything, p = 1 drops everything", points=1)
def extreme_rates(learner, rng):
    x = _values(rng, _random_shape(rng, 5000))
    results = _trainings(learner, [(x, 0.0, Seed(_seed(rng))), (x, 1.0, Seed(_seed(rng)))])
    out, mask = next(results)
    assert_close(out, x, what=f"p=0 on x of shape {x.shape}: out", rtol=0, atol=0)
    assert_close(mask, np.ones_like(x), what=f"p=0 on x of shape {x.shape}: mask", rtol=0, atol=0)
    out, mask = next(results)
    assert_close(
        out, np.zeros_like(x), what=f"p=1 on x of shape {x.shape}: out (must be zeros, not NaN)", rtol=0, atol=0
    )
    assert_close(mask, np.zeros_like(x), what=f"p=1 on x of shape {x.shape}: mask", rtol=0, atol=0)


# The determinism check's probes: (smallest size, largest + 1, inputs), sizes log-uniform within each band. The
# largest band reaches the largest input any check sends.
PROBE_SIZES = ((1, 10, 12), (10, 100, 3), (100, 1_000, 2), (1_000, 25_000, 2), (25_000, 200_000, 3))


MID, LOW, HIGH = (0.05, 0.95), (0.002, 0.05), (0.95, 0.998)


def _probe(rng, low, high, rates):
    """A training call on an input of ``low`` to ``high`` - 1 entries (log-uniform), at a rate drawn from
    ``rates``, with a seed of its own."""
    size = int(np.exp(rng.uniform(np.log(low), np.log(high))))
    return rng.uniform(0.5, 2.0, size=_shape_of_size(rng, size)), float(rng.uniform(*rates)), Seed(_seed(rng))


def _probes(rng):
    """Training calls on inputs of every band of ``PROBE_SIZES``, each with its own rate and seed: in [0.3, 0.7] for
    the smallest band, where a mask has few entries to differ in; in the largest band one rate in ``LOW``, one in
    ``HIGH`` (where only a large mask has enough dropped or kept entries to differ in) and one in ``MID`` on
    150,000 entries or more; in ``MID`` elsewhere."""
    probes = []
    for low, high, count in PROBE_SIZES:
        for number in range(count):
            if low == 1:
                rates = (0.3, 0.7)
            elif high == PROBE_SIZES[-1][1]:
                rates = (LOW, HIGH, MID)[number]
            else:
                rates = MID
            # The middle-rate probe of the largest band is near the largest input any check sends, so that a
            # submission drawing from rng only below some size meets it whatever that size (log-uniform draws
            # alone all fell below 70,000 entries in about one grading of sixteen).
            if high == PROBE_SIZES[-1][1] and rates == MID:
                low = 150_000
            probes.append(_probe(rng, low, high, rates))
    return probes


def _as_callers_send(process, rng, calls):
    """``calls`` as a caller's arrays may come: about half of the inputs writable, and one input with several
    axes (if any) as a view not in C order (``x.T``), chosen at random; each call's x is judged as sent here."""
    several = [index for index, (x, _, _) in enumerate(calls) if x.ndim > 1 and min(x.shape) > 1]
    viewed = int(rng.choice(several)) if several else -1
    sent = []
    for index, (x, rate, generator) in enumerate(calls):
        if index == viewed:
            x = process.environment("transposed", np.ascontiguousarray(x.T), as_handle=True).handle
        elif rng.random() < 0.5:
            x = Writable(x)
        sent.append((x, rate, True, generator))
    return sent


@check("Randomness comes from rng alone: the same seed gives the same masks in a fresh process", points=2)
def rng_drives_the_mask(learner, rng):
    """Determinism is judged from outside, with inputs and call orders a submission cannot anticipate:

    - in this process, a new generator from the same seed gives the same mask twice, and one from another
      seed a different mask (the three calls in one round trip, in random order);
    - in a second process (whose global generators are seeded differently; the invalid-p check's, which has
      served that check's calls before), after two other seeds on the same input, the same seed gives the same
      mask again, on other values of that shape (the mask must not depend on x's values either);
    - a generator shared by three calls gives three independent masks (a chi-square test of independence
      between successive masks, at ``ALPHA`` each), and the same three in the second process after other calls;
    - a generator rebuilt in the second process at the state the shared one reached gives the mask of its next
      call;
    - inputs of every size, 1 to 200,000 entries (``PROBE_SIZES``), each with a rate (extreme ones on the largest)
      and a seed of its own, mixed into both processes' first batches in random orders, get the same masks in
      both: a submission that draws from rng only for inputs of some sizes or rates (those of the probes above,
      say) fails. One that draws from a global generator for a whole band of sizes passes only if every probe of
      the band gets the same mask in both processes by chance (each entry does with probability p^2 + (1-p)^2):
      about 4e-8 for the smallest band, 5e-7 for the next, below 1e-15 for the others (computed over the bands'
      sizes and rates);
    - the shared generator first serves four inputs of other sizes and rates (a low, a middle and a high rate, and
      an extreme one on the largest), with the same masks in both processes and each rate tested: a generator
      used before must drive the mask too;
    - in every batch, about half of the inputs are writable and one with several axes is a view not in C order, as
      callers' arrays may be; each probe's mask of 1,000 entries or more is tested for its rate (exact binomial
      test).
    """
    shape = _random_shape(rng, 5000)
    while math.prod(shape) < 500:
        shape = _random_shape(rng, 5000)
    inputs = [rng.uniform(0.5, 2.0, size=shape) for _ in range(3)]
    p, seed, other = float(rng.uniform(0.3, 0.7)), _seed(rng), _seed(rng)
    what = f"dropout_forward(x of shape {shape}, p={p:.4f}, training=True, rng)"
    # The same seed twice and another seed, in one round trip in random order: a submission sees all three.
    seeds = [seed, seed, other]
    probes = _probes(rng)
    calls = [(inputs[0], p, Seed(value)) for value in seeds] + probes
    order = [int(index) for index in rng.permutation(len(calls))]
    ordered = [calls[index] for index in order]
    replies = learner.map("dropout_forward", _as_callers_send(learner, rng, ordered))
    masks = {
        index: _judged_training(_forward_result(reply, x, rate, True), x, rate)[1]
        for index, reply, (x, rate, _) in zip(order, replies, ordered, strict=True)
    }
    once, twice, different = masks[0], masks[1], masks[2]
    for k, (x, rate, _) in enumerate(probes):
        if x.size >= 1_000:
            what_probe = f"dropout_forward(x of shape {x.shape}, p={rate:.4f}, training=True)"
            _exact_binomial(int((masks[3 + k] == 0).sum()), x.size, rate, what_probe)
    if not np.array_equal(once, twice):
        raise CheckFailed(
            f"{what}, called twice with a new generator made from the same seed, gave different masks: draw the "
            "mask from the rng argument only, not from np.random, the random module or anything kept between calls"
        )
    if np.array_equal(different, once):
        raise CheckFailed(f"{what}: generators made from the seeds {seed} and {other} gave the identical mask")

    # After the three inputs, the shared generator serves inputs of other sizes and rates (the same in both
    # processes, in the same order): a generator used before must drive the mask whatever the input.
    # Low, middle and high rates on the three smaller of them, in random order; an extreme on the largest.
    spread = [(0.05, 0.3), (0.3, 0.7), (0.7, 0.95)]
    sizes = [(10, 100), (100, 1_000), (1_000, 25_000)]
    tail = [_probe(rng, *size, spread[int(k)]) for size, k in zip(sizes, rng.permutation(3), strict=True)]
    tail.append(_probe(rng, 25_000, 200_000, (LOW, HIGH)[int(rng.integers(2))]))

    def shared(process):
        generator = process.environment("generator", seed, as_handle=True)
        # The tail first: the three inputs of one shape then come last, next to the fourth call below.
        calls = [(x, rate, generator.handle) for x, rate, _ in tail] + [(x, p, generator.handle) for x in inputs]
        replies = process.map("dropout_forward", _as_callers_send(process, rng, calls))
        judged = [
            _judged_training(_forward_result(reply, x, rate, True), x, rate)
            for reply, (x, rate, _) in zip(replies, calls, strict=True)
        ]
        masks = [mask for _, mask in judged]
        return masks[len(tail) :], masks[: len(tail)], generator

    first, first_tail, generator = shared(learner)
    # The shared generator's state now, and the mask of a fourth call: a generator rebuilt at that state in the
    # second process must give the same mask, so the mask depends on the generator's state alone (not on memory
    # kept per generator object or per process, such as a last mask rolled along instead of a new draw).
    state = learner.environment("state_of", generator.handle)
    fourth = _training(learner, inputs[1], p, generator.handle)[1]
    fresh = learner.fresh(SECOND)
    # In the second process, two other seeds come first on the same input: a mask that depends on the order in
    # which a process meets seeds (not on their values) differs from this process's.
    # The same seed comes last on other values of the same shape: the mask must not depend on x's values either.
    firsts = [(inputs[0], p, Seed(_seed(rng))) for _ in range(2)] + [(inputs[2], p, Seed(seed))]
    # The probes go among them, in another random order; the calls on inputs[0] keep theirs.
    at_first = rng.permutation(len(firsts) + len(probes)) < len(firsts)
    firsts_left, probes_left = iter(range(len(firsts))), iter(int(k) for k in rng.permutation(len(probes)))
    sequence = [(True, next(firsts_left)) if slot else (False, next(probes_left)) for slot in at_first]
    second_calls = [firsts[k] if first else probes[k] for first, k in sequence]
    # Only compared with masks judged in this process (a mask equal to one of them is valid too): not judged again.
    replies = fresh.map("dropout_forward", _as_callers_send(fresh, rng, second_calls))
    results = (_forward_result(reply, x, rate, True) for reply, (x, rate, _) in zip(replies, second_calls, strict=True))
    there = {key: mask for key, (_, mask) in zip(sequence, results, strict=True)}
    if not np.array_equal(there[(True, 2)], once):
        raise CheckFailed(
            f"{what}: a new generator made from the same seed gave another mask in another process that had seen "
            "other seeds first: the mask must depend on the seed's value only"
        )
    for k, (x, rate, _) in enumerate(probes):
        here, elsewhere = masks[3 + k], there[(False, k)]
        if not np.array_equal(here, elsewhere):
            same_shape = isinstance(elsewhere, np.ndarray) and elsewhere.shape == here.shape
            differ = f"{int((here != elsewhere).sum())} of {x.size} entries differ" if same_shape else "another shape"
            raise CheckFailed(
                f"dropout_forward(x of shape {x.shape}, p={rate:.4f}, training=True, rng): a new generator made "
                f"from the same seed gave another mask in another process ({differ}): draw the mask from the rng "
                "argument only, whatever the input's size or rate"
            )
    # Other calls first, so call counts differ between the processes.
    others = int(rng.integers(1, 4))
    cases = [
        (_values(rng, _random_shape(rng, 500)), float(rng.uniform(0.1, 0.9)), Seed(_seed(rng))) for _ in range(others)
    ]
    list(_trainings(fresh, cases))
    rebuilt = fresh.environment("generator_at", state, as_handle=True)
    if not np.array_equal(_training(fresh, inputs[1], p, rebuilt.handle)[1], fourth):
        raise CheckFailed(
            f"{what}: a generator rebuilt in another process at the state a shared generator had reached gave "
            "another mask than the shared generator's next call: each call must draw its mask from rng as it is, "
            "with nothing remembered from earlier calls"
        )
    second, second_tail, _ = shared(fresh)
    pairs = [(x, rate, one, two) for (x, rate, _), one, two in zip(tail, first_tail, second_tail, strict=True)]
    pairs += [(x, p, one, two) for x, one, two in zip(inputs, first, second, strict=True)]
    for call, (x, rate, one, two) in enumerate(pairs):
        if not np.array_equal(one, two):
            raise CheckFailed(
                f"dropout_forward(x of shape {x.shape}, p={rate:.4f}, training=True, rng): in two processes, call "
                f"{call + 1} of {len(pairs)} with one generator made from the same seed gave different masks "
                f"({int((one != two).sum())} of {one.size} entries differ): draw the mask from the rng argument "
                "only, not from np.random, the random module or anything kept between calls"
            )
    for (x, rate, _), mask in zip(tail, first_tail, strict=True):
        what_tail = f"dropout_forward(x of shape {x.shape}, p={rate:.4f}, training=True, rng used before)"
        _exact_binomial(int((mask == 0).sum()), x.size, rate, what_tail)
    # Distinct draws of 500 or more independent entries at p in [0.3, 0.7] coincide with probability below 0.7^500.
    if np.array_equal(first[0] != 0, first[1] != 0) or np.array_equal(first[1] != 0, first[2] != 0):
        raise CheckFailed(
            f"{what}: three calls sharing one generator dropped the same entries twice: draw a fresh mask from rng "
            "on every call (is a mask cached between calls?)"
        )
    # Successive masks of one generator are independent draws: whether an entry is kept in one call says nothing
    # about the next (catches a mask mostly carried over from the last call).
    for call in (0, 1):
        _independent(
            first[call] != 0,
            first[call + 1] != 0,
            f"{what}: calls {call + 1} and {call + 2} sharing one generator, entry by entry",
            advice="draw a new mask from rng on every call, not one that keeps part of the last",
        )


@check("Backward multiplies by the mask it is given, on new inputs", points=1)
def backward_on_new_inputs(learner, rng):
    cases = []
    for _ in range(3):
        shape = _random_shape(rng, 20_000)
        x, p = _values(rng, shape), float(rng.uniform(0.05, 0.95))
        cases.append((x, p, Seed(_seed(rng))))
    masks = [mask for _, mask in _trainings(learner, cases)]
    grads = [_values(rng, x.shape) for x, _, _ in cases]
    # grad_out writable in at least one call, as a caller's array is, and judged against the array held here.
    writable = rng.random(2 * len(cases)) < 0.5
    writable[2 * int(rng.integers(len(cases)))] = True  # a call with a mask
    sent = [Writable(grad) if mode else grad for grad in grads for mode in (False, True)]
    calls = [
        (sent[2 * number + int(writable[2 * number + which])], mask if which == 0 else None)
        for number, mask in enumerate(masks)
        for which in (0, 1)
    ]
    for (x, p, _), mask in zip(cases, masks, strict=True):
        # Rates are tested in every check that draws masks: a submission cannot stop dropping after the checks
        # that test rates have run.
        _exact_binomial(int((mask == 0).sum()), x.size, p, f"dropout_forward(x of shape {x.shape}, p={p:.4f})")
    replies = iter(learner.map("dropout_backward", calls))
    for (x, p, _), grad, mask in zip(cases, grads, masks, strict=True):
        what = f"dropout_backward(grad_out of shape {x.shape}, mask of the forward pass with p={p:.4f})"
        assert_close(next(replies).value, grad * mask, what=what, rtol=1e-12, atol=0)
        what = f"dropout_backward(grad_out of shape {x.shape}, None)"
        assert_close(next(replies).value, grad, what=what, rtol=0, atol=0)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    shape = _random_shape(rng, 200_000)
    x, p = _values(rng, shape), float(rng.uniform(0.1, 0.9))
    # Writable, as a caller's arrays are: code that writes only to writable arrays is seen too. (What writable
    # calls return is judged by the checks of those properties, which send writable arrays as well.)
    for training in (True, False):
        _, after = learner.call_and_read_args("dropout_forward", Writable(x), p, training, Seed(_seed(rng)))
        assert_close(
            after[0],
            x,
            what=f"x after dropout_forward(x of shape {shape}, p={p:.4f}, training={training})",
            rtol=0,
            atol=0,
        )
    _, mask = _training(learner, x, p, Seed(_seed(rng)))
    _exact_binomial(int((mask == 0).sum()), x.size, p, f"dropout_forward(x of shape {shape}, p={p:.4f})")
    grad = _values(rng, shape)
    _, after = learner.call_and_read_args("dropout_backward", Writable(grad), Writable(mask))
    assert_close(
        after[0], grad, what=f"grad_out after dropout_backward(grad_out of shape {shape}, mask)", rtol=0, atol=0
    )
    assert_close(after[1], mask, what=f"mask after dropout_backward(grad_out, mask of shape {shape})", rtol=0, atol=0)
