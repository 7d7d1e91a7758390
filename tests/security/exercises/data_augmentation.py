"""White-box attacks on the data-augmentation checks (exercises/data-augmentation/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "data-augmentation"
SOLUTION = exercise_file(SLUG, "solution.py")

ATTACKS = [
    Attack(
        "global_generator_memoised_per_rng_state",
        "Flips with np.random and remembers the flips for each (rng state, batch size, p), so the same seed "
        "repeats them inside one process; it advances rng as an honest flip would.",
        SOLUTION.replace(
            "    flip = rng.random(images.shape[0]) < p\n",
            """    key = (str(rng.bit_generator.state), images.shape[0], p)
    if key not in _memo:
        _memo[key] = np.random.random(images.shape[0]) < p
    rng.random(images.shape[0])
    flip = _memo[key]
""",
        )
        + "\n\n_memo = {}\n",
        "wrong_answer",
    ),
    Attack(
        "crop_offsets_from_a_hash_of_the_image",
        "Ignores rng for crops: each image's offsets come from a hash of its bytes, uniform over images and "
        "the same in every process, but a crop of the same image never changes.",
        "import hashlib\n"
        + SOLUTION.replace(
            """    tops = rng.integers(0, height + 2 * padding - h + 1, size=n)
    lefts = rng.integers(0, width + 2 * padding - w + 1, size=n)
