"""Hidden checks for image and time-series augmentation.

The contract fixes what each output may be, not which random numbers produce it, so the checks judge
outputs three ways, never against one particular draw:

- provenance: every output image must be one of the outputs the statement allows for its own input
  (kept or mirrored; one window of the zero-padded image; a mirrored-or-not window for augmented
  copies), found here by comparing it with all of them. Statistical cases use images with distinct
  non-zero values, so the choice behind each output (flipped or not, which offset) is decoded exactly;
- statistics on the decoded choices and on the noise, with stated power: exact binomial tests,
  chi-square goodness-of-fit and independence tests, Kolmogorov-Smirnov tests, sign-agreement tests,
  on large calls and on sequences of calls sharing one generator (independence from call to call);
- determinism across processes: a sequence of calls on one generator gives the same outputs in a fresh
  process (global generators seeded differently), and two generators from the same seed, used in
  interleaved calls, give the same outputs, while repeated calls on one generator do not repeat.

Hidden cases come from ``rng`` (seeded from a secret fresh for every grading): shapes, dtypes
(``uint8``, ``int16``, ``float32`` and ``float64`` images; ``float32`` and ``float64`` series), rates,
sizes, paddings and sigmas change every time. Properties are probed over the whole domain, not one corner of
it: every statistical check draws its calls with several dtypes, shapes, channel counts and parameters and
tests each large call on its own; inputs come writable or not and as views not in C order, as callers'
arrays may be; the determinism check compares, across two processes (with call counts that differ between
them), probes of every dtype, rank, shape and parameter range, each with its own seed. Whether an input was
changed in place is read from the memory shared with the learner's process, for read-only and writable inputs.

False-rejection budget for a correct solution: at most 39 statistical tests at ``ALPHA`` = 1e-9 each (3.9e-8: 6
for the flips, 6 for the crops, up to 18 for augment_dataset, 5 for jitter, 4 for magnitude_scale), plus the "repeated
calls do not repeat" comparisons, each below 1e-14 (stated where made). The chi-square tails are
approximations; every expected count is at least 30, and even a tenfold error keeps the total below 1e-6.
"""

import numpy as np
from scipy import special, stats

from grader.harness import (
    CheckFailed,
    Seed,
    Writable,
    assert_array,
    assert_close,
    check,
    describe,
    drawing,
    figure,
)

ENVIRONMENT = """
import numpy as np


def generator(seed):
    return np.random.default_rng(seed)


def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T or x[:, ::2] is.
    return x.T
"""

ALPHA = 1e-9
BANDS = ((2, 40), (40, 500))  # the small batches of flip_statistics
IMAGE_DTYPES = ("uint8", "int16", "float32", "float64")
SERIES_DTYPES = ("float32", "float64")


def _seed(rng) -> int:
    return int(rng.integers(0, 2**62))


# Inputs


def _random_images(rng, n, height, width, channels, dtype):
    """Random pixel values of ``dtype`` (zeros included for integers: padding must be judged by position)."""
    shape = (n, height, width, channels)
    if np.dtype(dtype).kind == "f":
        return rng.normal(0.0, 50.0, size=shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)


def _distinct_images(rng, n, height, width, channels, dtype):
    """Pixels all distinct and non-zero, in random places: every output pixel names its source."""
    count = n * height * width * channels
    values = rng.permutation(count) + 1
    return (values * rng.choice([-1, 1], size=count)).reshape(n, height, width, channels).astype(dtype)


def _decodable_images(rng, n, height, width, channels, dtype):
    """Each image a random arrangement of 1 .. height * width * channels (signs random for signed dtypes): the
    pixels of an image are distinct and non-zero, so every output names its choice; needs at most 255 pixels for
    ``uint8``."""
    size = height * width * channels
    values = np.argsort(rng.random((n, size)), axis=1) + 1
    if np.dtype(dtype).kind != "u":
        values = values * rng.choice([-1, 1], size=values.shape)
    return values.reshape(n, height, width, channels).astype(dtype)


def _as_callers_send(process, rng, calls, viewed=None):
    """``calls`` (argument tuples, the array first) as a caller's arrays may come: about half of the arrays
    writable, and call ``viewed`` (by default one chosen at random among those whose array has several axes
    longer than 1) with its array as a view not in C order (``x.T``). Each output is judged against the array
    as sent here."""
    if viewed is None:
        several = [index for index, (x, *_) in enumerate(calls) if sum(d > 1 for d in x.shape) > 1]
        viewed = int(rng.choice(several)) if several else -1
    sent = []
    for index, (x, *rest) in enumerate(calls):
        if index == viewed:
            x = process.environment("transposed", np.ascontiguousarray(x.T), as_handle=True).handle
        elif rng.random() < 0.5:
            x = Writable(x)
        sent.append((x, *rest))
    return sent


def _image_shape(rng):
    return int(rng.integers(1, 40)), int(rng.integers(1, 12)), int(rng.integers(1, 12)), int(rng.choice([1, 3]))


def _series(rng, shape, dtype):
    # Values of both signs over several magnitudes, never zero (magnitude_scale divides by them).
    magnitude = rng.uniform(0.5, 2.0, size=shape) * 10.0 ** rng.integers(-1, 2, size=shape)
    return (magnitude * rng.choice([-1.0, 1.0], size=shape)).astype(dtype)


def _sigma(rng):
    # Away from 1, so sigma used as the variance (sigma ** 2) is a different distribution.
    return float(rng.choice([rng.uniform(0.2, 0.6), rng.uniform(1.6, 3.0)]))


def _wide_sigma(rng):
    # Log-uniform over [0.01, 0.6] or [1.6, 10]: small and large scales, away from 1 as _sigma's are.
    low, high = ((0.01, 0.6), (1.6, 10.0))[int(rng.integers(2))]
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


# Judging outputs


def _images_out(value, what, shape, dtype):
    return assert_array(value, what=what, shape=shape, kinds="biuf", dtype=dtype)


def _candidates(images, size, padding, mirrored):
    """Every output an image may become: windows of its zero-padded self (and of its mirror image).

    Shape (N, K, h, w, C), with the mirrored windows first when ``mirrored``: candidate k is mirrored when
    k < tops * lefts, and its offset is top = (k % (tops * lefts)) // lefts, left = k % lefts.
    """
    sources = [images[:, :, ::-1, :], images] if mirrored else [images]
    height, width = size
    found = []
    for source in sources:
        padded = np.pad(source, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (height, width), axis=(1, 2))
        n, tops, lefts = windows.shape[:3]
        found.append(windows.transpose(0, 1, 2, 4, 5, 3).reshape(n, tops * lefts, height, width, images.shape[3]))
    return np.concatenate(found, axis=1), tops, lefts


