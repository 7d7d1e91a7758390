"""Hidden checks for Xavier-uniform and He-normal initialisation.

The target distributions are those of ``torch.nn.init.xavier_uniform_`` (U(-a, a) with
a = gain * sqrt(6 / (fan_in + fan_out))) and ``torch.nn.init.kaiming_normal_`` with mode="fan_in" and
nonlinearity="relu" (N(0, std^2) with std = calculate_gain("relu") / sqrt(fan_in)); the ReLU gain is
taken from PyTorch itself. Random output is tested by properties and distributions with fixed seeds,
never by comparing with the reference's own draws, so any valid way of sampling passes.

False-rejection budget for a correct solution: 22 statistical tests at ALPHA = 1e-8 each (2.2e-7 in
all), plus two range tests whose false-rejection rate is below 1e-39 each.
"""

import math

import numpy as np
import torch

from grader.harness import CheckFailed, Seed, assert_array, binomial_bounds, check

ALPHA = 1e-8
RELU_GAIN = torch.nn.init.calculate_gain("relu")  # sqrt(2)
# Large layers for the statistical tests: (fan_in, fan_out, gain, seed); gain None means "use the default".
XAVIER_CASES = ((250, 400, None, 31), (600, 150, 5.0 / 3.0, 32))
HE_CASES = ((200, 500, 41), (800, 100, 42))


def _xavier_bound(fan_in, fan_out, gain=1.0):
    return gain * math.sqrt(6.0 / (fan_in + fan_out))


def _he_std(fan_in):
    return RELU_GAIN / math.sqrt(fan_in)


def _call(name, fan_in, fan_out, seed, gain=None):
    text = f"{name}({fan_in}, {fan_out}, rng=np.random.default_rng({seed})"
    return text + (f", gain={gain:.6g})" if gain is not None else ")")


def _draw(learner, name, fan_in, fan_out, seed, gain=None):
    """The learner's weights, checked to be a float array of shape (fan_out, fan_in)."""
    if gain is None:
        weights = learner.call(name, fan_in, fan_out, Seed(seed))
    else:
        weights = learner.call(name, fan_in, fan_out, Seed(seed), gain=gain)
    what = _call(name, fan_in, fan_out, seed, gain)
    if isinstance(weights, np.ndarray) and weights.shape == (fan_in, fan_out) and fan_in != fan_out:
        raise CheckFailed(
            f"{what}: expected shape (fan_out, fan_in) = {(fan_out, fan_in)}, got {weights.shape}, which is "
            "(fan_in, fan_out): torch.nn.Linear stores its weight as (out_features, in_features)"
        )
    assert_array(weights, what=what, shape=(fan_out, fan_in), kinds="f")
    return weights.astype(float), what


def _in_bounds(weights, bound, what):
    # Sampled values may equal -a; the 1e-6 relative slack only absorbs float32 rounding near a.
    worst = float(np.abs(weights).max())
    if worst > bound * (1 + 1e-6):
        raise CheckFailed(
            f"{what}: every value must lie in [-a, a] with a = {bound:.8g}; found |w| = {worst:.8g} "
            f"({int((np.abs(weights) > bound * (1 + 1e-6)).sum())} of {weights.size} values outside)"
        )


def _count_in_range(count, n, p, what, description):
    low, high = binomial_bounds(n, p, ALPHA)
    if not low <= count <= high:
        raise CheckFailed(
            f"{what}: {count} of {n} values ({count / n:.4f}) {description}; for the target distribution the "
            f"probability is {p:.6f}, and a correct sampler gives between {low} and {high} "
            f"(Hoeffding bound, false-rejection rate {ALPHA:g})"
        )


@check("Both return a float array of shape (fan_out, fan_in), like torch.nn.Linear.weight", points=1, public=True)
def shapes(learner):
    for name in ("xavier_uniform", "he_normal"):
        for fan_in, fan_out in ((3, 5), (7, 2), (1, 1), (1, 4)):
            _draw(learner, name, fan_in, fan_out, seed=fan_in * 10 + fan_out)


@check("Xavier: every value lies in [-a, a], a = gain * sqrt(6 / (fan_in + fan_out))", points=2, public=True)
def xavier_bounds(learner):
    for fan_in, fan_out, gain, seed in ((3, 5, None, 1), (1, 1, None, 2), (20, 10, 2.0, 3), *XAVIER_CASES):
        weights, what = _draw(learner, "xavier_uniform", fan_in, fan_out, seed, gain)
        _in_bounds(weights, _xavier_bound(fan_in, fan_out, 1.0 if gain is None else gain), what)


@check("Xavier: the values reach the ends of [-a, a]", points=1)
def xavier_fills_range(learner):
    for fan_in, fan_out, gain, seed in XAVIER_CASES:
        weights, what = _draw(learner, "xavier_uniform", fan_in, fan_out, seed, gain)
        bound = _xavier_bound(fan_in, fan_out, 1.0 if gain is None else gain)
        # For U(-a, a), P(max |w| < 0.999 a) = 0.999^n, below 1e-39 for n >= 90000.
        largest = float(np.abs(weights).max())
        if largest < 0.999 * bound:
            raise CheckFailed(
                f"{what}: the largest |w| among {weights.size} values is {largest:.6g}, but U(-a, a) with "
                f"a = {bound:.6g} reaches 0.999 a = {0.999 * bound:.6g} except with probability below 1e-39: "
                "the bound is too small (check the formula and the gain)"
            )


