"""Hidden checks for k-fold, stratified k-fold and leave-one-out splits.

Every function here has one right answer for given arguments: unshuffled k-fold and leave-one-out are
scikit-learn's KFold and LeaveOneOut, shuffled k-fold is fixed by ``np.random.default_rng(seed)``'s
permutation, and stratified folds by the rule the statement spells out (one generator, classes in
ascending order, runs cut as ``np.array_split`` cuts). Each answer is recomputed here and compared
exactly, on cases drawn from ``rng`` (seeded from a secret fresh for every grading): sizes from 2 to
thousands of samples, fold counts from 2 to one per sample, seeds over the whole 63-bit range, labels of
several dtypes and class balances. Public checks (the statement's examples) use fixed inputs.

Nothing the learner's process reports about itself is read: whether ``y`` was changed in place is read
from the memory it shares with the checker, exceptions are judged by the built-in class they derive
from, and the same questions are asked again, in another order, of a fresh process whose global
generators are seeded differently.

The only check that is not exact is shuffled k-fold without a seed, where the permutation is any uniform
one: it runs 7 statistical tests at ``ALPHA`` = 1e-9 each (see its docstring). The chi-square test's
tail is an approximation of the exact (multivariate hypergeometric) null; with every expected count
above 75 it is close, and even a tenfold error leaves the exercise's false-rejection rate below 1e-7.
"""

import math

import numpy as np
from scipy import stats

from grader.harness import CheckFailed, LearnerError, Writable, check, describe, drawing, figure

ALPHA = 1e-9

# Trusted recomputations: each gives, for every sample, the fold that validates on it.


def _kfold_fold_of(n_samples: int, n_splits: int, seed: int | None = None, shuffle: bool = False) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(n_samples) if shuffle else np.arange(n_samples)
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    fold_of = np.empty(n_samples, dtype=np.int64)
    fold_of[order] = np.repeat(np.arange(n_splits), sizes)
    return fold_of


def _stratified_fold_of(y: np.ndarray, n_splits: int, seed: int | None) -> np.ndarray:
    rng = None if seed is None else np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=np.int64)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if rng is not None:
            members = rng.permutation(members)
        for fold, run in enumerate(np.array_split(members, n_splits)):
            fold_of[run] = fold
    return fold_of


# Reading and judging the learner's folds


def _indices(value, what: str) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what}: expected a 1-D NumPy array of integers, got {describe(value)}")
    if value.dtype.kind not in "iu" or value.ndim != 1:
        raise CheckFailed(
            f"{what}: expected a 1-D NumPy array of integers, got dtype {value.dtype} and shape {value.shape}"
        )
    if value.size > 1 and np.any(value[1:] <= value[:-1]):
        raise CheckFailed(f"{what}: indices must be sorted and distinct, got {describe(value)}")
    return value


def _compare(result, expected_fold_of: np.ndarray, what: str, rule: str, y: np.ndarray | None = None) -> None:
    """Compare the learner's folds with the expected ones exactly; the message names the first difference.
    Given the labels ``y``, first draw the folds, class by class (a figure)."""
    n_splits = int(expected_fold_of.max()) + 1 if expected_fold_of.size else 0
    if y is not None:
        with drawing():
            _draw_folds(result, expected_fold_of, y, what)
    if not isinstance(result, (list, tuple)) or len(result) != n_splits:
        count = f"{len(result)} items" if isinstance(result, (list, tuple)) else type(result).__name__
        raise CheckFailed(f"{what}: expected a list of {n_splits} (train_idx, val_idx) pairs, got {count}")
    for fold, pair in enumerate(result):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise CheckFailed(f"{what}: item {fold} should be a pair (train_idx, val_idx), got {describe(pair)}")
        expected_val = np.flatnonzero(expected_fold_of == fold)
        expected_train = np.flatnonzero(expected_fold_of != fold)
        for name, got, expected in (("val_idx", pair[1], expected_val), ("train_idx", pair[0], expected_train)):
            got = _indices(got, f"{what}: fold {fold} {name}")
            if got.shape == expected.shape and np.array_equal(got, expected):
                continue
            if got.shape != expected.shape:
                detail = f"{expected.size} indices expected, {got.size} returned"
            else:
                first = int(np.argmax(got != expected))
                detail = f"first difference at position {first}: expected {expected[first]}, got {got[first]}"
            raise CheckFailed(
                f"{what}: fold {fold} {name} differs from the expected folds ({rule}); {detail}.\n"
                f"Expected {describe(expected)}\nGot      {describe(got)}"
            )


