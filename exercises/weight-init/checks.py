"""Hidden checks for Xavier-uniform and He-normal initialisation.

The target distributions are those of ``torch.nn.init.xavier_uniform_`` (every entry independently
U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))) and of ``torch.nn.init.kaiming_normal_`` with
mode="fan_in" and nonlinearity="relu" (every entry independently N(0, std^2), std = sqrt(2 / fan_in),
the ReLU gain taken from PyTorch itself). The statement does not fix how the draw is made, so weights
are never compared with a reference's draws: they are judged by exact properties (shape, dtype, range)
and by goodness-of-fit and independence tests, with sizes, gains and seeds drawn from ``rng`` (seeded
from a secret fresh for each grading).

Every test works on *normal scores*: z = w / std for He, and z = Phi^-1((w / a + 1) / 2) for Xavier,
which are independent N(0, 1) values exactly when the weights follow the target distribution. So:

- goodness of fit: a Kolmogorov-Smirnov test of Phi(z) against U(0, 1), rejecting only beyond the
  Dvoretzky-Kiefer-Wolfowitz-Massart bound (rigorous); a two-sided chi-square test of Phi(z) in equal
  bins (asymptotic; its low tail catches samples that are too even, e.g. a shuffled grid); for He, the
  exact chi-square test of sum(z^2) and the exact normal test of sum(z), each also failing when the
  statistic is implausibly close to its expected value (samples rescaled or centred to match the
  moments); for Xavier, every |w| <= a and the largest |w| close to a (P(max |w| < a ALPHA^(1/n)) =
  ALPHA exactly);
- independence within a matrix: the sums of z over each row and each column are N(0, 1) after scaling,
  so their sums of squares follow chi-square laws exactly (two-sided: rows or columns that repeat,
  cancel or are sorted fail); neighbours along rows and along columns share their sign with
  probability 1/2 (Hoeffding bounds);
- independence between calls: two draws from one generator share signs with probability 1/2;
- no repeated magnitudes: the gaps between sorted |w| (through their law's CDF) are not too often tiny
  (Hoeffding's bound for negatively associated spacings; catches each |w| reused with another sign);
- no copies: the positive weights and the negated negative ones, and the weights of two calls (as they
  are and negated), must not be closer than independent samples come, by the lower tail of the
  two-sample Kolmogorov-Smirnov statistic (catches antithetic pairs and values repeated in a new order).

Determinism is judged across processes: the same sequence of calls with a generator made from the same
seed, on layers of every size band for both functions, must give identical weights in a fresh process
(whose global generators are seeded differently, and which first serves 100 to 300 other calls), also
when the calls come in a different order, each with its own seed; two successive calls of one shape with
one generator must differ; the same seed must repeat and a different seed must change the weights.

Independent calls that each get their own seeded generator (the public examples, the small layers) go
in one round trip through the ``ENVIRONMENT`` helper ``calls``, which only relays the return values;
calls whose order matters (a shared generator, the determinism check) are made one by one.

False-rejection budget for a correct solution: 46 tests at ``ALPHA`` = 1e-8 each, about 4.6e-7 in all.
Two kinds use asymptotic laws, accurate at these sizes: the chi-square bin tests (each bin expects at
least 150 values) and the copy tests (the Kolmogorov law, with at least 10 000 values a side). The
bounds (every |w| <= a) cannot fail a correct solution, and the determinism check fails one with
probability below 1e-11.
"""

import math

import numpy as np
import torch
from scipy import special, stats

from grader.harness import CheckFailed, LearnerError, Seed, binomial_bounds, check, describe, drawing, figure

ENVIRONMENT = """
import sys

import numpy as np


def generator(seed):
    return np.random.default_rng(seed)


def calls(requests):
    # Several independent calls of the learner's functions in one round trip: only their return
    # values come back, and are judged on the trusted side like those of direct calls.
    submission = sys.modules["submission"]
    return [getattr(submission, name)(*args, **kwargs) for name, args, kwargs in requests]
"""