@check("Xavier: mean 0 and variance 2 gain^2 / (fan_in + fan_out) (Hoeffding tests)", points=2)
def xavier_moments(learner):
    for fan_in, fan_out, gain, seed in XAVIER_CASES:
        weights, what = _draw(learner, "xavier_uniform", fan_in, fan_out, seed, gain)
        bound = _xavier_bound(fan_in, fan_out, 1.0 if gain is None else gain)
        n = weights.size
        # Values lie in [-a, a]: P(|mean| >= t) <= 2 exp(-2 n t^2 / (2a)^2) = ALPHA.
        tolerance = 2 * bound * math.sqrt(math.log(2 / ALPHA) / (2 * n))
        mean = float(weights.mean())
        if abs(mean) > tolerance:
            raise CheckFailed(
                f"{what}: the mean of {n} values is {mean:.6g}; it should be 0 within {tolerance:.3g} "
                f"(Hoeffding bound, false-rejection rate {ALPHA:g})"
            )
        # Squares lie in [0, a^2] with mean a^2 / 3: P(|mean - a^2/3| >= t) <= 2 exp(-2 n t^2 / a^4) = ALPHA.
        variance = bound**2 / 3
        tolerance = bound**2 * math.sqrt(math.log(2 / ALPHA) / (2 * n))
        second_moment = float(np.mean(weights**2))
        if abs(second_moment - variance) > tolerance:
            raise CheckFailed(
                f"{what}: the mean of w^2 over {n} values is {second_moment:.6g}; U(-a, a) with a = {bound:.6g} "
                f"has variance a^2 / 3 = {variance:.6g}, and a correct sampler lies within {tolerance:.3g} of it "
                f"(Hoeffding bound, false-rejection rate {ALPHA:g})"
            )


@check("Xavier: values are spread uniformly over [-a, a] (binomial tests on four equal bins)", points=2)
def xavier_is_uniform(learner):
    for fan_in, fan_out, gain, seed in XAVIER_CASES:
        weights, what = _draw(learner, "xavier_uniform", fan_in, fan_out, seed, gain)
        bound = _xavier_bound(fan_in, fan_out, 1.0 if gain is None else gain)
        edges = [-np.inf, -bound / 2, 0.0, bound / 2, np.inf]
        counts, _ = np.histogram(weights, bins=edges)
        names = ("below -a/2", "in [-a/2, 0)", "in [0, a/2)", "at or above a/2")
        for count, description in zip(counts, names, strict=True):
            _count_in_range(int(count), weights.size, 0.25, what, f"are {description}")


@check("He: mean 0 and standard deviation sqrt(2 / fan_in) (normal and chi-square tail bounds)", points=3)
def he_moments(learner):
    for fan_in, fan_out, seed in HE_CASES:
        weights, what = _draw(learner, "he_normal", fan_in, fan_out, seed)
        std = _he_std(fan_in)
        n = weights.size
        # The mean of n N(0, std^2) values is N(0, std^2 / n); P(|Z| >= z) <= exp(-z^2 / 2) = ALPHA.
        z = math.sqrt(2 * math.log(1 / ALPHA))
        tolerance = z * std / math.sqrt(n)
        mean = float(weights.mean())
        if abs(mean) > tolerance:
            raise CheckFailed(
                f"{what}: the mean of {n} values is {mean:.6g}; it should be 0 within {tolerance:.3g} "
                f"(normal tail bound, false-rejection rate {ALPHA:g})"
            )
        # S = sum(w^2) / std^2 is chi-square with n degrees of freedom. Laurent-Massart, x = log(1 / ALPHA):
        # P(S >= n + 2 sqrt(n x) + 2 x) <= ALPHA and P(S <= n - 2 sqrt(n x)) <= ALPHA.
        x = math.log(1 / ALPHA)
        low, high = n - 2 * math.sqrt(n * x), n + 2 * math.sqrt(n * x) + 2 * x
        statistic = float(np.sum(weights**2)) / std**2
        if not low <= statistic <= high:
            rms = math.sqrt(statistic / n) * std
            raise CheckFailed(
                f"{what}: the root mean square of {n} values is {rms:.6g}, but the standard deviation must be "
                f"sqrt(2 / fan_in) = {std:.6g}; a correct sampler gives between {std * math.sqrt(low / n):.6g} and "
                f"{std * math.sqrt(high / n):.6g} (chi-square tail bounds, false-rejection rate {ALPHA:g} per side)"
            )


@check("He: values follow a normal bell curve, not a uniform or truncated one (binomial tests)", points=2)
def he_is_normal(learner):
    for fan_in, fan_out, seed in HE_CASES:
        weights, what = _draw(learner, "he_normal", fan_in, fan_out, seed)
        std = _he_std(fan_in)
        magnitude = np.abs(weights)
        for k in (1, 2):
            p = math.erf(k / math.sqrt(2))  # P(|w| <= k std) for a normal distribution
            count = int(np.count_nonzero(magnitude <= k * std))
            _count_in_range(count, weights.size, p, what, f"lie within {k} standard deviation(s) ({k * std:.4g}) of 0")


@check("The same seed gives the same weights; a different seed gives different ones", points=2)
def rng_drives_the_weights(learner):
    for name in ("xavier_uniform", "he_normal"):
        first, what = _draw(learner, name, 30, 20, 51)
        again, _ = _draw(learner, name, 30, 20, 51)
        if not np.array_equal(first, again):
            raise CheckFailed(
                f"two calls {what} gave different weights: draw every random number from the rng argument "
                "(not from np.random.* functions or the random module)"
            )
        other, other_what = _draw(learner, name, 30, 20, 52)
        if np.array_equal(first, other):
            raise CheckFailed(
                f"{what} and {other_what} gave identical weights: the rng argument must drive the sampling "
                "(is a generator with a fixed seed created inside the function?)"
            )