""",
            """    codes = [int.from_bytes(hashlib.sha256(image.tobytes()).digest()[:8], "big") for image in images]
    tops = np.array([code % (height + 2 * padding - h + 1) for code in codes])
    lefts = np.array([(code >> 20) % (width + 2 * padding - w + 1) for code in codes])
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "flips_from_a_hash_of_the_image",
        "Ignores rng for flips: an image is mirrored when a hash of its bytes falls below p, so flips look "
        "random over images and repeat exactly in any process.",
        "import hashlib\n"
        + SOLUTION.replace(
            "    flip = rng.random(images.shape[0]) < p\n",
            """    draws = [int.from_bytes(hashlib.sha256(image.tobytes()).digest()[:8], "big") / 2**64 for image in images]
    flip = np.array(draws) < p
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "crops_returned_as_float64",
        "Builds the crops in a float64 buffer whatever the input's dtype (the accepted mistake of issue 11).",
        SOLUTION.replace(
            "out = np.empty((n, h, w, images.shape[3]), dtype=images.dtype)",
            "out = np.zeros((n, h, w, images.shape[3]))",
        ),
        "wrong_answer",
    ),
    Attack(
        "honest_only_on_large_batches",
        "Flips honestly on the large statistical batches; on batches under 1000 images it mirrors all of them "
        "when p >= 0.5 and none otherwise, which keeps p = 0 and p = 1 right.",
        SOLUTION.replace(
            "    flip = rng.random(images.shape[0]) < p\n",
            """    flip = rng.random(images.shape[0]) < p
    if images.shape[0] < 1000:
        flip[:] = p >= 0.5
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "jitter_in_place",
        "Adds the noise to the caller's series in place and returns it.",
        SOLUTION.replace(
            "    return (series + rng.normal(0.0, sigma, size=series.shape)).astype(series.dtype, copy=False)",
            "    series += rng.normal(0.0, sigma, size=series.shape).astype(series.dtype)\n    return series",
        ),
        "wrong_answer",
    ),
    Attack(
        "factor_shared_by_pairs_of_rows",
        "Draws one factor for every two rows: the factors are N(1, sigma^2), but rows 2j and 2j + 1 always "
        "share theirs.",
        SOLUTION.replace(
            "    factors = rng.normal(1.0, sigma, size=(series.shape[0], 1))",
            "    factors = np.repeat(rng.normal(1.0, sigma, size=((series.shape[0] + 1) // 2, 1)), 2, axis=0)"
            "[: series.shape[0]]",
        ),
        "wrong_answer",
    ),
    Attack(
        "alternating_flips",
        "Mirrors every other image from a random start (and every image when p = 1, none when p = 0): half the "
        "images flipped, in a fixed pattern.",
        SOLUTION.replace(
            "    flip = rng.random(images.shape[0]) < p\n",
            """    flip = (np.arange(images.shape[0]) + rng.integers(2)) % 2 == 0
    if p in (0.0, 1.0):
        flip[:] = p == 1.0
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "flip_from_global_generator_unless_uint8",
        "Flips with np.random except for uint8 images, the only dtype the determinism check compared across "
        "processes; rates stay right; found by a red team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            "    flip = rng.random(images.shape[0]) < p\n",
            "    draws = rng.random(images.shape[0]) if images.dtype == np.uint8 else np.random.random(images.shape[0])\n"
            "    flip = draws < p\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "flip_half_rate_on_taller_images",
        "Flips at rate p / 2 on images taller than one pixel (the flip statistics used 1 x 2 images), except at "
        "p = 0, 1/2 and 1; found by a red team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            "    flip = rng.random(images.shape[0]) < p\n",
            "    flip = rng.random(images.shape[0]) < (p / 2 if images.shape[1] > 1 and 0 < p < 1 and p != 0.5 else p)\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "flip_none_for_non_contiguous_images",
        "Never flips images that are not C-contiguous (a caller's view), which no check sent; found by a red "
        "team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            "    flip = rng.random(images.shape[0]) < p\n",
            "    flip = rng.random(images.shape[0]) < p\n    if not images.flags.c_contiguous:\n        flip[:] = False\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "crop_offsets_capped_at_five",
        "Draws crop offsets among the first 5 positions of each axis only; the crop statistics had at most 4 "
        "positions, augment_dataset 5; found by a red team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            """    tops = rng.integers(0, height + 2 * padding - h + 1, size=n)
    lefts = rng.integers(0, width + 2 * padding - w + 1, size=n)
""",
            """    tops = rng.integers(0, min(height + 2 * padding - h + 1, 5), size=n)
    lefts = rng.integers(0, min(width + 2 * padding - w + 1, 5), size=n)
""",
        ),
        "wrong_answer",
    ),
    Attack(
        "augment_no_flip_for_colour_images",
        "Never flips the copies of 3-channel images (the augmentation statistics used 1 channel); found by a red "
        "team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            "        flipped = random_horizontal_flip(images, 0.5, rng)",
            "        flipped = random_horizontal_flip(images, 0.5 if images.shape[3] == 1 else 0.0, rng)",
        ),
        "wrong_answer",
    ),
    Attack(
        "jitter_in_place_when_writable",
        "Writes the result into the caller's series when it is writable (the checks sent read-only inputs only); "
        "found by a red team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            "    return (series + rng.normal(0.0, sigma, size=series.shape)).astype(series.dtype, copy=False)",
            "    out = (series + rng.normal(0.0, sigma, size=series.shape)).astype(series.dtype, copy=False)\n"
            "    if series.flags.writeable:\n        series[...] = out\n        return series\n    return out",
        ),
        "wrong_answer",
    ),
    Attack(
        "jitter_sigma_as_variance_off_the_tested_domain",
        "Uses sigma as the variance except on 2-D float64 series, the only ones the jitter statistics used; "
        "found by a red team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            "    return (series + rng.normal(0.0, sigma, size=series.shape)).astype(series.dtype, copy=False)",
            "    scale = sigma if series.dtype == np.float64 and series.ndim == 2 else sigma**2\n"
            "    return (series + rng.normal(0.0, scale, size=series.shape)).astype(series.dtype, copy=False)",
        ),
        "wrong_answer",
    ),
    Attack(
        "magnitude_sigma_as_variance_for_float32_or_small_sigma",
        "Uses sigma as the variance for float32 series or sigma below 0.2, never drawn by the statistics (float64, "
        "sigma in [0.2, 0.6] or [1.6, 3]); found by a red team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            "    factors = rng.normal(1.0, sigma, size=(series.shape[0], 1))",
            "    scale = sigma**2 if series.dtype == np.float32 or sigma < 0.2 else sigma\n"
            "    factors = rng.normal(1.0, scale, size=(series.shape[0], 1))",
        ),
        "wrong_answer",
    ),
    Attack(
        "augment_copies_beyond_two_repeat_copy_one",
        "Copies 3 and later repeat copy 1 (the augmentation statistics used 2 copies, other checks judged "
        "provenance only); found by a red team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            "    for _ in range(copies):\n",
            "    for k in range(copies):\n        if k >= 2:\n            batches.append(batches[1])\n            continue\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "flip_single_image_never",
        "Never flips a batch of one image when p < 1 (no rate was tested on batches of one); found by a red "
        "team, accepted in 10 of 10 gradings",
        SOLUTION.replace(
            "    flip = rng.random(images.shape[0]) < p\n",
            "    flip = rng.random(images.shape[0]) < p\n    if images.shape[0] == 1 and p < 1:\n        flip[:] = False\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "patched_generator_in_the_learner_process",
        "Replaces numpy.random.default_rng in the learner's process by a function returning a fixed-seed "
        "generator, so the environment's generators all draw the same numbers; the gate refuses the patch.",
        "import numpy as np\n\n_real = np.random.default_rng\nnp.random.default_rng = lambda seed=None: _real(0)\n"
        + SOLUTION.replace(
            "    flip = rng.random(images.shape[0]) < p\n",
            "    flip = np.random.random(images.shape[0]) < p\n",
        ),
        "restricted_code",
    ),
]


CORRECT = [
    Correct(
        "per_image_loops",
        "one scalar draw per image in loops (top then left interleaved), the crop copied from the unpadded image into a zero array, magnitude_scale row by row in the input's dtype, labels by concatenate",
        """import numpy as np


def random_horizontal_flip(images, p, rng):
    out = np.empty_like(images)
    for i in range(images.shape[0]):
        out[i] = images[i, :, ::-1] if rng.random() < p else images[i]
    return out


def random_crop(images, size, padding, rng):
    h, w = size
    n, height, width, c = images.shape
    out = np.zeros((n, h, w, c), dtype=images.dtype)
    for i in range(n):
        top = int(rng.integers(height + 2 * padding - h + 1)) - padding
        left = int(rng.integers(width + 2 * padding - w + 1)) - padding
        # copy the part of the window that lies on the image; the rest stays zero
        r0, r1 = max(top, 0), min(top + h, height)
        c0, c1 = max(left, 0), min(left + w, width)
        if r0 < r1 and c0 < c1:
            out[i, r0 - top : r1 - top, c0 - left : c1 - left] = images[i, r0:r1, c0:c1]
    return out


def augment_dataset(images, labels, copies, rng):
    h, w = images.shape[1:3]
    out = [images.copy()]
    for _ in range(copies):
        out.append(random_crop(random_horizontal_flip(images, 0.5, rng), (h, w), 2, rng))
    return np.concatenate(out, axis=0), np.concatenate([labels] * (copies + 1))


def jitter(series, sigma, rng):
    noise = sigma * rng.standard_normal(series.shape)
    return (series.astype(np.float64) + noise).astype(series.dtype)


def magnitude_scale(series, sigma, rng):
    out = series.copy()
    for i in range(series.shape[0]):
        out[i] = series[i] * rng.normal(1.0, sigma)
    return out
""",
    ),
    Correct(
        "vectorised_windows",
        "flips by np.where, crops picked from sliding_window_view, augment_dataset draws all copies in one flip call and one crop call on the tiled batch",
        """import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def random_horizontal_flip(images, p, rng):
    flip = rng.uniform(size=len(images)) < p
    return np.where(flip[:, None, None, None], images[:, :, ::-1, :], images)


def random_crop(images, size, padding, rng):
    h, w = size
    n = len(images)
    pad = ((0, 0), (padding, padding), (padding, padding), (0, 0))
    padded = np.pad(images, pad, mode="constant", constant_values=0)
    windows = sliding_window_view(padded, (h, w), axis=(1, 2))  # (n, rows, cols, c, h, w)
    tops = rng.integers(windows.shape[1], size=n)
    lefts = rng.integers(windows.shape[2], size=n)
    picked = windows[np.arange(n), tops, lefts]  # (n, c, h, w)
    return np.ascontiguousarray(picked.transpose(0, 2, 3, 1))


def augment_dataset(images, labels, copies, rng):
    n, h, w, _ = images.shape
    many = np.concatenate([images] * copies) if copies else images[:0]
    augmented = random_crop(random_horizontal_flip(many, 0.5, rng), (h, w), 2, rng)
    return np.concatenate([images, augmented]), np.tile(labels, copies + 1)


def jitter(series, sigma, rng):
    return (series + rng.normal(scale=sigma, size=series.shape)).astype(series.dtype)


def magnitude_scale(series, sigma, rng):
    factors = rng.normal(loc=1.0, scale=sigma, size=len(series))
    return (series * factors[:, np.newaxis]).astype(series.dtype)
""",
    ),
]