ALPHA = 1e-8
GRID = 4000  # points where the Kolmogorov-Smirnov distance is measured; a multiple of every bin count
RELU_GAIN = torch.nn.init.calculate_gain("relu")  # sqrt(2)
NAMES = ("xavier_uniform", "he_normal")
SMALL_CALLS = 8
LARGE = (50_000, 70_000)  # weights in a large layer
MEDIUM = (3_000, 5_000)  # weights in a medium layer
# Normal scores are clipped here: a correct sample of these sizes passes it with probability below 1e-10,
# and only the exact ends of [-a, a] (possible after float32 rounding) would otherwise be infinite.
Z_LIMIT = 8.3
SPACING = 0.1  # gaps between sorted |w| below SPACING / n count as small (about 10% of them, for a correct sample)
ROUNDING = 1e-6  # in units of the CDF: over 8 times the error of float32 rounding or of a 24-bit generator


class Call:
    """One call of the learner's function: its arguments, and how it reads in a message."""

    def __init__(self, name, fan_in, fan_out, gain=None, by_keyword=True):
        self.name, self.fan_in, self.fan_out, self.gain, self.by_keyword = name, fan_in, fan_out, gain, by_keyword

    def scale(self):
        """a for Xavier, std for He."""
        if self.name == "he_normal":
            return RELU_GAIN / math.sqrt(self.fan_in)
        gain = 1.0 if self.gain is None else self.gain
        return gain * math.sqrt(6.0 / (self.fan_in + self.fan_out))

    def text(self, rng_text="rng"):
        gain = ""
        if self.gain is not None:
            gain = f", gain={self.gain!r}" if self.by_keyword else f", {self.gain!r}"
        return f"{self.name}({self.fan_in}, {self.fan_out}, {rng_text}{gain})"

    def arguments(self, rng_argument):
        args, kwargs = [self.fan_in, self.fan_out, rng_argument], {}
        if self.gain is not None and self.by_keyword:
            kwargs["gain"] = self.gain
        elif self.gain is not None:
            args.append(self.gain)
        return args, kwargs

    def run(self, learner, rng_argument, rng_text="rng"):
        """The learner's weights, after the exact checks of :meth:`checked`."""
        args, kwargs = self.arguments(rng_argument)
        return self.checked(learner.call(self.name, *args, **kwargs), rng_text)

    def checked(self, weights, rng_text="rng"):
        """``weights`` after the exact checks: shape, dtype, finite values, and for Xavier the range."""
        what = self.text(rng_text)
        if type(weights).__module__.startswith("torch") and hasattr(weights, "numpy"):
            weights = weights.numpy()  # rebuilt from bytes by the protocol: a plain CPU tensor
        if not isinstance(weights, np.ndarray):
            raise CheckFailed(f"{what}: expected a NumPy array, got {type(weights).__name__}: {describe(weights)}")
        if weights.dtype not in (np.float32, np.float64):
            raise CheckFailed(f"{what}: expected a float32 or float64 array, got dtype {weights.dtype}")
        if weights.shape != (self.fan_out, self.fan_in):
            hint = ""
            if weights.shape == (self.fan_in, self.fan_out):
                hint = ", which is (fan_in, fan_out): torch.nn.Linear stores its weight as (out_features, in_features)"
            raise CheckFailed(
                f"{what}: expected shape (fan_out, fan_in) = {(self.fan_out, self.fan_in)}, got {weights.shape}{hint}"
            )
        if not np.isfinite(weights).all():
            index = tuple(int(i) for i in np.argwhere(~np.isfinite(weights))[0])
            raise CheckFailed(f"{what}: every value must be finite; w{list(index)} = {weights[index]!r}")
        weights = weights.astype(np.float64, copy=False)
        if self.name == "xavier_uniform":
            bound = self.scale()
            # Values may equal -a or a; the slack only absorbs float32 rounding near a.
            outside = np.abs(weights) > bound * (1 + 1e-6)
            if outside.any():
                raise CheckFailed(
                    f"{what}: every value must lie in [-a, a] with a = {bound:.8g}; {int(outside.sum())} of "
                    f"{weights.size} values lie outside, the largest |w| being {float(np.abs(weights).max()):.8g}"
                )
        return weights

    def uniforms(self, weights):
        """The target law's CDF at each weight: independent U(0, 1) values exactly when the weights follow it."""
        if self.name == "he_normal":
            return special.ndtr(weights / self.scale())
        return np.clip((weights / self.scale() + 1.0) / 2.0, 0.0, 1.0)

    def magnitudes(self, weights):
        """The CDF of |w| under the target law at each |w|: independent U(0, 1) values for a correct sample."""
        if self.name == "he_normal":
            return special.erf(np.abs(weights) / (self.scale() * math.sqrt(2.0)))
        return np.clip(np.abs(weights) / self.scale(), 0.0, 1.0)

    def scores(self, weights):
        """Normal scores: independent N(0, 1) values exactly when the weights follow the target law."""
        if self.name == "he_normal":
            return weights / self.scale()
        return np.clip(special.ndtri(self.uniforms(weights)), -Z_LIMIT, Z_LIMIT)