def _match(out, candidates, what, describe_source):
    """Index of the candidate each output equals (the first, if several); fails if one equals none."""
    matches = np.all(candidates == out[:, None], axis=(2, 3, 4))
    found = matches.any(axis=1)
    if not found.all():
        i = int(np.argmin(found))
        raise CheckFailed(
            f"{what}: output image {i} is not {describe_source(i)}.\n"
            f"Output image {i}, channel 0: {describe(out[i, ..., 0])}"
        )
    return matches.argmax(axis=1)


def _crop_source(images, size, padding):
    return lambda i: (
        f"a {size} window of input image {i} zero-padded by {padding} on each side of H and W.\n"
        f"Input image {i}, channel 0: {describe(images[i, ..., 0])}"
    )


def _flip_source(images):
    return lambda i: (
        f"input image {i} or input image {i} mirrored along W (axis 2).\n"
        f"Input image {i}, channel 0: {describe(images[i, ..., 0])}"
    )


def _unique_candidates(candidates):
    # Distinct non-zero pixels make every candidate of an image different, when every window shows a
    # pixel of the image; the cases are drawn so that it does, and this confirms it.
    flat = candidates[0].reshape(candidates.shape[1], -1)
    if len(np.unique(flat, axis=0)) != len(flat):
        raise AssertionError("a statistical case whose outputs cannot be decoded uniquely")


def _flip_provenance(out, images, what):
    """(same, mirrored) per output image, after checking each is its input or its input mirrored along W.

    With random pixels an image may equal its own mirror: then both are true, and either is right.
    """
    same = np.all(out == images, axis=(1, 2, 3))
    mirrored = np.all(out == images[:, :, ::-1, :], axis=(1, 2, 3))
    if not (same | mirrored).all():
        i = int(np.argmin(same | mirrored))
        raise CheckFailed(
            f"{what}: output image {i} is not {_flip_source(images)(i)}\n"
            f"Output image {i}, channel 0: {describe(out[i, ..., 0])}"
        )
    return same, mirrored


# Statistical tests, each at false-rejection rate ALPHA


def _binomial(count, n, prob, what):
    """Exact two-sided binomial test."""
    p_value = min(1.0, 2 * min(stats.binom.cdf(count, n, prob), stats.binom.sf(count - 1, n, prob)))
    if p_value < ALPHA:
        raise CheckFailed(
            f"{what}: {count} of {n} ({count / n:.4f}), expected rate {prob:.4f} (exact binomial test, "
            f"p = {p_value:.2g}, false-rejection rate {ALPHA:g})"
        )


def _goodness_of_fit(codes, n_codes, what, labels):
    """Chi-square test that ``codes`` are uniform over ``range(n_codes)``."""
    observed = np.bincount(codes, minlength=n_codes)
    expected = len(codes) / n_codes
    statistic = float(((observed - expected) ** 2).sum() / expected)
    p_value = float(stats.chi2.sf(statistic, n_codes - 1))
    if p_value < ALPHA:
        worst = int(np.argmax(np.abs(observed - expected)))
        raise CheckFailed(
            f"{what}: the {n_codes} possible {labels} should be equally likely (about {expected:.0f} each), "
            f"but number {worst} of them came {observed[worst]} times; counts {observed.tolist()} "
            f"(chi-square test, p = {p_value:.2g}, false-rejection rate {ALPHA:g})"
        )


def _independent(first, second, what):
    """Chi-square test of independence of two paired categorical samples."""
    table = np.zeros((int(first.max()) + 1, int(second.max()) + 1))
    np.add.at(table, (first, second), 1)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return  # one category only: the rate tests judge that
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    p_value = float(stats.chi2.sf(statistic, (table.shape[0] - 1) * (table.shape[1] - 1)))
    if p_value < ALPHA:
        raise CheckFailed(
            f"{what} are not independent (counts of each pair of values {table.astype(int).tolist()}, chi-square "
            f"test of independence, p = {p_value:.2g}, false-rejection rate {ALPHA:g})"
        )


def _standard_normal(z, what):
    """Kolmogorov-Smirnov test that ``z`` holds draws of N(0, 1)."""
    z = np.sort(np.asarray(z, dtype=np.float64).ravel())
    n = z.size
    cdf = special.ndtr(z)
    distance = float(max((np.arange(1, n + 1) / n - cdf).max(), (cdf - np.arange(n) / n).max()))
    p_value = float(stats.kstwo.sf(distance, n))
    if p_value < ALPHA:
        quartiles = np.percentile(z, [25, 50, 75])
        raise CheckFailed(
            f"{what} should be standard normal draws; over {n} values their quartiles are "
            f"{np.round(quartiles, 3).tolist()} (expected [-0.674, 0, 0.674]), their standard deviation "
            f"{z.std():.4f} (expected 1) (Kolmogorov-Smirnov test, p = {p_value:.2g}, false-rejection rate {ALPHA:g})"
        )


def _signs_agree(first, second, what):
    """Exact binomial test: independent symmetric draws share their sign half the time."""
    agree = int(np.count_nonzero((first > 0) == (second > 0)))
    p_value = min(1.0, 2 * min(stats.binom.cdf(agree, first.size, 0.5), stats.binom.sf(agree - 1, first.size, 0.5)))
    if p_value < ALPHA:
        raise CheckFailed(
            f"{what}: {agree} of {first.size} pairs have the same sign, where independent draws agree about half "
            f"the time (exact binomial test, p = {p_value:.2g}, false-rejection rate {ALPHA:g})"
        )


# random_horizontal_flip


@check("random_horizontal_flip: the worked example, p = 0 keeps and p = 1 mirrors every image", points=1, public=True)
def flip_examples(learner, rng):
    image = np.arange(1.0, 5.0).reshape(1, 2, 2, 1)
    out = _images_out(
        learner.random_horizontal_flip(image, 1.0, Seed(0)),
        "random_horizontal_flip(img, 1.0)",
        (1, 2, 2, 1),
        np.float64,
    )
    assert_close(
        out[0, ..., 0],
        [[2.0, 1.0], [4.0, 3.0]],
        what="random_horizontal_flip(img, 1.0, rng)[0, ..., 0]",
        rtol=0,
        atol=0,
    )
    images = np.arange(1, 5 * 3 * 4 * 2 + 1, dtype=np.uint8).reshape(5, 3, 4, 2)
    for p, expected in ((0.0, images), (1.0, images[:, :, ::-1, :])):
        what = f"random_horizontal_flip(uint8 images of shape {images.shape}, p={p}, rng)"
        out = _images_out(learner.random_horizontal_flip(images, p, Seed(1)), what, images.shape, np.uint8)
        assert_close(out, expected, what=what, rtol=0, atol=0)


