"""Hidden checks for image and time-series augmentation.

Every test image holds distinct non-zero pixel values, so each output image can be traced back
exactly: the checks find which flip and which crop offset produced it (zero padding is told apart
from pixels), and fail if none did. Random behaviour is then tested on those decoded choices and on
the noise, with fixed seeds and binomial tests (Hoeffding bounds), never by comparing with the
reference's own draws.

False-rejection budget for a correct solution: 36 binomial tests, each at most ALPHA = 1e-8
(3.6e-7 in all). The checks that two different seeds give different results fail a correct solution
with probability below 1e-14 (stated where they are made).
"""

import math

import numpy as np

from grader.harness import CheckFailed, Seed, assert_array, assert_close, binomial_bounds, check, describe

ALPHA = 1e-8
# P(|Z| <= t) for a standard normal Z, at t = 0.5, 1 and 2.
NORMAL_WITHIN = {t: math.erf(t / math.sqrt(2.0)) for t in (0.5, 1.0, 2.0)}


def _images(n, height, width, channels):
    # Distinct, non-zero pixel values: every output pixel names its source (0 is padding).
    return np.arange(1.0, n * height * width * channels + 1.0).reshape(n, height, width, channels)


def _binomial(count, n, prob, what):
    low, high = binomial_bounds(n, prob, ALPHA)
    if not low <= count <= high:
        raise CheckFailed(
            f"{what}: {count} of {n} ({count / n:.4f}); a correct solution gives between {low} and {high} "
            f"(expected rate {prob:.4f}; Hoeffding bound, false-rejection rate {ALPHA:g})"
        )


def _image_array(value, what, shape):
    array = assert_array(value, what=what, shape=shape)
    if array.dtype != np.float64:
        raise CheckFailed(f"{what}: expected dtype float64 (the input's), got {array.dtype}")
    return array


def _decode_flips(out, images, what):
    """For each output image, whether it is the mirrored input; fails if it is neither."""
    same = np.all(out == images, axis=(1, 2, 3))
    mirrored = np.all(out == images[:, :, ::-1, :], axis=(1, 2, 3))
    bad = ~(same | mirrored)
    if bad.any():
        i = int(np.argmax(bad))
        raise CheckFailed(
            f"{what}: output image {i} is neither input image {i} nor input image {i} mirrored along W "
            f"(axis 2).\nInput image {i}, channel 0: {describe(images[i, ..., 0])}\n"
            f"Output image {i}, channel 0: {describe(out[i, ..., 0])}"
        )
    return mirrored & ~same


def _windows(images, size, padding):
    """All (h, w) windows of the zero-padded images: shape (N, tops, lefts, h, w, C)."""
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=(1, 2))
    return windows.transpose(0, 1, 2, 4, 5, 3)


def _find_window(out, images, size, padding):
    """(found, top, left) of out[i] among the windows of images[i]."""
    windows = _windows(images, size, padding)
    match = np.all(windows == out[:, None, None], axis=(3, 4, 5))
    flat = match.reshape(len(out), -1)
    found = flat.any(axis=1)
    top, left = np.unravel_index(flat.argmax(axis=1), match.shape[1:])
    return found, top, left


def _decode_crops(out, images, size, padding, what):
    found, top, left = _find_window(out, images, size, padding)
    if not found.all():
        i = int(np.argmin(found))
        raise CheckFailed(
            f"{what}: output image {i} is not a {size} window of input image {i} zero-padded by {padding} "
            f"on each side of H and W.\nInput image {i}, channel 0: {describe(images[i, ..., 0])}\n"
            f"Output image {i}, channel 0: {describe(out[i, ..., 0])}"
        )
    return top, left


@check("random_horizontal_flip: each image is kept or mirrored along W", points=2, public=True)
def flip_provenance(learner):
    images = _images(50, 3, 4, 2)
    for p, seed in ((0.0, 1), (0.5, 2), (1.0, 3)):
        what = f"random_horizontal_flip(images of shape {images.shape}, p={p}, rng)"
        out = _image_array(learner.random_horizontal_flip(images, p, Seed(seed)), what, images.shape)
        flipped = _decode_flips(out, images, what)
        if p == 0.0 and flipped.any():
            raise CheckFailed(f"{what}: with p=0 no image may be flipped, but image {int(np.argmax(flipped))} was")
        if p == 1.0 and not flipped.all():
            raise CheckFailed(f"{what}: with p=1 every image must be flipped; image {int(np.argmin(flipped))} was not")