def _draw_folds(result, expected_fold_of: np.ndarray, y: np.ndarray, what: str) -> None:
    """A grid: one row per fold, one column per sample (grouped by class); a filled cell is a sample the
    learner's fold validates on, and the expected folds are drawn beside for the differences."""
    order = np.argsort(y, kind="stable")
    n_splits = int(expected_fold_of.max()) + 1
    pairs = result if isinstance(result, (list, tuple)) else []
    cells = []
    for pair in list(pairs)[: n_splits + 2]:
        val = pair[1] if isinstance(pair, (list, tuple)) and len(pair) == 2 else None
        usable = isinstance(val, np.ndarray) and val.dtype.kind in "iu"
        cells.append(np.isin(order, val).astype(int) if usable else np.zeros(len(y), dtype=int))
    expected = [(expected_fold_of[order] == fold).astype(int) for fold in range(n_splits)]
    figure(
        "fold_grid",
        {
            "x_label": "sample, grouped by class",
            "classes": [str(label) for label in y[order].tolist()],
            "cells": cells,
            "expected": expected,
        },
        f"{what}: which samples each of your folds validates on, one row per fold, samples grouped by class "
        f"(y = {y.tolist()}). Expected validation sets: "
        + "; ".join(f"fold {fold}: {np.flatnonzero(expected_fold_of == fold).tolist()}" for fold in range(n_splits))
        + ". Yours: "
        + "; ".join(f"fold {fold}: {order[row == 1].tolist()}" for fold, row in enumerate(cells)),
    )


def _expect_value_error(call, what: str) -> None:
    try:
        call()
    except LearnerError as error:
        if not error.is_a("ValueError"):
            raise CheckFailed(f"{what} should raise ValueError, but raised {error.type}: {error.message}") from None
        return
    raise CheckFailed(f"{what} should raise ValueError, but returned")


# Hidden cases


def _seed(rng) -> int:
    return int(rng.integers(0, 2**63))


def _small_seed(rng) -> int:
    """A seed log-uniform over 1 to 2**63: small seeds as often as large ones."""
    return min(2**63 - 1, int(math.exp(rng.uniform(0.0, 63 * math.log(2)))))


def _sizes(rng, max_samples: int, max_splits: int = 10, min_samples: int = 2) -> tuple[int, int]:
    """(n_samples, n_splits): log-uniform sizes, often uneven, n_splits from 2 to max_splits (or n_samples)."""
    n_samples = int(np.exp(rng.uniform(np.log(min_samples), np.log(max_samples))))
    n_splits = int(rng.choice([2, rng.integers(2, max(2, min(n_samples, max_splits)) + 1)]))
    return n_samples, min(n_splits, n_samples)


LABEL_DTYPES = ("int64", "int32", "uint8", "float64", "bool")