@check("random_horizontal_flip: each image kept or mirrored along W, dtype kept, on new inputs", points=1)
def flip_on_new_inputs(learner, rng):
    """Four new batches: p in [0.2, 0.8], then p = 1 on images at least 2 pixels high and wide (so a flip
    along the wrong axis always shows), then p = 0, then any of the three."""
    for index in range(4):
        shape = _image_shape(rng)
        if index == 1:
            shape = (shape[0], max(shape[1], 2), max(shape[2], 2), shape[3])
        dtype = IMAGE_DTYPES[index]
        images = _random_images(rng, *shape, dtype)
        p = [float(rng.uniform(0.2, 0.8)), 1.0, 0.0, float(rng.choice([0.0, 1.0, rng.uniform(0.0, 1.0)]))][index]
        what = f"random_horizontal_flip({dtype} images of shape {shape}, p={p:.4g}, rng)"
        out = _images_out(learner.random_horizontal_flip(images, p, Seed(_seed(rng))), what, shape, dtype)
        same, mirrored = _flip_provenance(out, images, what)
        if p == 0.0 and not same.all():
            raise CheckFailed(f"{what}: with p=0 no image may be flipped, but image {int(np.argmin(same))} was")
        if p == 1.0 and not mirrored.all():
            raise CheckFailed(f"{what}: with p=1 every image must be flipped; image {int(np.argmin(mirrored))} was not")


@check("random_horizontal_flip: flips independent, at rate p, across images and calls (statistics)", points=2)
def flip_statistics(learner, rng):
    """Five calls on one generator (one round trip), each with its own p, dtype and shape: two large ones (2000
    to 3000 images, p in [0.25, 0.75]; one with images taller than a pixel and 3 channels, one a pixel tall with
    1), then 1 image, 2 to 40 and 40 to 500, p in [0.05, 0.95]; every dtype, images writable or not, one large
    batch a view not in C order, as callers' arrays may be. Random pixels: an image equal to its own mirror says
    nothing and is left out. Then 100 calls of one image each (one round trip), at one p in [0.25, 0.75]. Six
    tests at ``ALPHA`` each:

    - an exact binomial test of each large call, and of the last call when it keeps 40 images or more (catch a
      rate off by more than about 3 points, such as 1 - p for p away from 1/2, on any dtype, shape or layout);
    - an exact binomial test of the 100 single images (catches a batch of one treated otherwise, such as
      one never flipped: 0.75^100 < 1e-12);
    - a chi-square test of independence of neighbouring images' flips (disjoint pairs) in the first call
      (catches one coin for several images, or alternating flips);
    - a chi-square test of independence of the first images' flips in the two large calls (catches flips
      remembered from call to call).
    """
    generator = learner.environment("generator", _seed(rng), as_handle=True)
    tall = int(rng.integers(2))
    dtypes = [str(d) for d in rng.permutation(IMAGE_DTYPES)] + [str(rng.choice(IMAGE_DTYPES))]
    calls = []
    for index, n in enumerate(
        [int(rng.integers(2000, 3000)), int(rng.integers(2000, 3000)), 1, *(int(rng.integers(*b)) for b in BANDS)]
    ):
        if index < 2:
            shape = (n, 1, 2, 1) if index != tall else (n, int(rng.integers(2, 5)), int(rng.integers(2, 5)), 3)
            p = float(rng.uniform(0.25, 0.75))
        else:
            shape = (n, int(rng.integers(1, 6)), int(rng.integers(2, 6)), int(rng.choice([1, 3])))
            p = float(rng.uniform(0.05, 0.95))
        calls.append((_random_images(rng, *shape, dtypes[index]), p, generator.handle))
    replies = learner.map("random_horizontal_flip", _as_callers_send(learner, rng, calls, int(rng.integers(2))))
    flips = []
    for reply, (images, p, _) in zip(replies, calls, strict=True):
        what = f"random_horizontal_flip({images.dtype} images of shape {images.shape}, p={p:.4f}, rng)"
        out = _images_out(reply.value, what, images.shape, images.dtype)
        same, mirrored = _flip_provenance(out, images, what)
        known = ~(same & mirrored)
        flipped = mirrored[known]
        flips.append(mirrored)
        if len(flips) in (1, 2) or (len(flips) == 5 and flipped.size >= 40):
            _binomial(int(flipped.sum()), flipped.size, p, f"{what}: images flipped (of those not their own mirror)")
    # Then 100 batches of one image each (of random dtypes and shapes) at one p, on the same generator: a batch
    # of one is flipped at rate p too.
    p = float(rng.uniform(0.25, 0.75))
    singles = []
    for _ in range(100):
        shape = (1, int(rng.integers(1, 5)), int(rng.integers(2, 5)), int(rng.choice([1, 3])))
        singles.append((_random_images(rng, *shape, str(rng.choice(IMAGE_DTYPES))), p, generator.handle))
    single_flips = []
    for reply, (images, _, _) in zip(
        learner.map("random_horizontal_flip", _as_callers_send(learner, rng, singles)), singles, strict=True
    ):
        what = f"random_horizontal_flip({images.dtype} image of shape {images.shape}, p={p:.4f}, rng)"
        same, mirrored = _flip_provenance(_images_out(reply.value, what, images.shape, images.dtype), images, what)
        if not (same & mirrored).all():
            single_flips.append(bool(mirrored[0]))
    _binomial(
        sum(single_flips),
        len(single_flips),
        p,
        f"random_horizontal_flip(one image, p={p:.4f}), {len(single_flips)} calls on one generator: images flipped",
    )
    first, second = flips[0], flips[1]
    pairs = first.size // 2
    _independent(
        first[0 : 2 * pairs : 2].astype(int),
        first[1 : 2 * pairs : 2].astype(int),
        f"random_horizontal_flip({first.size} images): the flips of images 2j and 2j + 1",
    )
    common = min(first.size, second.size)
    _independent(
        first[:common].astype(int),
        second[:common].astype(int),
        "random_horizontal_flip, two consecutive calls on one generator: the flips of image i in each call",
    )


# random_crop


@check("random_crop: each output is a window of its zero-padded image", points=1, public=True)
def crop_examples(learner, rng):
    image = np.arange(1.0, 5.0).reshape(1, 2, 2, 1)
    images = np.arange(1, 6 * 5 * 6 * 3 + 1, dtype=np.int16).reshape(6, 5, 6, 3)
    for source, size, padding in ((image, (2, 2), 1), (images, (5, 6), 2), (images, (3, 4), 0), (images, (9, 10), 2)):
        what = f"random_crop({source.dtype} images of shape {source.shape}, size={size}, padding={padding}, rng)"
        out = _images_out(
            learner.random_crop(source, size, padding, Seed(2)),
            what,
            (len(source), *size, source.shape[3]),
            source.dtype,
        )
        _match(out, _candidates(source, size, padding, False)[0], what, _crop_source(source, size, padding))


def _crop_case(rng):
    """(images shape, size, padding): any window size that fits, padding 0 to 4."""
    n, height, width, channels = _image_shape(rng)
    padding = int(rng.integers(0, 5))
    size = int(rng.integers(1, height + 2 * padding + 1)), int(rng.integers(1, width + 2 * padding + 1))
    return (n, height, width, channels), size, padding