@check("random_horizontal_flip: flip rate matches p, image by image (binomial test)", points=2)
def flip_rate(learner):
    images = _images(4000, 2, 3, 1)
    for p, seed in ((0.3, 4), (0.5, 5)):
        what = f"random_horizontal_flip(images of shape {images.shape}, p={p}, rng)"
        out = _image_array(learner.random_horizontal_flip(images, p, Seed(seed)), what, images.shape)
        flipped = _decode_flips(out, images, what)
        _binomial(int(flipped.sum()), len(images), p, f"{what}: images flipped")


@check("random_crop: each output is a window of its zero-padded image", points=2, public=True)
def crop_provenance(learner):
    images = _images(40, 5, 6, 3)
    for size, padding, seed in (((5, 6), 2, 6), ((3, 4), 1, 7), ((4, 2), 0, 8), ((5, 6), 0, 9), ((6, 7), 1, 10)):
        what = f"random_crop(images of shape {images.shape}, size={size}, padding={padding}, rng)"
        out = _image_array(learner.random_crop(images, size, padding, Seed(seed)), what, (40, *size, 3))
        _decode_crops(out, images, size, padding, what)


@check("random_crop: offsets are uniform and independent, image by image (binomial tests)", points=2)
def crop_offsets_uniform(learner):
    images = _images(6000, 4, 4, 1)
    what = f"random_crop(images of shape {images.shape}, size=(4, 4), padding=2, rng)"
    out = _image_array(learner.random_crop(images, (4, 4), 2, Seed(11)), what, images.shape)
    top, left = _decode_crops(out, images, (4, 4), 2, what)
    # 5 possible offsets per axis, each with probability 1/5: 10 binomial tests, then P(top == left) = 1/5.
    for name, offsets in (("top", top), ("left", left)):
        for value in range(5):
            _binomial(int((offsets == value).sum()), len(images), 0.2, f"{what}: images cropped at {name} = {value}")
    _binomial(int((top == left).sum()), len(images), 0.2, f"{what}: images whose top offset equals their left offset")


def _augment(learner, images, labels, copies, seed):
    n = len(images)
    what = f"augment_dataset(images of shape {images.shape}, labels, copies={copies}, rng)"
    result = learner.augment_dataset(images, labels, copies, Seed(seed))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"{what} must return a tuple (images, labels); got {type(result).__name__}")
    out_images = _image_array(result[0], f"{what}: images", (n * (copies + 1), *images.shape[1:]))
    out_labels = assert_array(result[1], what=f"{what}: labels", shape=(n * (copies + 1),), kinds="iu")
    return what, out_images, out_labels


def _decode_augmented(out, images, what):
    """(flipped, top, left) of every augmented item k * N + i, as a flip then a crop of image i."""
    n = len(images)
    size = images.shape[1:3]
    copies = len(out) // n - 1
    source = np.tile(images, (copies, 1, 1, 1))
    augmented = out[n:]
    found, top, left = _find_window(augmented, source, size, 2)
    found_m, top_m, left_m = _find_window(augmented, source[:, :, ::-1], size, 2)
    if not (found | found_m).all():
        j = int(np.argmin(found | found_m))
        k, i = j // n + 1, j % n
        hint = ""
        for other in range(n):
            one = np.stack([images[other], images[other, :, ::-1]])
            if _find_window(np.stack([augmented[j]] * 2), one, size, 2)[0].any():
                hint = f" It is a flip and crop of image {other} instead: check the order of the copies."
                break
        raise CheckFailed(
            f"{what}: item {n * k + i} (= k * N + i with k={k}, i={i}) must be image {i}, maybe mirrored "
            f"along W, then cropped back to {size} from a zero padding of 2; it is not.{hint}\n"
            f"Image {i}, channel 0: {describe(images[i, ..., 0])}\n"
            f"Item {n * k + i}, channel 0: {describe(augmented[j, ..., 0])}"
        )
    flipped = ~found
    return flipped, np.where(found, top, top_m), np.where(found, left, left_m)