def _seed(rng):
    return int(rng.integers(0, 2**62))


def _run_each(learner, calls, seeds, draw=None):
    """The weights of independent calls, each with its own seeded generator, in one round trip.
    ``draw(results)`` sees the values as they came back, before any is judged (to draw them)."""
    requests = [(call.name, *call.arguments(Seed(seed))) for call, seed in zip(calls, seeds, strict=True)]
    try:
        results = learner.environment("calls", requests)
    except LearnerError as error:
        # Raised by one of the learner's functions: report it as a failure of that function.
        details = {"type": error.type, "kinds": error.kinds, "message": error.message, "line": error.line}
        details["traceback"] = error.traceback
        raise LearnerError(" or ".join(sorted({call.name for call in calls})), details) from None
    if not (isinstance(results, list) and len(results) == len(calls)):
        raise CheckFailed(f"{len(calls)} calls of {calls[0].name} did not give {len(calls)} results")
    if draw is not None:
        with drawing():
            draw(results)
    return [
        call.checked(weights, f"np.random.default_rng({seed})")
        for call, seed, weights in zip(calls, seeds, results, strict=True)
    ]


def _gain(rng):
    """A gain in [0.2, 0.8] or [1.25, 5]: far enough from 1 that a gain ignored, or applied as its square
    root, moves the bound by a factor of 1.1 or more, which a layer of ``MEDIUM`` weights cannot hide."""
    return float(rng.uniform(0.2, 0.8) if rng.random() < 0.3 else rng.uniform(1.25, 5.0))


def _medium_layer(rng):
    """(fan_in, fan_out) with about ``MEDIUM`` weights."""
    fan_in = int(rng.integers(30, 81))
    return fan_in, max(1, round(rng.uniform(*MEDIUM) / fan_in))


def _large_layer(rng):
    """(fan_in, fan_out) with 50 000 to 70 000 weights and one fan 2.5 to 5 times the other, so that a
    formula mixing up fan_in and fan_out is off by a large factor."""
    size, ratio = rng.uniform(LARGE[0], LARGE[1]), rng.uniform(2.5, 5.0)
    small = round(math.sqrt(size / ratio))
    fans = (small, round(small * ratio))
    return fans if rng.random() < 0.5 else fans[::-1]


def _small_calls(rng, name, count):
    """``count`` calls with fans from 1 to 40 (often exactly 1). For Xavier the gain cycles through the
    default, by keyword and by position, alternately below and above 1."""
    calls = []
    for index in range(count):
        fan_in, fan_out = (int(n) if rng.random() < 0.8 else 1 for n in rng.integers(1, 41, size=2))
        mode = index % 3 if name == "xavier_uniform" else 0
        gain = None if mode == 0 else float(rng.uniform(0.2, 0.9) if index % 2 else rng.uniform(1.1, 5.0))
        calls.append(Call(name, fan_in, fan_out, gain, by_keyword=mode == 1))
    return calls


def _fail(what, test, detail, advice):
    raise CheckFailed(f"{what}: {test} failed ({detail}; false-rejection rate {ALPHA:g}): {advice}")