@check("random_crop: each output a window of its zero-padded image, dtype kept, on new inputs", points=1)
def crop_on_new_inputs(learner, rng):
    cases = [_crop_case(rng) for _ in range(3)]
    cases[0] = (cases[0][0], (1, 1), cases[0][2])
    shape = _image_shape(rng)
    # The whole padded image (one position only), and the image itself without padding.
    cases += [(shape, (shape[1] + 2, shape[2] + 2), 1), (shape, shape[1:3], 0)]
    for index, (shape, size, padding) in enumerate(cases):
        dtype = IMAGE_DTYPES[index % len(IMAGE_DTYPES)]
        images = _random_images(rng, *shape, dtype)
        what = f"random_crop({dtype} images of shape {shape}, size={size}, padding={padding}, rng)"
        out = _images_out(
            learner.random_crop(images, size, padding, Seed(_seed(rng))), what, (shape[0], *size, shape[3]), dtype
        )
        _match(out, _candidates(images, size, padding, False)[0], what, _crop_source(images, size, padding))


def _decoded_windows(out, images, size, padding, mirrored, what, describe_source):
    """Like ``_match`` with ``_candidates(images, size, padding, mirrored)``, for images from
    ``_decodable_images`` (whose windows all show an image pixel), without building every candidate: the first
    non-zero pixel of each output names its place in the image, hence the offset; the window there (of the
    mirrored image first, as in ``_candidates``) must then equal the output. Returns the candidate indices."""
    n, height, width, channels = images.shape
    h, w = size
    tops, lefts = height + 2 * padding - h + 1, width + 2 * padding - w + 1
    flat = out.reshape(n, -1)
    nonzero = flat != 0
    at = nonzero.argmax(axis=1)
    value = np.abs(flat[np.arange(n), at].astype(np.float64))
    rank = np.clip(np.round(value).astype(np.int64) - 1, 0, height * width * channels - 1)
    codes, found = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    sources = [(1, images[:, :, ::-1, :]), (0, images)] if mirrored else [(0, images)]
    for mirror, source in sources:
        place = np.argsort(np.abs(source.reshape(n, -1)), axis=1, kind="stable")[np.arange(n), rank]
        top = place // (width * channels) + padding - at // (w * channels)
        left = (place // channels) % width + padding - (at // channels) % w
        valid = (top >= 0) & (top < tops) & (left >= 0) & (left < lefts) & nonzero.any(axis=1)
        padded = np.pad(source, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=(1, 2))
        chosen = windows[np.arange(n), np.clip(top, 0, tops - 1), np.clip(left, 0, lefts - 1)].transpose(0, 2, 3, 1)
        fits = valid & np.all(chosen == out, axis=(1, 2, 3)) & ~found
        codes[fits] = (0 if mirror else (tops * lefts if mirrored else 0)) + top[fits] * lefts + left[fits]
        found |= fits
    if not found.all():
        i = int(np.argmin(found))
        raise CheckFailed(
            f"{what}: output image {i} is not {describe_source(i)}.\n"
            f"Output image {i}, channel 0: {describe(out[i, ..., 0])}"
        )
    return codes, tops, lefts


@check("random_crop: offsets uniform over all positions, independent across images and calls (statistics)", points=2)
def crop_statistics(learner, rng):
    """Two calls on one generator (one round trip), 2000 to 2600 images each, of two dtypes, 1 or 3 channels,
    2 to 8 possible offsets on one axis and 6 to 8 on the other (windows larger than the padding, and distinct
    pixels in each image, so each offset is decoded), each input writable or not, one a view not in C order, as
    callers' arrays may be. Seven tests at ``ALPHA``:

    - chi-square goodness-of-fit tests of the joint (top, left) offsets of each call over all positions, at
      least 30 expected in each (catch offsets that never reach the last positions, one offset used on both
      axes, a bias, on any dtype, channel count or layout);
    - chi-square tests of independence of neighbouring images' top offsets and left offsets (disjoint
      pairs; catches offsets shared by several images or cycling through positions);
    - chi-square tests of independence of image i's top and left offsets in the two calls (catches
      offsets remembered from call to call).
    """
    generator = learner.environment("generator", _seed(rng), as_handle=True)
    padding = int(rng.integers(0, 3))
    tops, lefts = rng.permutation([int(rng.integers(2, 9)), int(rng.integers(6, 9))]).tolist()
    # Each side at least `positions - padding` long, so the window (side + 2 padding - positions + 1)
    # is larger than the padding and there are really that many offsets on each axis.
    shortest = [max(padding + 1, positions - padding) for positions in (tops, lefts)]
    height, width = (int(rng.integers(low, low + 3)) for low in shortest)
    size = (height + 2 * padding - tops + 1, width + 2 * padding - lefts + 1)
    calls = []
    for dtype in rng.permutation(IMAGE_DTYPES)[:2]:
        # uint8 images hold at most 255 distinct non-zero values.
        channels = 1 if dtype == "uint8" and 3 * height * width > 255 else int(rng.choice([1, 3]))
        n = max(int(rng.integers(2000, 2600)), 30 * tops * lefts)
        calls.append((_decodable_images(rng, n, height, width, channels, str(dtype)), size, padding, generator.handle))
    replies = learner.map("random_crop", _as_callers_send(learner, rng, calls, int(rng.integers(2))))
    offsets = []
    for reply, (images, *_) in zip(replies, calls, strict=True):
        n, channels = len(images), images.shape[3]
        what = f"random_crop({images.dtype} images of shape {images.shape}, size={size}, padding={padding}, rng)"
        out = _images_out(reply.value, what, (n, *size, channels), images.dtype)
        _unique_candidates(_candidates(images[:1], size, padding, False)[0])
        codes, tops, lefts = _decoded_windows(
            out, images, size, padding, False, what, _crop_source(images, size, padding)
        )
        _goodness_of_fit(codes, tops * lefts, what, "(top, left) positions")
        offsets.append(codes)
    what = f"random_crop(images {height} x {width}, size={size}, padding={padding})"
    first, second = offsets
    pairs = len(first) // 2

    # Offsets on an axis of more than 4 positions are grouped in 3 bins of neighbouring ones, so every expected
    # count of the tests of independence stays at least 30 (1000 pairs or more, each cell with probability 1/25
    # or more).
    def binned(values, positions):
        return values if positions <= 4 else values * 3 // positions

    for name, part in (
        ("top", lambda code: binned(code // lefts, tops)),
        ("left", lambda code: binned(code % lefts, lefts)),
    ):
        values = part(first)
        _independent(
            values[0 : 2 * pairs : 2], values[1 : 2 * pairs : 2], f"{what}: the {name} offsets of images 2j and 2j + 1"
        )
        common = min(len(first), len(second))
        _independent(
            values[:common],
            part(second)[:common],
            f"{what}, two consecutive calls on one generator: the {name} offsets of image i in each call",
        )


# augment_dataset


def _augmented(learner, images, labels, copies, rng_argument, what):
    return _augmented_result(
        learner.augment_dataset(images, labels, copies, rng_argument), images, labels, copies, what
    )


def _augmented_result(result, images, labels, copies, what):
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"{what} must return a tuple (images, labels); got {type(result).__name__}")
    n = len(images)
    out = _images_out(result[0], f"{what}: images", (n * (copies + 1), *images.shape[1:]), images.dtype)
    out_labels = assert_array(
        result[1], what=f"{what}: labels", shape=(n * (copies + 1),), kinds="biuf", dtype=labels.dtype
    )
    assert_close(out[:n], images, what=f"{what}: the first N images (the originals, unchanged)", rtol=0, atol=0)
    assert_close(
        out_labels, np.tile(labels, copies + 1), what=f"{what}: labels (the N labels once per block)", rtol=0, atol=0
    )
    return out


def _augmented_choices(out, images, what, decodable=False):
    """For every augmented item k * N + i: its candidate (flip, top, left) of image i, after checking it has one.

    ``decodable`` images (from ``_decodable_images``) are decoded by ``_decoded_windows``, without building every
    candidate; then the candidates returned are those of the first image only."""
    n = len(images)
    copies = len(out) // n - 1
    candidates, tops, lefts = _candidates(images[:1] if decodable else images, images.shape[1:3], 2, True)
    choices = []
    for copy in range(1, copies + 1):
        block = out[copy * n : (copy + 1) * n]

        def source(i, copy=copy):
            return (
                f"image {i} (item {copy * n + i} = k * N + i with k={copy}), maybe mirrored along W, then cropped "
                f"back to {images.shape[1:3]} from a zero padding of 2.\n"
                f"Image {i}, channel 0: {describe(images[i, ..., 0])}"
            )

        if decodable:
            choices.append(_decoded_windows(block, images, images.shape[1:3], 2, True, what, source)[0])
        else:
            choices.append(_match(block, candidates, what, source))
    return np.array(choices).reshape(copies, n), candidates, tops, lefts


@check("augment_dataset: originals first, copy k of image i at k * N + i, labels aligned", points=1, public=True)
def augment_example(learner, rng):
    images = np.arange(1.0, 30 * 5 * 6 * 2 + 1).reshape(30, 5, 6, 2)
    labels = (np.arange(30) * 7) % 11
    for copies in (2, 0):
        what = f"augment_dataset(images of shape {images.shape}, labels, copies={copies}, rng)"
        out = _augmented(learner, images, labels, copies, Seed(12), what)
        if copies:
            with drawing():
                _draw_copies(images, out, what)
        _augmented_choices(out, images, what)


def _draw_copies(images, out, what, shown=4):
    """The first images (channel 0) beside their first augmented copy, each pair on its own grey scale
    from a little below the source's smallest value (so the zero padding is black) to its largest."""
    n = len(images)
    pairs = []
    for i in range(min(shown, n)):
        low, high = float(images[i, ..., 0].min()), float(images[i, ..., 0].max())
        pairs.append(
            {
                "source": images[i, ..., 0],
                "augmented": out[n + i, ..., 0],
                "caption": f"image {i} and item {n + i} (copy 1 of image {i})",
                "low": low - 0.25 * (high - low),
                "high": high,
            }
        )
    figure(
        "images",
        {"source_label": "source (channel 0)", "augmented_label": "your copy 1 (channel 0)", "pairs": pairs},
        f"{what}: channel 0 of images 0 to {min(shown, n) - 1} beside items N + i of your output, their first "
        "augmented copies, which must each be a 5 x 6 window of the image (mirrored along W or not) zero-padded by "
        "2 on every side; dark pixels at an edge are padding.",
    )


@check("augment_dataset: layout, flips and crops, dtypes of images and labels kept, on new inputs", points=1)
def augment_on_new_inputs(learner, rng):
    # One case, at random, has several images and copies: were every case one image or no copy (about one
    # grading in 400 otherwise), any order of the items would look right.
    layout = int(rng.integers(4))
    for index in range(4):
        n, height, width, channels = _image_shape(rng)
        if index == layout:
            n = int(rng.integers(2, 40))
        dtype = IMAGE_DTYPES[index]
        images = _random_images(rng, n, height, width, channels, dtype)
        label_dtype = str(rng.choice(["int64", "int32", "uint8", "float64"]))
        labels = rng.integers(0, 200, size=n).astype(label_dtype)
        copies = int(rng.integers(2 if index == layout else 0, 5))
        what = f"augment_dataset({dtype} images of shape {images.shape}, {label_dtype} labels, copies={copies}, rng)"
        out = _augmented(learner, images, labels, copies, Seed(_seed(rng)), what)
        _augmented_choices(out, images, what)


@check(
    "augment_dataset: flips at p = 0.5 and uniform crops, independent across images and copies (statistics)", points=2
)
def augment_statistics(learner, rng):
    """Two calls (one round trip) of 800 to 1000 images each, 3 to 5 pixels a side, one with 2 copies and one with
    3 or 4, one with 1 channel and one with 3, of two dtypes (distinct pixels in each image, so every choice is
    decoded), each input writable or not, one a view not in C order, as callers' arrays may be. At most 18 tests at
    ``ALPHA`` each:

    - exact binomial tests of the flips in each copy of each call (6 at most; catch a rate other than 1/2, one coin
      per copy, on any dtype, channel count, layout or copy);
    - a chi-square goodness-of-fit test of the (top, left) offsets over the 25 positions, all calls and copies
      together (catches offsets that miss positions, or a bias);
    - chi-square tests of independence of copy 1 and copy 2 of each image, for the flip, the top and the
      left offset, both calls together (catch copies that repeat each other);
    - exact binomial tests that copies c and c' of an image make the same choice (flip and offset) at rate 1/50,
      for every pair of copies of each call (7 at most; catch any later copy repeating an earlier one);
    - a chi-square test of independence of neighbouring images' flips in copy 1 (disjoint pairs; catches
      a flip shared by several images).
    """
    calls = []
    counts = rng.permutation([2, int(rng.integers(3, 5))])
    for dtype, channels, copies in zip(rng.permutation(IMAGE_DTYPES)[:2], rng.permutation([1, 3]), counts, strict=True):
        n = int(rng.integers(800, 1000))
        height, width = int(rng.integers(3, 6)), int(rng.integers(3, 6))
        images = _decodable_images(rng, n, height, width, int(channels), str(dtype))
        calls.append((images, rng.integers(0, 10, size=n), int(copies), Seed(_seed(rng))))
    replies = learner.map("augment_dataset", _as_callers_send(learner, rng, calls, int(rng.integers(2))))
    flips, offsets = [], []
    for reply, (images, labels, copies, _) in zip(replies, calls, strict=True):
        what = f"augment_dataset({images.dtype} images of shape {images.shape}, labels, copies={copies}, rng)"
        out = _augmented_result(reply.value, images, labels, copies, what)
        choices, candidates, tops, lefts = _augmented_choices(out, images, what, decodable=True)
        _unique_candidates(candidates)
        positions = tops * lefts
        flipped, offset = choices // positions == 0, choices % positions
        for copy in range(copies):
            _binomial(int(flipped[copy].sum()), len(images), 0.5, f"{what}: copy {copy + 1}'s images that are mirrored")
        # Distinct pixels make the 50 choices of an image 50 different outputs: two copies agree with
        # probability 1/50.
        for one in range(copies):
            for other in range(one + 1, copies):
                _binomial(
                    int(np.count_nonzero(choices[one] == choices[other])),
                    len(images),
                    1 / (2 * positions),
                    f"{what}: images whose copy {one + 1} and copy {other + 1} are the same",
                )
        flips.append(flipped[:2])
        offsets.append(offset)
    what = "augment_dataset(images, labels, copies, rng), two calls"
    flipped = np.concatenate(flips, axis=1)
    _goodness_of_fit(
        np.concatenate([o.ravel() for o in offsets]), positions, f"{what}: crops of all copies", "(top, left) positions"
    )
    offset = np.concatenate([o[:2] for o in offsets], axis=1)
    top, left = offset // lefts, offset % lefts
    for name, values in (("flip", flipped.astype(int)), ("top offset", top), ("left offset", left)):
        _independent(values[0], values[1], f"{what}: the {name}s of copy 1 and copy 2 of image i")
    first = flips[0][0].astype(int)
    pairs = len(first) // 2
    _independent(
        first[0 : 2 * pairs : 2], first[1 : 2 * pairs : 2], f"{what}: the flips of images 2j and 2j + 1 in copy 1"
    )


# jitter and magnitude_scale


@check("jitter and magnitude_scale: sigma = 0 changes nothing; one row scales by one factor", points=1, public=True)
def series_examples(learner, rng):
    series = np.linspace(-2.0, 3.0, 12).reshape(3, 4)
    for name in ("jitter", "magnitude_scale"):
        what = f"{name}(series of shape (3, 4), sigma=0.0, rng)"
        out = assert_array(learner.call(name, series, 0.0, Seed(3)), what=what, shape=(3, 4), dtype=np.float64)
        assert_close(out, series, what=what, rtol=0, atol=0)
    row = np.array([[1.0, -2.0, 4.0]])
    what = "magnitude_scale(series [[1, -2, 4]], sigma=0.3, rng)"
    out = assert_array(learner.magnitude_scale(row, 0.3, Seed(4)), what=what, shape=(1, 3), dtype=np.float64)
    assert_close(out, out[0, 0] * row, what=f"{what}: out / out[0, 0] * row", rtol=1e-12, atol=0)


def _jitter(learner, series, sigma, rng_argument):
    what = f"jitter({series.dtype} series of shape {series.shape}, sigma={sigma:.4g}, rng)"
    out = assert_array(learner.jitter(series, sigma, rng_argument), what=what, shape=series.shape, dtype=series.dtype)
    if not np.isfinite(out).all():
        raise CheckFailed(f"{what}: the output holds non-finite values: {describe(out)}")
    return what, out.astype(np.float64) - series.astype(np.float64)


@check("jitter: any shape, dtype kept, sigma = 0 changes nothing, on new inputs", points=1)
def jitter_on_new_inputs(learner, rng):
    for index in range(4):
        shape = tuple(int(d) for d in rng.integers(1, 9, size=int(rng.integers(1, 5))))
        series = _series(rng, shape, SERIES_DTYPES[index % 2])
        sigma = 0.0 if index == 3 else _sigma(rng)
        what, noise = _jitter(learner, series, sigma, Seed(_seed(rng)))
        if sigma == 0.0:
            assert_close(noise, np.zeros(shape), what=f"{what}: out - series", rtol=0, atol=0)
        # Continuous noise: a value left exactly unchanged has probability 0 (for float32, where rounding to
        # the input's precision can hide noise below half a unit in the last place, below 1e-6 per value).
        elif series.dtype == np.float64 and np.any(noise == 0):
            raise CheckFailed(f"{what}: some values got no noise, at {np.argwhere(noise == 0)[0].tolist()}")


@check("jitter: adds independent N(0, sigma^2) noise to every value (statistics)", points=2)
def jitter_statistics(learner, rng):
    """Two calls on one generator over a float64 series of 15000 to 30000 values, sigma away from 1.
    Four tests at ``ALPHA`` each:

    - a Kolmogorov-Smirnov test that (out - series) / sigma is standard normal in the first call (catches
      sigma used as the variance, noise of another shape, noise proportional to the values, values left
      without noise);
    - sign-agreement tests of disjoint neighbouring pairs along each axis (catch noise shared along a
      row or a column);
    - a sign-agreement test of the noise at the same place in the two calls (catches noise remembered
      from call to call);
    - a Kolmogorov-Smirnov test of a third call (one round trip with the second), on a float32 series of 1, 3
      or 4 dimensions and 15000 to 30000 values, sigma anywhere in [0.01, 0.6] or [1.6, 10] (log-uniform),
      writable or a view not in C order as callers' arrays may be (catches sigma misused on other dtypes,
      ranks, layouts or scales). Rounding to float32 moves (out - series) / sigma by at most 1e-3 there, far
      below what the test can see with these many values.
    """
    rows, columns = int(rng.integers(100, 150)), int(rng.integers(150, 200))
    series = _series(rng, (rows, columns), "float64")
    sigma = _sigma(rng)
    generator = learner.environment("generator", _seed(rng), as_handle=True)
    what, noise = _jitter(learner, series, sigma, generator.handle)
    _standard_normal(noise / sigma, f"{what}: (out - series) / sigma")
    for axis in (0, 1):
        moved = np.moveaxis(noise, axis, 0)
        pairs = len(moved) // 2
        _signs_agree(
            moved[0 : 2 * pairs : 2], moved[1 : 2 * pairs : 2], f"{what}: noise of neighbours along axis {axis}"
        )
    rank = int(rng.choice([1, 3, 4]))
    shape = [int(rng.integers(15000, 30000))]
    while len(shape) < rank:
        side = int(rng.integers(2, 30))
        shape = [max(2, shape[0] // side), side, *shape[1:]]
    other = _series(rng, tuple(shape), "float32")
    other_sigma = _wide_sigma(rng)
    calls = [(series, sigma, generator.handle), (other, other_sigma, generator.handle)]
    replies = learner.map("jitter", _as_callers_send(learner, rng, calls, 1 if rank > 1 else -1))
    noises = []
    for reply, (x, scale, _) in zip(replies, calls, strict=True):
        what_now = f"jitter({x.dtype} series of shape {x.shape}, sigma={scale:.4g}, rng)"
        out = assert_array(reply.value, what=what_now, shape=x.shape, dtype=x.dtype)
        noises.append((what_now, out.astype(np.float64) - x.astype(np.float64), scale))
    _signs_agree(noise, noises[0][1], f"{what}, two consecutive calls on one generator: the noise at each place")
    _standard_normal(noises[1][1] / noises[1][2], f"{noises[1][0]}: (out - series) / sigma")


def _scaled(value, series, sigma):
    """The factor of each row of ``value`` (what magnitude_scale(series, sigma) returned), after checking every
    row is its input times one factor."""
    what = f"magnitude_scale({series.dtype} series of shape {series.shape}, sigma={sigma:.4g}, rng)"
    out = assert_array(value, what=what, shape=series.shape, dtype=series.dtype)
    out, source = out.astype(np.float64), series.astype(np.float64)
    factors = (out * source).sum(axis=1) / (source * source).sum(axis=1)
    tolerance = 1e-12 if series.dtype == np.float64 else 2e-7
    close = np.abs(out - factors[:, None] * source) <= tolerance * np.abs(factors[:, None] * source) + 1e-300
    if not close.all():
        i = int(np.argmin(close.all(axis=1)))
        raise CheckFailed(
            f"{what}: row {i} is not one factor times the input row: out / series = {describe(out[i] / source[i])} "
            f"(every value of a row must be scaled by the same factor, rtol={tolerance:g})"
        )
    return what, factors


@check("magnitude_scale: each row times one factor, dtype kept, sigma = 0 changes nothing, on new inputs", points=1)
def magnitude_on_new_inputs(learner, rng):
    for index in range(4):
        shape = (int(rng.choice([1, rng.integers(2, 50)])), int(rng.integers(1, 30)))
        series = _series(rng, shape, SERIES_DTYPES[index % 2])
        sigma = 0.0 if index == 3 else _sigma(rng)
        what, factors = _scaled(learner.magnitude_scale(series, sigma, Seed(_seed(rng))), series, sigma)
        if sigma == 0.0:
            assert_close(factors, np.ones(shape[0]), what=f"{what}: the factors", rtol=0, atol=0)


@check("magnitude_scale: factors independent N(1, sigma^2), one per row (statistics)", points=2)
def magnitude_statistics(learner, rng):
    """Two calls on one generator over a float64 series of 8000 to 12000 rows, sigma away from 1.
    Three tests at ``ALPHA`` each:

    - a Kolmogorov-Smirnov test that (factor - 1) / sigma is standard normal in the first call (catches
      sigma used as the variance, factors of another distribution);
    - a sign-agreement test of (factor - 1) of disjoint neighbouring rows (catches factors shared by rows);
    - a sign-agreement test of (factor - 1) of the same row in the two calls (catches remembered factors);
    - a Kolmogorov-Smirnov test of a third call (one round trip with the second), on a float32 series of 8000
      to 12000 rows, sigma anywhere in [0.01, 0.6] or [1.6, 10] (log-uniform), writable or a view not in C
      order as callers' arrays may be (catches sigma misused on another dtype, layout or scale).
    """
    series = _series(rng, (int(rng.integers(8000, 12000)), int(rng.integers(2, 4))), "float64")
    sigma = _sigma(rng)
    generator = learner.environment("generator", _seed(rng), as_handle=True)
    what, factors = _scaled(learner.magnitude_scale(series, sigma, generator.handle), series, sigma)
    _standard_normal((factors - 1.0) / sigma, f"{what}: (factor - 1) / sigma")
    pairs = len(factors) // 2
    _signs_agree(
        factors[0 : 2 * pairs : 2] - 1.0, factors[1 : 2 * pairs : 2] - 1.0, f"{what}: factor - 1 of rows 2j and 2j + 1"
    )
    other = _series(rng, (int(rng.integers(8000, 12000)), int(rng.integers(2, 4))), "float32")
    other_sigma = _wide_sigma(rng)
    calls = [(series, sigma, generator.handle), (other, other_sigma, generator.handle)]
    replies = learner.map("magnitude_scale", _as_callers_send(learner, rng, calls, 1))
    (_, again), (what_other, found) = (
        _scaled(reply.value, x, scale) for reply, (x, scale, _) in zip(replies, calls, strict=True)
    )
    _signs_agree(factors - 1.0, again - 1.0, f"{what}, two consecutive calls on one generator: factor - 1 of each row")
    _standard_normal((found - 1.0) / other_sigma, f"{what_other}: (factor - 1) / sigma")


# Randomness from rng alone; inputs untouched


def _sequence(rng):
    """A sequence of calls (name, arguments before the generator) on small random inputs; each call but
    the last two is made twice in a row, and must not repeat itself."""
    images = _random_images(rng, 48, 4, 5, 1, "uint8")
    series = _series(rng, (6, 7), "float64")
    return [
        ("random_horizontal_flip", (images, 0.5)),
        ("random_horizontal_flip", (images, 0.5)),
        ("random_crop", (images, (3, 3), 1)),
        ("random_crop", (images, (3, 3), 1)),
        ("augment_dataset", (images, np.arange(48), 1)),
        ("augment_dataset", (images, np.arange(48), 1)),
        ("jitter", (series, 0.5)),
        ("magnitude_scale", (series, 0.5)),
    ]


def _probes(rng):
    """Calls over the whole domain, {name: [arguments before the generator]}, each to get a ``Seed`` of its own:
    every image dtype, 1 or 3 channels, shapes, rates, window sizes and paddings, copies, both series dtypes, 1 to
    4 dimensions, sigmas from 0.01 to 10. Large enough that outputs drawn from another generator agree by chance
    with probability below 1e-15: 100 to 200 flips at p in [0.2, 0.8] (each agrees with probability at most 0.68,
    plus 1/256 for an image that is its own mirror); 100 to 200 crops over 2 or more positions whose windows all
    show an image pixel (each agrees with probability about 1/2 at most); 50 to 100 images per copy of an
    augmentation, in images at least 3 pixels a side (every window of a padding of 2 shows an image pixel);
    continuous noise and factors."""
    names = ("random_horizontal_flip", "random_crop", "augment_dataset", "jitter", "magnitude_scale")
    probes = {name: [] for name in names}
    for dtype in rng.permutation(IMAGE_DTYPES):
        dtype = str(dtype)
        n, channels = int(rng.integers(100, 200)), int(rng.choice([1, 3]))
        shape = (n, int(rng.integers(1, 7)), int(rng.integers(2, 7)), channels)
        probes["random_horizontal_flip"].append((_random_images(rng, *shape, dtype), float(rng.uniform(0.2, 0.8))))
        while True:
            padding, height, width = int(rng.integers(0, 4)), int(rng.integers(1, 12)), int(rng.integers(1, 12))
            size = (
                int(rng.integers(padding + 1, height + 2 * padding + 1)),
                int(rng.integers(padding + 1, width + 2 * padding + 1)),
            )
            if (height + 2 * padding - size[0] + 1) * (width + 2 * padding - size[1] + 1) >= 2:
                break
        images = _random_images(rng, int(rng.integers(100, 200)), height, width, channels, dtype)
        probes["random_crop"].append((images, size, padding))
    for dtype in rng.permutation(IMAGE_DTYPES)[:2]:
        n = int(rng.integers(50, 100))
        images = _random_images(
            rng, n, int(rng.integers(3, 8)), int(rng.integers(3, 8)), int(rng.choice([1, 3])), dtype
        )
        probes["augment_dataset"].append((images, np.arange(n), int(rng.integers(1, 3))))
    for dtype in (*SERIES_DTYPES, str(rng.choice(SERIES_DTYPES))):
        shape = tuple(int(d) for d in rng.integers(1, 9, size=int(rng.integers(1, 5))))
        sigma = float(np.exp(rng.uniform(np.log(0.01), np.log(10.0))))
        probes["jitter"].append((_series(rng, shape, dtype), sigma))
    for dtype in SERIES_DTYPES:
        sigma = float(np.exp(rng.uniform(np.log(0.01), np.log(10.0))))
        probes["magnitude_scale"].append(
            (_series(rng, (int(rng.integers(20, 50)), int(rng.integers(1, 9))), dtype), sigma)
        )
    return probes


def _probe_outputs(process, rng, probes, seeds):
    """The first array each probe returns in ``process``, sent as callers' arrays may come, functions in random
    order."""
    outputs = {}
    for name in rng.permutation(sorted(probes)):
        calls = [(*arguments, Seed(seed)) for arguments, seed in zip(probes[name], seeds[name], strict=True)]
        replies = process.map(str(name), _as_callers_send(process, rng, calls))
        outputs[str(name)] = [_first_array(reply.value) for reply in replies]
    return outputs


def _first_array(value):
    return np.asarray(value[0] if isinstance(value, tuple) else value)


@check("Randomness comes from rng alone: the same seed gives the same results in a fresh process", points=2)
def rng_drives_everything(learner, rng):
    """A sequence of calls sharing one generator gives the same outputs in a fresh process (whose global
    generators are seeded differently); two generators from the same seed, used in interleaved calls,
    give the same outputs as each other; a flip, a crop or an augmentation repeated on the same inputs
    and generator gives a new output. For a correct solution a repeat agrees with probability at most
    2^-48 (48 flips with p = 1/2; 48 crops over 20 positions; 48 flips of an augmentation).

    Probes over the whole domain (``_probes``: every dtype, channel count, rank, shape and parameter range), each
    with a seed of its own, sent writable or not and as views not in C order, must give the same outputs in both
    processes; here they come after the sequence, there before it, so the call counts differ. A submission that
    draws from rng only on part of the domain (the sequence's inputs, say) fails."""
    seed, sequence = _seed(rng), _sequence(rng)

    def outputs(process, steps):
        generator = process.environment("generator", seed, as_handle=True)
        return [_first_array(process.call(name, *arguments, generator.handle)) for name, arguments in steps]

    probes = _probes(rng)
    seeds = {name: [_seed(rng) for _ in calls] for name, calls in probes.items()}
    other = learner.fresh()
    # Probes after the sequence here, before it in the fresh process: call counts differ between the two.
    first = outputs(learner, sequence)
    here = _probe_outputs(learner, rng, probes, seeds)
    there = _probe_outputs(other, rng, probes, seeds)
    fresh = outputs(other, sequence)
    for name, calls in probes.items():
        for arguments, one, two in zip(calls, here[name], there[name], strict=True):
            if one.shape != two.shape or not np.array_equal(one, two):
                x = arguments[0]
                raise CheckFailed(
                    f"{name}({x.dtype} array of shape {x.shape}, {', '.join(repr(a) for a in arguments[1:])}, rng): "
                    "a new generator made from the same seed gave another result in a fresh process: draw all "
                    "randomness from the rng argument, whatever the inputs' dtype, shape, layout or parameters"
                )
    for step, (name, _) in enumerate(sequence):
        if first[step].shape != fresh[step].shape or not np.array_equal(first[step], fresh[step]):
            raise CheckFailed(
                f"call {step + 1} of a sequence of calls sharing one generator ({name}) gave another result in a "
                "fresh process: draw all randomness from the rng argument, in the order of the calls, not from "
                "np.random, the random module or anything kept between calls"
            )
    for step in (1, 3, 5):
        if np.array_equal(first[step], first[step - 1]):
            raise CheckFailed(
                f"{sequence[step][0]} called twice in a row with the same inputs and one generator gave the same "
                "result twice: each call must draw new random numbers from rng"
            )
    # Two generators from the same seed, their calls interleaved in a random order.
    twins = [learner.environment("generator", seed, as_handle=True) for _ in range(2)]
    steps = [sequence[step] for step in (0, 2, 4, 6)]
    interleaved = [[], []]
    for name, arguments in steps:
        for order in rng.permutation(2):
            interleaved[order].append(_first_array(learner.call(name, *arguments, twins[order].handle)))
    for step, (name, _) in enumerate(steps):
        if not np.array_equal(interleaved[0][step], interleaved[1][step]):
            raise CheckFailed(
                f"two generators made from the same seed, used in turns for the same calls, gave different results "
                f"at call {step + 1} ({name}): the result may depend only on the arguments and on the generator's "
                "state, not on other calls made in between"
            )


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    images = _random_images(rng, int(rng.integers(5, 30)), 4, 5, 2, str(rng.choice(IMAGE_DTYPES)))
    labels = np.arange(len(images))
    series = _series(rng, (int(rng.integers(2, 20)), int(rng.integers(2, 20))), str(rng.choice(SERIES_DTYPES)))
    calls = (
        ("random_horizontal_flip", (images, 1.0)),
        ("random_crop", (images, (3, 3), 2)),
        ("augment_dataset", (images, labels, 2)),
        ("jitter", (series, 0.7)),
        ("magnitude_scale", (series, 0.7)),
    )
    # Each call twice: inputs read-only, then writable, as a caller's own arrays are (code that writes only to
    # writable arrays is seen that way).
    for name, arguments, writable in [(*call, writable) for call in calls for writable in (False, True)]:
        sent = [Writable(a) if writable and isinstance(a, np.ndarray) else a for a in arguments]
        _, after = learner.call_and_read_args(name, *sent, Seed(_seed(rng)))
        for position, before in enumerate(arguments):
            if isinstance(before, np.ndarray):
                assert_close(
                    after[position],
                    before,
                    what=f"{name}: argument {position + 1} ({before.dtype} array, shape {before.shape}) after the call",
                    rtol=0,
                    atol=0,
                )