@check("augment_dataset: originals first, then copy k of image i at k * N + i, labels aligned", points=2, public=True)
def augment_layout(learner):
    images = _images(30, 5, 6, 2)
    labels = (np.arange(30) * 7) % 11
    for copies, seed in ((2, 12), (0, 13)):
        what, out, out_labels = _augment(learner, images, labels, copies, seed)
        assert_close(out[:30], images, what=f"{what}: the first N images (the originals)", rtol=0, atol=0)
        assert_close(out_labels, np.tile(labels, copies + 1), what=f"{what}: labels", rtol=0, atol=0)
        if copies:
            _decode_augmented(out, images, what)


@check("augment_dataset: copies flip with p = 0.5 and crop at uniform, fresh offsets (binomial tests)", points=2)
def augment_randomness(learner):
    images = _images(2000, 4, 4, 1)
    labels = np.zeros(2000, dtype=np.int64)
    what, out, _ = _augment(learner, images, labels, 2, 14)
    flipped, top, left = _decode_augmented(out, images, what)
    # 12 binomial tests: the flip rate, the 5 top and 5 left offsets (each 1/5), and how often copy 2
    # of an image repeats copy 1 exactly (same flip, top and left: 1/2 * 1/5 * 1/5 = 0.02).
    _binomial(int(flipped.sum()), len(flipped), 0.5, f"{what}: augmented items that are mirrored")
    for name, offsets in (("top", top), ("left", left)):
        for value in range(5):
            _binomial(int((offsets == value).sum()), len(offsets), 0.2, f"{what}: items cropped at {name} = {value}")
    same = (flipped[:2000] == flipped[2000:]) & (top[:2000] == top[2000:]) & (left[:2000] == left[2000:])
    _binomial(int(same.sum()), 2000, 0.02, f"{what}: images whose copy 2 is the same flip and crop as copy 1")


def _normal_tests(z, what):
    """4 binomial tests that z holds draws of a standard normal: sign, and |z| within 0.5, 1 and 2."""
    _binomial(int((z > 0).sum()), z.size, 0.5, f"{what}: positive values")
    for t, prob in NORMAL_WITHIN.items():
        _binomial(int((np.abs(z) <= t).sum()), z.size, prob, f"{what}: values within {t:g} standard deviations")


def _pair_signs(values, axis, what):
    """1 binomial test: disjoint neighbours along ``axis`` share a sign half the time if independent."""
    values = np.moveaxis(values, axis, 0)
    pairs = len(values) // 2
    agree = (values[0 : 2 * pairs : 2] > 0) == (values[1 : 2 * pairs : 2] > 0)
    _binomial(int(agree.sum()), agree.size, 0.5, f"{what}: disjoint neighbouring pairs (axis {axis}) with one sign")


@check("jitter: adds independent N(0, sigma^2) noise (binomial tests)", points=2)
def jitter_distribution(learner):
    series = np.random.default_rng(100).normal(0.0, 2.0, size=(200, 200))
    sigma = 0.5
    what = f"jitter(series of shape {series.shape}, sigma={sigma}, rng)"
    out = _image_array(learner.jitter(series, sigma, Seed(15)), what, series.shape)
    noise = out - series
    # 6 binomial tests on the 40000 noise values (rounding in out - series is ~1e-16, far below any bin).
    _normal_tests(noise / sigma, f"{what}: noise / sigma")
    _pair_signs(noise, 0, f"{what}: noise")
    _pair_signs(noise, 1, f"{what}: noise")


@check("jitter: any shape, and sigma = 0 changes nothing", points=1)
def jitter_shapes(learner):
    for shape in ((7,), (2, 3, 4)):
        series = np.linspace(-1.0, 1.0, math.prod(shape)).reshape(shape)
        what = f"jitter(series of shape {shape}, sigma=0.1, rng)"
        out = _image_array(learner.jitter(series, 0.1, Seed(16)), what, shape)
        # Continuous noise: P(some value left exactly unchanged) is 0 for a correct solution.
        if np.any(out == series):
            raise CheckFailed(f"{what}: some values got no noise: {describe(out)}")
    series = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    out = _image_array(learner.jitter(series, 0.0, Seed(17)), "jitter(series, sigma=0.0, rng)", series.shape)
    assert_close(out, series, what="jitter(series of shape (3, 4), sigma=0.0, rng)", rtol=0, atol=0)