def _labels(
    rng, n_splits: int, max_samples: int, min_classes: int = 1, min_count: int = 0, dtypes=LABEL_DTYPES
) -> np.ndarray:
    """Labels of a random dtype, 1 to 6 classes of random sizes (each >= n_splits), in random positions."""
    kind = rng.choice(dtypes)
    n_classes = 2 if kind == "bool" else int(rng.integers(min_classes, 7))
    if kind == "bool":
        values = np.array([False, True])[:n_classes]
    elif kind == "float64":
        values = np.round(rng.uniform(-10.0, 10.0), 3) + np.arange(n_classes) * np.round(rng.uniform(0.1, 3.0), 3)
    elif kind == "uint8":
        values = rng.choice(256, size=n_classes, replace=False).astype(np.uint8)
    else:
        values = rng.choice(np.arange(-1000, 1000), size=n_classes, replace=False).astype(kind)
    budget = max(max_samples // len(values), n_splits)
    # Some classes at exactly n_splits samples, others far larger: shares of every size. The first class
    # never splits evenly, so the rule for the longer runs always shows.
    counts = [max(min_count, int(rng.choice([n_splits, rng.integers(n_splits, budget + 1)]))) for _ in values]
    runs = int(rng.integers(1, max(2, budget // n_splits)))
    counts[0] = n_splits * max(runs, -(-min_count // n_splits)) + int(rng.integers(1, n_splits))
    y = np.repeat(values, counts)
    return y[rng.permutation(len(y))]


def _label_text(y: np.ndarray) -> str:
    classes, counts = np.unique(y, return_counts=True)
    listed = ", ".join(f"{label!r}: {count}" for label, count in zip(classes.tolist(), counts.tolist(), strict=True))
    return f"y of {len(y)} samples, dtype {y.dtype}, class counts {{{listed}}}"


# Public checks: the statement's examples and fixed cases


@check("Unshuffled k-fold matches scikit-learn's KFold", points=2, public=True)
def kfold_matches_sklearn(learner, rng):
    for n_samples, n_splits in ((7, 3), (11, 5)):
        _compare(
            learner.kfold_indices(n_samples, n_splits),
            _kfold_fold_of(n_samples, n_splits),
            f"kfold_indices({n_samples}, {n_splits})",
            f"contiguous folds, the first n_samples % n_splits = {n_samples % n_splits} one sample larger",
        )


@check("Leave-one-out: fold i validates on sample i alone", points=1, public=True)
def leave_one_out(learner, rng):
    for n_samples in (2, 6):
        _compare(
            learner.leave_one_out_indices(n_samples),
            np.arange(n_samples),
            f"leave_one_out_indices({n_samples})",
            "fold i validates on sample i",
        )


@check("Stratified folds: the statement's example, without and with a seed", points=1, public=True)
def stratified_example(learner, rng):
    y = np.array([0, 1, 0, 0, 1, 1, 0, 1])
    for seed in (None, 0):
        _compare(
            learner.stratified_kfold_indices(y, 2, seed),
            _stratified_fold_of(y, 2, seed),
            f"stratified_kfold_indices(y={y.tolist()}, 2, seed={seed})",
            "each class cut into consecutive runs" + ("" if seed is None else ", after rng.permutation"),
            y,
        )


# Hidden checks


@check("Unshuffled k-fold and leave-one-out on new sizes; a seed without shuffle=True changes nothing", points=2)
def kfold_on_new_sizes(learner, rng):
    cases = [_sizes(rng, 2000) for _ in range(2)]
    # One fold per sample, and the largest size with two folds (asked with a seed, which must change nothing).
    cases += [(n, n) for n in [int(rng.integers(2, 25))]] + [(2 * int(rng.integers(1000, 2000)) + 1, 2)]
    # Hundreds of folds: fold numbers stored in a small integer type (int8, uint8) would wrap.
    many = int(rng.integers(130, 301))
    cases.append((many + int(rng.integers(0, many // 4 + 1)), many))
    for index, (n_samples, n_splits) in enumerate(cases):
        seed = _seed(rng) if index % 2 else None
        _compare(
            learner.kfold_indices(n_samples, n_splits, False, seed),
            _kfold_fold_of(n_samples, n_splits),
            f"kfold_indices({n_samples}, {n_splits}, shuffle=False, seed={seed})",
            "contiguous folds, the first n_samples % n_splits one sample larger; no shuffle without shuffle=True",
        )
    for n_samples in (int(rng.integers(3, 20)), int(rng.integers(130, 301))):
        _compare(
            learner.leave_one_out_indices(n_samples),
            np.arange(n_samples),
            f"leave_one_out_indices({n_samples})",
            "fold i validates on sample i",
        )


def _shuffled(learner, n_samples, n_splits, seed):
    _compare(
        learner.kfold_indices(n_samples, n_splits, True, seed),
        _kfold_fold_of(n_samples, n_splits, seed, shuffle=True),
        f"kfold_indices({n_samples}, {n_splits}, shuffle=True, seed={seed})",
        "order = np.random.default_rng(seed).permutation(n_samples), then fold f validates on the f-th block "
        "of order, sorted",
    )


@check("Shuffled k-fold: blocks of np.random.default_rng(seed).permutation(n_samples)", points=3)
def shuffled_kfold(learner, rng):
    """Seeds over the whole range (uniform and log-uniform), the largest, 0 (which is not None) and 1 to 3,
    and once hundreds of folds, each compared exactly with the rule."""
    seeds = [_seed(rng), _small_seed(rng), 2**63 - 1, 0, int(rng.integers(1, 4))]
    for seed in [seeds[int(i)] for i in rng.permutation(len(seeds))]:
        _shuffled(learner, *_sizes(rng, 3000 if seed > 3 else 500, min_samples=20), seed)
    many = int(rng.integers(130, 301))
    _shuffled(learner, many + int(rng.integers(0, many // 4 + 1)), many, _seed(rng))


@check("Shuffled k-fold without a seed: KFold's fold sizes, and a new uniform permutation on every call", points=1)
def shuffled_without_seed(learner, rng):
    """Without a seed any permutation is right, but it must be uniform and new on every call. Two calls
    (3 or 4 folds of 1200 to 2000 samples) must give KFold's sizes, and three tests, each at
    false-rejection rate ``ALPHA``, follow:

    - for each call, an exact hypergeometric test of how many of fold 0's samples lie in the first half
      of the data (catches contiguous or rotated blocks, and shuffles of only part of the data);
    - a chi-square test of independence of the two calls' fold assignments (k x k table, every expected
      count above 75): catches a fixed permutation, blocks shifted by a random offset, strided folds
      (i + r) % k, and anything else that keeps structure from call to call;
    - for each call, of the disjoint pairs of neighbours (2m, 2m + 1), and of (2m + 1, 2m + 2), how many
      share a fold: one-sided Chernoff bound (see ``_neighbours_apart``; 4 tests). Catches shuffles of
      chunks of consecutive samples, which keep neighbours together.

    Seven tests at ``ALPHA``: false-rejection rate at most 7e-9.
    """
    n_samples = int(rng.integers(1200, 3001))
    # As many folds as keep every expected count of the chi-square test's k x k table above 75.
    n_splits = int(rng.integers(3, math.isqrt(n_samples // 75) + 1))
    what = f"kfold_indices({n_samples}, {n_splits}, shuffle=True, seed=None)"
    calls = [
        _partition(learner.kfold_indices(n_samples, n_splits, True, None), what, n_samples, n_splits) for _ in range(2)
    ]
    expected = np.bincount(_kfold_fold_of(n_samples, n_splits), minlength=n_splits)
    half = n_samples // 2
    for call, fold_of in enumerate(calls):
        sizes = np.bincount(fold_of, minlength=n_splits)
        if not np.array_equal(sizes, expected):
            raise CheckFailed(
                f"{what}: the validation folds should hold {expected.tolist()} samples, as KFold's; "
                f"got {sizes.tolist()}"
            )
        for offset in (0, 1):
            _neighbours_apart(fold_of, offset, f"{what}, call {call + 1}")
        in_first_half = int(np.count_nonzero(fold_of[:half] == 0))
        draws = int(expected[0])
        p_value = 2 * min(
            stats.hypergeom.cdf(in_first_half, n_samples, half, draws),
            stats.hypergeom.sf(in_first_half - 1, n_samples, half, draws),
        )
        if p_value < ALPHA:
            raise CheckFailed(
                f"{what}, call {call + 1}: {in_first_half} of fold 0's {expected[0]} samples are among the "
                f"first {half} samples; a uniform permutation puts about {expected[0] * half / n_samples:.0f} "
                f"there (exact hypergeometric test, p = {p_value:.2g}, false-rejection rate {ALPHA:g})"
            )
    if np.array_equal(calls[0], calls[1]):
        raise CheckFailed(f"two calls of {what} gave identical folds: without a seed every call must shuffle anew")
    table = np.zeros((n_splits, n_splits))
    np.add.at(table, (calls[0], calls[1]), 1)
    independent = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n_samples
    p_value = float(stats.chi2.sf(((table - independent) ** 2 / independent).sum(), (n_splits - 1) ** 2))
    if p_value < ALPHA:
        raise CheckFailed(
            f"two calls of {what}: which fold a sample lands in the second time depends on where it landed the "
            f"first time (fold-by-fold counts {table.astype(int).tolist()}, chi-square test of independence, "
            f"p = {p_value:.2g}, false-rejection rate {ALPHA:g}): every call must draw a new uniform permutation"
        )


def _neighbours_apart(fold_of: np.ndarray, offset: int, what: str) -> None:
    """The pairs (offset + 2m, offset + 2m + 1) share a fold with probability p = sum s_f (s_f - 1) / (n (n - 1))
    under a uniform permutation (fold sizes s_f). A uniform arrangement of fold labels is negatively associated
    (a permutation distribution), and each pair's indicator is increasing in the labels of its own two positions,
    so the indicators of disjoint pairs are negatively associated too and their count obeys Chernoff's bound
    for Binomial(m, p): P(X >= t) <= exp(-m KL(t / m, p)). Rejects at ``ALPHA``."""
    n = fold_of.size
    sizes = np.bincount(fold_of).astype(np.float64)
    p = float((sizes * (sizes - 1)).sum() / (n * (n - 1)))
    first = fold_of[offset : offset + (n - offset) // 2 * 2 : 2]
    second = fold_of[offset + 1 : offset + (n - offset) // 2 * 2 : 2]
    m, together = first.size, int(np.count_nonzero(first == second))
    q = together / m
    if q <= p or q >= 1:
        bound = 1.0 if q <= p else p**m
    else:
        bound = math.exp(-m * (q * math.log(q / p) + (1 - q) * math.log((1 - q) / (1 - p))))
    if bound < ALPHA:
        raise CheckFailed(
            f"{what}: {together} of the {m} pairs of neighbouring samples ({offset}, {offset + 1}), "
            f"({offset + 2}, {offset + 3}), ... share a fold; a uniform permutation puts about {m * p:.0f} "
            f"together (Chernoff bound, p <= {bound:.2g}, false-rejection rate {ALPHA:g}): shuffle the samples "
            "themselves, not chunks of consecutive samples"
        )


def _partition(result, what: str, n_samples: int, n_splits: int) -> np.ndarray:
    """The fold validating on each sample, after checking the folds split the samples as they must."""
    if not isinstance(result, (list, tuple)) or len(result) != n_splits:
        raise CheckFailed(f"{what}: expected a list of {n_splits} (train_idx, val_idx) pairs, got {describe(result)}")
    fold_of = np.full(n_samples, -1)
    for fold, pair in enumerate(result):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise CheckFailed(f"{what}: item {fold} should be a pair (train_idx, val_idx), got {describe(pair)}")
        val = _indices(pair[1], f"{what}: fold {fold} val_idx")
        if val.size and (val[0] < 0 or val[-1] >= n_samples or np.any(fold_of[val] != -1)):
            raise CheckFailed(f"{what}: fold {fold} val_idx {describe(val)} repeats a sample or is out of range")
        fold_of[val] = fold
        if not np.array_equal(
            _indices(pair[0], f"{what}: fold {fold} train_idx"), np.setdiff1d(np.arange(n_samples), val)
        ):
            raise CheckFailed(f"{what}: fold {fold} train_idx must hold every sample that is not in its val_idx")
    if (fold_of < 0).any():
        raise CheckFailed(f"{what}: sample {int(np.argmax(fold_of < 0))} is in no validation fold")
    return fold_of


@check("Stratified folds without a seed: each class cut into runs in its original order", points=2)
def stratified_without_seed(learner, rng):
    for _ in range(2):
        n_splits = int(rng.choice([2, rng.integers(2, 11)]))
        y = _labels(rng, n_splits, int(rng.choice([60, 1500])))
        _compare(
            learner.stratified_kfold_indices(y, n_splits),
            _stratified_fold_of(y, n_splits, None),
            f"stratified_kfold_indices({_label_text(y)}, {n_splits})",
            "each class, in ascending label order, cut into n_splits consecutive runs, the first "
            "count % n_splits runs one sample longer, run r validated in fold r",
        )


@check("Stratified folds with a seed: one generator permutes each class in ascending label order", points=2)
def stratified_with_seed(learner, rng):
    for index in range(2):
        n_splits = int(rng.choice([2, rng.integers(2, 11)]))
        # Several classes at least once: the generator's stream must carry on from class to class.
        y = _labels(rng, n_splits, int(rng.choice([60, 1500])), *((2, 20) if index == 0 else ()))
        seed = _seed(rng)
        _compare(
            learner.stratified_kfold_indices(y, n_splits, seed),
            _stratified_fold_of(y, n_splits, seed),
            f"stratified_kfold_indices({_label_text(y)}, {n_splits}, seed={seed})",
            "rng = np.random.default_rng(seed) made once; for each class in ascending label order, its indices "
            "become rng.permutation(indices), then are cut into runs as without a seed",
        )
    # More than 256 folds: fold numbers stored in int8 or uint8 would wrap.
    n_splits = int(rng.integers(257, 301))
    values = rng.choice(np.arange(-1000, 1000), size=2, replace=False).astype(rng.choice(LABEL_DTYPES[:4]))
    y = np.repeat(values, [n_splits + int(rng.integers(1, n_splits // 4)) for _ in values])
    y = y[rng.permutation(len(y))]
    seed = None if rng.random() < 0.5 else _seed(rng)
    _compare(
        learner.stratified_kfold_indices(y, n_splits, seed),
        _stratified_fold_of(y, n_splits, seed),
        f"stratified_kfold_indices({_label_text(y)}, {n_splits}, seed={seed})",
        "each class, in ascending label order (permuted with one generator if seeded), cut into n_splits runs",
    )


@check("Invalid arguments raise ValueError", points=1)
def invalid_arguments(learner, rng):
    n_samples = int(rng.integers(2, 60))
    too_few = int(rng.choice([1, 0, -int(rng.integers(1, 100))]))
    for n_splits in (too_few, n_samples + int(rng.integers(1, 10))):
        shuffle = bool(rng.integers(2))
        seed = _seed(rng) if shuffle else None
        _expect_value_error(
            lambda n_splits=n_splits, shuffle=shuffle, seed=seed: learner.kfold_indices(
                n_samples, n_splits, shuffle, seed
            ),
            f"kfold_indices({n_samples}, n_splits={n_splits}, shuffle={shuffle}, seed={seed})",
        )
    n_samples = int(rng.integers(0, 2))
    _expect_value_error(lambda: learner.leave_one_out_indices(n_samples), f"leave_one_out_indices({n_samples})")
    n_splits = int(rng.integers(3, 8))
    y = _labels(rng, n_splits, 200, min_classes=2)
    # One class shrunk below n_splits samples (kept at 1 or more, so it still exists), another intact.
    classes = np.unique(y)
    small = classes[int(rng.integers(len(classes)))]
    keep = int(rng.integers(1, n_splits))
    drop = np.flatnonzero(y == small)[keep:]
    short = np.delete(y, drop)
    for labels, k, why in (
        (y, 1, "n_splits < 2"),
        (short, n_splits, f"class {small!r} has only {keep} samples, fewer than n_splits"),
        (y[: n_splits - 1], n_splits, "more folds than samples"),
    ):
        for seed in [None if rng.random() < 0.5 else _seed(rng)]:
            _expect_value_error(
                lambda labels=labels, k=k, seed=seed: learner.stratified_kfold_indices(labels, k, seed),
                f"stratified_kfold_indices({_label_text(labels)}, {k}, seed={seed}) ({why})",
            )


@check("y is not modified", points=1)
def y_untouched(learner, rng):
    """Four calls, with and without a seed, labels of every dtype; y is sent writable (as a caller's own array
    is) in at least one call and read-only in another, so code that writes only to writable arrays shows."""
    writable = [True, False, bool(rng.random() < 0.5), bool(rng.random() < 0.5)]
    for index in rng.permutation(4):
        seed = None if index % 2 else _seed(rng)
        n_splits = int(rng.integers(2, 6))
        # Labels other than 0, 1, ... (bool aside): rewriting y as class codes must show.
        y = _labels(rng, n_splits, 400, min_classes=2)
        sent = Writable(y.copy()) if writable[index] else y
        _, after = learner.call_and_read_args("stratified_kfold_indices", sent, n_splits, seed)
        if not np.array_equal(after[0], y):
            index = int(np.argmax(after[0] != y))
            raise CheckFailed(
                f"stratified_kfold_indices({_label_text(y)}, {n_splits}, seed={seed}) changed y in place: "
                f"y[{index}] was {y[index]!r}, is {after[0][index]!r} after the call"
            )


@check("Answers depend on the arguments alone: the same calls in a fresh process, in another order", points=1)
def same_answers_in_a_fresh_process(learner, rng):
    """A fresh process (its global generators seeded differently), after 100 to 300 small k-fold calls (a
    random number, in one round trip), answers a stratified and a shuffled call, in a random order, as the
    trusted rule does: no answer may depend on what ran before, nor on how many calls did."""
    n_samples, n_splits = _sizes(rng, 500, 5, min_samples=50)
    seed = _seed(rng)
    y_splits = int(rng.integers(2, 6))
    y = _labels(rng, y_splits, 300)
    calls = [
        (
            "kfold_indices",
            (n_samples, n_splits, True, seed),
            _kfold_fold_of(n_samples, n_splits, seed, shuffle=True),
            f"kfold_indices({n_samples}, {n_splits}, shuffle=True, seed={seed})",
        ),
        (
            "stratified_kfold_indices",
            (y, y_splits, seed),
            _stratified_fold_of(y, y_splits, seed),
            f"stratified_kfold_indices({_label_text(y)}, {y_splits}, seed={seed})",
        ),
    ]
    fresh = learner.fresh()
    # 100 to 300 calls first: a submission that changes after some number of calls must show. About half
    # ask for one fold and raise, which costs no arrays to send back; the rest are small and shuffled.
    warm_up = []
    for _ in range(int(rng.integers(100, 301))):
        size = int(rng.integers(2, 6))
        n_splits = 1 if rng.random() < 0.5 else int(rng.integers(2, size + 1))
        warm_up.append((size, n_splits, True, _seed(rng)))
    fresh.map("kfold_indices", warm_up)
    for index in rng.permutation(len(calls)):
        name, arguments, expected, what = calls[index]
        _compare(
            fresh.call(name, *arguments),
            expected,
            f"in a fresh process, {what}",
            "the same rule as always: answers may depend only on the arguments",
        )
