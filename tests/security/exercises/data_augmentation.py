"""White-box attacks on the data-augmentation checks (exercises/data-augmentation/checks.py)."""

from tests.security.exercises import Attack, exercise_file

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