@check("magnitude_scale: one N(1, sigma^2) factor per row (binomial tests)", points=2)
def magnitude_distribution(learner):
    gen = np.random.default_rng(101)
    series = gen.uniform(0.5, 2.0, size=(20000, 5)) * gen.choice([-1.0, 1.0], size=(20000, 5))
    sigma = 0.2
    what = f"magnitude_scale(series of shape {series.shape}, sigma={sigma}, rng)"
    out = _image_array(learner.magnitude_scale(series, sigma, Seed(18)), what, series.shape)
    factors = out[:, 0] / series[:, 0]
    close = np.isclose(out, factors[:, None] * series, rtol=1e-12, atol=0)
    if not close.all():
        i = int(np.argmin(close.all(axis=1)))
        raise CheckFailed(
            f"{what}: row {i} is not one factor times the input row: out / series = "
            f"{describe(out[i] / series[i])} (all entries of a row must share a factor, rtol=1e-12)"
        )
    # 5 binomial tests on the 20000 factors.
    _normal_tests((factors - 1.0) / sigma, f"{what}: (factor - 1) / sigma")
    _pair_signs(factors - 1.0, 0, f"{what}: factor - 1")


@check("magnitude_scale: sigma = 0 changes nothing, one row works", points=1)
def magnitude_edges(learner):
    series = np.linspace(-2.0, 3.0, 12).reshape(3, 4)
    out = _image_array(learner.magnitude_scale(series, 0.0, Seed(19)), "magnitude_scale(sigma=0.0)", (3, 4))
    assert_close(out, series, what="magnitude_scale(series of shape (3, 4), sigma=0.0, rng)", rtol=0, atol=0)
    row = np.array([[1.0, -2.0, 4.0]])
    out = _image_array(learner.magnitude_scale(row, 0.3, Seed(20)), "magnitude_scale(one row, sigma=0.3)", (1, 3))
    assert_close(out, out[0, 0] * row, what="magnitude_scale(series of shape (1, 3), sigma=0.3, rng)", rtol=1e-12)


CALLS = (
    ("random_horizontal_flip", lambda: (_images(50, 2, 3, 1), 0.5)),
    ("random_crop", lambda: (_images(40, 3, 3, 1), (3, 3), 1)),
    ("augment_dataset", lambda: (_images(20, 4, 4, 1), np.arange(20), 1)),
    ("jitter", lambda: (np.linspace(0.0, 1.0, 30).reshape(5, 6), 0.3)),
    ("magnitude_scale", lambda: (np.linspace(1.0, 2.0, 30).reshape(10, 3), 0.3)),
)


@check("The same seed gives the same result; another seed a different one", points=1)
def seeds_drive_randomness(learner):
    for name, arguments in CALLS:
        first = learner.call(name, *arguments(), Seed(21))
        again = learner.call(name, *arguments(), Seed(21))
        other = learner.call(name, *arguments(), Seed(22))
        first, again, other = (np.asarray(r[0] if isinstance(r, tuple) else r) for r in (first, again, other))
        if first.shape != again.shape or not np.array_equal(first, again):
            raise CheckFailed(
                f"{name}: two calls with generators made from the same seed gave different results: draw all "
                "randomness from the rng argument, not from np.random or the random module"
            )
        # Different seeds agree with probability at most 2^-50 (50 flips), 9^-40 (40 crops), ~0 otherwise.
        if np.array_equal(first, other):
            raise CheckFailed(f"{name}: generators made from seeds 21 and 22 gave identical results")


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner):
    for name, arguments in CALLS:
        args = arguments()
        _, after = learner.call_echo(name, *(a.copy() if isinstance(a, np.ndarray) else a for a in args), Seed(23))
        for position, (before, now) in enumerate(zip(args, after, strict=False)):
            if isinstance(before, np.ndarray):
                now = assert_array(now, what=f"argument {position + 1} of {name} after the call", kinds="biuf")
                assert_close(now, before, what=f"{name}: argument {position + 1} after the call", rtol=0, atol=0)