def _goodness_of_fit(u, bins, what, law):
    """The Kolmogorov-Smirnov and chi-square tests of ``u`` (the target CDF at each weight) against U(0, 1).

    The KS distance is taken at the ``GRID`` points k / GRID only, a lower bound of the exact distance,
    so the DKW-Massart bound keeps its false-rejection rate; the chi-square test (skipped when ``bins``
    is None) counts ``bins`` equal bins, both sides (too uneven, or too even as from a shuffled grid)."""
    n = u.size
    counts = _counts(u)
    distance = float(np.abs(np.cumsum(counts) / n - np.arange(1, GRID + 1) / GRID).max())
    bound = math.sqrt(math.log(2 / ALPHA) / (2 * n))
    if distance > bound:
        _fail(
            what,
            "the Kolmogorov-Smirnov test",
            f"the empirical distribution of {n} values is {distance:.4f} away from {law}, more than the {bound:.4f} "
            "a correct sampler reaches",
            "check the distribution and its scale",
        )
    if bins is None:
        return
    counts = counts.reshape(bins, GRID // bins).sum(axis=1)
    expected = n / bins
    _two_sided_chi_square(
        float(((counts - expected) ** 2).sum() / expected),
        bins - 1,
        what,
        f"the chi-square test of {n} values in {bins} bins of equal probability under {law}",
        f"bin counts range from {int(counts.min())} to {int(counts.max())}, {expected:.0f} expected each",
        "the values must be independent draws from the target distribution",
    )


def _two_sided_chi_square(statistic, dof, what, test, detail, advice):
    low, high = stats.chi2.cdf(statistic, dof), stats.chi2.sf(statistic, dof)
    if 2 * min(low, high) < ALPHA:
        side = "large" if high < low else "small"
        _fail(what, test, f"statistic {statistic:.1f} on {dof} degrees of freedom is too {side}; {detail}", advice)


def _variance_test(z, what, law):
    """sum(z^2) follows chi-square(n) exactly for N(0, 1) scores: neither tail, nor too near its centre."""
    statistic = float(np.einsum("i,i->", z, z))  # not np.dot: BLAS threads cost more than they save here
    rms = math.sqrt(statistic / z.size)
    _two_sided_chi_square(
        statistic,
        z.size,
        what,
        "the chi-square test of the variance",
        f"the root mean square of the weights is {rms:.5f} times the standard deviation of {law}",
        "check the standard deviation formula",
    )
    # P(|S - n| <= d) <= 2 d max(density), the density of chi-square(n) peaking at n - 2.
    width = ALPHA / (2 * float(stats.chi2.pdf(z.size - 2, z.size)))
    if abs(statistic - z.size) <= width:
        _fail(
            what,
            "the test that the variance is not forced",
            f"the sum of squared normal scores is {statistic!r}, within {width:.2g} of its expected value {z.size}",
            "draw independent values; do not rescale them to the exact target variance",
        )


def _mean_test(z, what):
    """sum(z) / sqrt(n) is N(0, 1) exactly: neither tail, nor too near 0."""
    statistic = float(z.sum()) / math.sqrt(z.size)
    limit = float(stats.norm.isf(ALPHA / 2))
    if abs(statistic) > limit:
        _fail(
            what,
            "the normal test of the mean",
            f"the mean of {z.size} values is {statistic:.2f} standard errors from 0, more than {limit:.2f}",
            "the weights must have mean 0",
        )
    # P(|Z| <= d) <= 2 d / sqrt(2 pi).
    width = ALPHA * math.sqrt(2 * math.pi) / 2
    if abs(statistic) <= width:
        _fail(
            what,
            "the test that the mean is not forced",
            f"the mean of {z.size} values is {statistic:.2g} standard errors from 0, within {width:.2g}",
            "draw independent values; do not subtract their mean",
        )


def _reaches_bound(weights, bound, what):
    # P(max |w| < t) = (t / a)^n for U(-a, a); t = a ALPHA^(1/n) makes that ALPHA.
    threshold = bound * ALPHA ** (1 / weights.size)
    largest = float(np.abs(weights).max())
    if largest < threshold:
        _fail(
            what,
            "the test that the values reach a",
            f"the largest |w| among {weights.size} values is {largest:.6g}, but U(-a, a) with a = {bound:.6g} "
            f"exceeds {threshold:.6g}",
            "the bound is too small (check the formula and the gain)",
        )


def _independence(z, what):
    """Rows, columns and neighbours of one matrix of normal scores (fan_out rows, fan_in columns)."""
    for axis, name in ((1, "row"), (0, "column")):
        sums = z.sum(axis=axis) / math.sqrt(z.shape[axis])
        _two_sided_chi_square(
            float(np.einsum("i,i->", sums, sums)),
            sums.size,
            what,
            f"the chi-square test of the {name} sums",
            f"the {sums.size} {name} sums of normal scores should be independent N(0, 1) values",
            f"entries must be independent draws at the right scale: {name}s must not repeat, cancel out or be ordered",
        )
    pairs = (
        ("horizontal", z[:, 0 : z.shape[1] // 2 * 2 : 2], z[:, 1 : z.shape[1] // 2 * 2 : 2]),
        ("vertical", z[0 : z.shape[0] // 2 * 2 : 2], z[1 : z.shape[0] // 2 * 2 : 2]),
    )
    for name, first, second in pairs:
        _same_sign(first, second, what, f"{name} neighbours")


def _same_sign(first, second, what, which):
    """Independent symmetric values share their sign with probability 1/2."""
    agree, n = int(((first > 0) == (second > 0)).sum()), first.size
    low, high = binomial_bounds(n, 0.5, ALPHA)
    if not low <= agree <= high:
        _fail(
            what,
            f"the sign test of {which}",
            f"{agree} of {n} pairs have the same sign; independent draws give between {low} and {high}",
            "every entry must be an independent draw",
        )


def _magnitudes_distinct(v, what):
    """``v``: the target law's CDF at each |w| (independent U(0, 1) values for a correct sample). Of the n + 1
    spacings of n sorted values, each is below s with probability 1 - (1 - s)^n; rounding (float32 or a coarse
    generator) moves a value by less than ``ROUNDING``, so a spacing observed below ``s = SPACING / n`` was
    below s + 2 ``ROUNDING``. The spacings are Dirichlet, hence negatively associated, and Hoeffding's bound
    holds for the count (one-sided, at ``ALPHA``). Catches magnitudes that repeat, however shuffled and
    re-signed (each |w| used twice with independent signs: every marginal and every sign test is exact)."""
    n = v.size
    s = SPACING / n
    spacings = np.diff(np.sort(v))
    small = int((spacings < s).sum())
    p = -math.expm1(n * math.log1p(-(s + 2 * ROUNDING)))
    limit = (n + 1) * p + math.sqrt((n + 1) * math.log(1 / ALPHA) / 2)
    if small > limit:
        _fail(
            what,
            "the test that the magnitudes |w| do not repeat",
            f"{small} of the {n - 1} gaps between sorted values of |w| are below {s:.2e} (in units of the law's "
            f"CDF); independent draws give at most {limit:.0f}",
            "every weight must be an independent draw: do not reuse a magnitude |w| with another sign or position",
        )


def _counts(u):
    return np.bincount(np.minimum((u * GRID).astype(np.int64), GRID - 1), minlength=GRID)


def _not_copied(first, second, what, which, advice):
    """Two samples of U(0, 1) that should be independent must not be *too* alike: the lower tail of the
    two-sample Kolmogorov-Smirnov statistic (asymptotic Kolmogorov law). The distance is bounded from
    above on the grid, so the false-rejection rate stays below ``ALPHA``. Catches values that come back
    a second time in another order, or mirrored (antithetic draws)."""
    counts = [_counts(first), _counts(second)]
    sizes = [first.size, second.size]
    distance = float(np.abs(np.cumsum(counts[0]) / sizes[0] - np.cumsum(counts[1]) / sizes[1]).max())
    distance += max(int(counts[0].max()) / sizes[0], int(counts[1].max()) / sizes[1])
    scaled = distance * math.sqrt(sizes[0] * sizes[1] / (sizes[0] + sizes[1]))
    if stats.kstwobign.cdf(scaled) < ALPHA:
        _fail(
            what,
            f"the test that {which} are not copies of each other",
            f"their empirical distributions are at most {distance:.2e} apart, closer than independent samples of "
            f"{sizes[0]} and {sizes[1]} values come",
            advice,
        )


def _not_mirrored(u, what):
    """The positive weights and the mirrored negative ones are independent samples of one law."""
    positive, negative = u[u > 0.5], u[u < 0.5]
    _not_copied(
        2.0 * positive - 1.0,
        1.0 - 2.0 * negative,
        what,
        "the positive weights and the negated negative ones",
        "every weight must be an independent draw (no antithetic pairs w, -w)",
    )


@check("Both return a float array of shape (fan_out, fan_in), like torch.nn.Linear.weight", points=1, public=True)
def shapes(learner, rng):
    calls = [Call(name, fan_in, fan_out) for name in NAMES for fan_in, fan_out in ((3, 5), (7, 2), (1, 1), (1, 4))]
    _run_each(learner, calls, [call.fan_in * 10 + call.fan_out for call in calls])


@check("Xavier: every value lies in [-a, a], a = gain * sqrt(6 / (fan_in + fan_out))", points=1, public=True)
def xavier_bounds(learner, rng):
    cases = ((3, 5, None), (1, 1, None), (20, 10, 2.0), (120, 80, 5 / 3))
    calls = [Call("xavier_uniform", *case) for case in cases]
    _run_each(learner, calls, [1, 2, 3, 4], draw=lambda results: _draw_histogram(calls[-1], results[-1], 4))


def _draw_histogram(call, weights, seed, bins=30):
    """A histogram of the weights a call returned, over [-1.25 a, 1.25 a], against the U(-a, a) density."""
    if type(weights).__module__.startswith("torch") and hasattr(weights, "numpy"):
        weights = weights.numpy()
    if not isinstance(weights, np.ndarray) or weights.dtype.kind not in "biuf":
        return  # nothing to draw; the checks say what came back instead
    values = weights.astype(np.float64).ravel()
    bound = call.scale()
    edges = np.linspace(-1.25 * bound, 1.25 * bound, bins + 1)
    finite = values[np.isfinite(values)]
    counts, _ = np.histogram(finite, edges)
    expected = values.size * np.diff(np.clip(edges, -bound, bound)) / (2 * bound)
    below, above = int((finite < edges[0]).sum()), int((finite > edges[-1]).sum())
    figure(
        "histogram",
        {
            "x_label": "weight value",
            "y_label": "weights per bin",
            "edges": edges,
            "counts": counts,
            "counts_label": "your weights",
            "expected": expected,
            "expected_label": f"U(-a, a), a = {bound:.4g}: expected per bin",
            "below": below,
            "above": above,
            "non_finite": int(values.size - finite.size),
        },
        f"{call.text(f'np.random.default_rng({seed})')}: a histogram of your {values.size} weights in {bins} bins "
        f"from -1.25 a to 1.25 a, against U(-a, a) with a = {bound:.4g}, which puts about {expected.max():.0f} in "
        f"each bin inside [-a, a] and none outside. Yours: {int((np.abs(finite) > bound * (1 + 1e-6)).sum())} "
        f"outside [-a, a] ({below} below and {above} above the drawn range), "
        f"{values.size - finite.size} not finite.",
    )


@check("Xavier on new sizes and gains: values follow U(-a, a) (range, Kolmogorov-Smirnov, chi-square)", points=3)
def xavier_distribution(learner, rng):
    """One large layer (range reached, KS and 50-bin chi-square tests, no mirrored pairs: a too small,
    too large or misplaced bound, a normal or non-uniform shape, antithetic draws), one medium layer
    with the gain passed in the other form (range reached, KS test: a gain ignored or misused when it
    comes by position, or by keyword, is always met with a gain far from 1 on thousands of weights)
    and 8 small layers with random gains, pooled (KS and 10-bin chi-square tests: a formula wrong for
    small fans); the large layer's magnitudes must not repeat. Nine tests at ``ALPHA`` each: false-rejection
    rate at most 9e-8."""
    by_keyword = bool(rng.random() < 0.5)
    call = Call("xavier_uniform", *_large_layer(rng), _gain(rng), by_keyword=by_keyword)
    weights = call.run(learner, Seed(_seed(rng)))
    _reaches_bound(weights, call.scale(), call.text())
    u = call.uniforms(weights).ravel()
    _goodness_of_fit(u, 50, call.text(), f"U(-a, a) with a = {call.scale():.6g}")
    _not_mirrored(u, call.text())
    _magnitudes_distinct(call.magnitudes(weights).ravel(), call.text())
    medium = Call("xavier_uniform", *_medium_layer(rng), _gain(rng), by_keyword=not by_keyword)
    small = _small_calls(rng, "xavier_uniform", SMALL_CALLS)
    seeds = [_seed(rng) for _ in range(SMALL_CALLS + 1)]
    weights, *draws = _run_each(learner, [medium, *small], seeds)
    what = medium.text(f"np.random.default_rng({seeds[0]})")
    _reaches_bound(weights, medium.scale(), what)
    _goodness_of_fit(medium.uniforms(weights).ravel(), None, what, f"U(-a, a) with a = {medium.scale():.6g}")
    pooled = np.concatenate([call.uniforms(weights).ravel() for call, weights in zip(small, draws, strict=True)])
    what = f"{SMALL_CALLS} small layers ({', '.join(call.text() for call in small[:3])}, ...), each scaled by its a"
    _goodness_of_fit(pooled, 10 if pooled.size >= 1500 else None, what, "U(-1, 1)")


@check("He on new sizes: values follow N(0, 2 / fan_in) (Kolmogorov-Smirnov, chi-square, variance, mean)", points=3)
def he_distribution(learner, rng):
    """One large layer (KS and 50-bin chi-square tests of the shape, no mirrored pairs, exact tests of
    the variance and the mean: a uniform or truncated normal, a std from fan_out or missing the ReLU
    gain, antithetic draws) and 8 small layers, pooled (KS and variance tests: a formula wrong for
    small fans); the large layer's magnitudes must not repeat. Eleven tests at ``ALPHA`` each (the variance
    and mean tests count twice: their tails, and their centre): false-rejection rate at most 1.1e-7."""
    fan_in, fan_out = _large_layer(rng)
    call = Call("he_normal", fan_in, fan_out)
    weights = call.run(learner, Seed(_seed(rng)))
    law = f"N(0, std^2) with std = sqrt(2 / {fan_in}) = {call.scale():.6g}"
    u = call.uniforms(weights).ravel()
    _goodness_of_fit(u, 50, call.text(), law)
    _not_mirrored(u, call.text())
    _magnitudes_distinct(call.magnitudes(weights).ravel(), call.text())
    z = call.scores(weights).ravel()
    _variance_test(z, call.text(), law)
    _mean_test(z, call.text())
    small = _small_calls(rng, "he_normal", SMALL_CALLS)
    draws = _run_each(learner, small, [_seed(rng) for _ in small])
    pooled = np.concatenate([call.scores(weights).ravel() for call, weights in zip(small, draws, strict=True)])
    what = f"{SMALL_CALLS} small layers ({', '.join(call.text() for call in small[:3])}, ...), each scaled by its std"
    _goodness_of_fit(special.ndtr(pooled), None, what, "N(0, 1)")
    _variance_test(pooled, what, "N(0, 1)")


@check("Entries are independent within a matrix and from one call to the next", points=2)
def independence(learner, rng):
    """For each function, two calls sharing one generator: row and column sums (chi-square, exact),
    neighbour signs in both directions (Hoeffding), signs shared between the two calls (Hoeffding), and
    the two calls' values not copies of each other, as they are or negated. Catches rows or columns
    repeated, mirrored or sorted, paired entries, and a draw repeated, negated or shuffled from one call
    to the next; in each call, magnitudes |w| must not repeat. 26 tests at ``ALPHA`` each: false-rejection
    rate at most 2.6e-7."""
    for name in NAMES:
        fan_in, fan_out = (int(n) for n in rng.integers(100, 221, size=2))
        gain = _gain(rng) if name == "xavier_uniform" else None
        call = Call(name, fan_in, fan_out, gain)
        generator = learner.environment("generator", _seed(rng), as_handle=True)
        draws = []
        for index in (1, 2):
            weights = call.run(learner, generator.handle)
            what = f"{call.text()} (call {index} with one generator)"
            _independence(call.scores(weights), what)
            _magnitudes_distinct(call.magnitudes(weights).ravel(), what)
            draws.append(weights)
        what = f"two calls {call.text()} sharing one generator"
        _same_sign(draws[0], draws[1], what, "the two calls' entries")
        first, second = (call.uniforms(weights).ravel() for weights in draws)
        advice = "each call must draw new, independent weights"
        _not_copied(first, second, what, "the two calls' weights", advice)
        _not_copied(first, 1.0 - second, what, "the first call's weights and the second's negated", advice)


def _bands(rng):
    """For each function, one layer of every size band the checks use or could be told apart by: small (fans
    2 to 40), medium (about ``MEDIUM`` weights), 100 to 220 a side and large (``LARGE``), each Xavier layer with
    a gain in any of its forms."""
    calls = []
    for name in NAMES:
        layers = [
            tuple(int(n) for n in rng.integers(2, 41, size=2)),
            _medium_layer(rng),
            tuple(int(n) for n in rng.integers(100, 221, size=2)),
            _large_layer(rng),
        ]
        for fan_in, fan_out in layers:
            gain = None
            if name == "xavier_uniform" and rng.random() < 2 / 3:
                gain = _gain(rng)
            calls.append(Call(name, fan_in, fan_out, gain, by_keyword=bool(rng.random() < 0.5)))
    return calls


def _relayed(process, calls, rng_arguments, what):
    """The checked weights of ``calls`` made in this order in one round trip (``rng_arguments``: a seed or the
    handle of a generator per call)."""
    requests = [(call.name, *call.arguments(argument)) for call, argument in zip(calls, rng_arguments, strict=True)]
    results = process.environment("calls", requests)
    if not (isinstance(results, list) and len(results) == len(calls)):
        raise CheckFailed(f"{len(calls)} calls did not give {len(calls)} results")
    return [call.checked(weights, what) for call, weights in zip(calls, results, strict=True)]


@check("Randomness comes from rng alone: the same seed gives the same weights in a fresh process", points=2)
def rng_drives_the_weights(learner, rng):
    """Layers of every size band (``_bands``) for both functions: made twice each in a row with one shared
    generator, the two calls of a shape must differ (the generator must advance), and the whole sequence
    must give the same weights in a fresh process; with a seed of their own, the same layers give the same
    weights in either order. The fresh process first serves 100 to 300 other small calls (a random number),
    so a submission that changes behaviour after some number of calls is seen. The same seed repeats in one
    process, another seed differs. Exact comparisons: a correct solution fails only if two draws of at least
    4 weights coincide, below 1e-11 even for float32 weights."""
    shared = _seed(rng)
    bands = _bands(rng)
    sequence = [call for call in bands for _ in range(2)]
    own = [(call, _seed(rng)) for call in _bands(rng)]
    order = [int(i) for i in rng.permutation(len(own))]
    text = f"one generator from seed {shared}"

    def run(process, order):
        generator = process.environment("generator", shared, as_handle=True)
        together = _relayed(process, sequence, [generator.handle] * len(sequence), text)
        alone = _relayed(process, [own[i][0] for i in order], [Seed(own[i][1]) for i in order], "its own seed")
        return together, [alone[order.index(index)] for index in range(len(own))]

    first = run(learner, order)
    for index in range(0, len(sequence), 2):
        if np.array_equal(first[0][index], first[0][index + 1]):
            raise CheckFailed(
                f"{sequence[index].text()} called twice in a row with one generator ({text}) gave the same "
                "weights: each call must draw new weights, advancing the generator"
            )
    second_process = learner.fresh()
    warm_up = _small_calls(rng, "xavier_uniform", 2) + _small_calls(rng, "he_normal", 2)
    warm_up = [warm_up[int(i)] for i in rng.integers(len(warm_up), size=int(rng.integers(100, 301)))]
    _relayed(second_process, warm_up, [Seed(_seed(rng)) for _ in warm_up], "its own seed")
    second = run(second_process, order[::-1])
    for kind, calls, one, two in (
        ("in sequence with one generator", sequence, first[0], second[0]),
        ("each with its own seed, in the opposite order", [call for call, _ in own], first[1], second[1]),
    ):
        for call, a, b in zip(calls, one, two, strict=True):
            if a.dtype != b.dtype or not np.array_equal(a, b):
                raise CheckFailed(
                    f"{call.text()} called {kind} gave different weights in two processes "
                    f"({int((a != b).sum()) if a.shape == b.shape else 'all'} of {a.size} entries differ): draw "
                    "from the rng argument only, not from np.random, the random module, torch's global generator "
                    "or anything kept between calls"
                )
    index = int(rng.integers(len(own)))
    call, seed = own[index]
    if not np.array_equal(call.run(learner, Seed(seed)), first[1][index]):
        raise CheckFailed(
            f"{call.text()} with np.random.default_rng({seed}) twice in one process gave different weights"
        )
    if np.array_equal(call.run(learner, Seed(seed + 1)), first[1][index]):
        raise CheckFailed(
            f"{call.text()} gave identical weights with generators made from the seeds {seed} and {seed + 1}: "
            "the rng argument must drive the sampling (is a generator with a fixed seed made inside the function?)"
        )
