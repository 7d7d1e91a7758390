"""Hidden checks for k-fold, stratified k-fold and leave-one-out splits.

Unshuffled k-fold and leave-one-out have one right answer (scikit-learn's KFold and LeaveOneOut),
re-derived here and compared exactly. Shuffled and stratified folds are checked by properties: a
partition of the samples into sorted folds, scikit-learn's fold sizes, each class's share, the order
rule, determinism for a seed, and seeded distribution tests; never against one permutation.

Statistical tests, for a correct solution: 6 Hoeffding tests at 1e-8 each (Hoeffding's bound also
holds when sampling without replacement, which is what a fold is), and five "different seeds give
different folds / a shuffle leaves the data out of order" tests whose false-rejection rates are each
below 1e-30. In all, below 1e-7.
"""

import numpy as np

from grader.harness import CheckFailed, LearnerError, binomial_bounds, check, describe

ALPHA = 1e-8


def _kfold_reference(n_samples: int, n_splits: int) -> list:
    """scikit-learn's KFold without shuffling: contiguous folds, the first n % k one larger."""
    sizes = [n_samples // n_splits + (1 if fold < n_samples % n_splits else 0) for fold in range(n_splits)]
    bounds = np.cumsum([0, *sizes])
    everything = np.arange(n_samples)
    return [
        (np.concatenate([everything[: bounds[f]], everything[bounds[f + 1] :]]), everything[bounds[f] : bounds[f + 1]])
        for f in range(n_splits)
    ]


def _folds(result, what: str, n_samples: int, n_splits: int) -> list:
    """The learner's folds as (train, val) pairs, after checking they partition the samples."""
    if not isinstance(result, (list, tuple)) or len(result) != n_splits:
        count = f"{len(result)} items" if isinstance(result, (list, tuple)) else type(result).__name__
        raise CheckFailed(f"{what}: expected a list of {n_splits} (train_idx, val_idx) pairs, got {count}")
    folds = []
    for index, pair in enumerate(result):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise CheckFailed(f"{what}: item {index} should be a pair (train_idx, val_idx), got {describe(pair)}")
        train = _indices(pair[0], f"{what}: fold {index} train_idx")
        val = _indices(pair[1], f"{what}: fold {index} val_idx")
        if val.size == 0:
            raise CheckFailed(f"{what}: fold {index} has an empty validation set")
        if max(train.max(initial=-1), val.max(initial=-1)) >= n_samples:
            raise CheckFailed(f"{what}: fold {index} holds an index beyond {n_samples - 1}, the last sample")
        if np.intersect1d(train, val).size or train.size + val.size != n_samples:
            raise CheckFailed(
                f"{what}: in fold {index}, train_idx and val_idx must split 0..{n_samples - 1} between them "
                f"(every sample in exactly one of the two).\ntrain_idx {describe(train)}\nval_idx   {describe(val)}"
            )
        folds.append((train, val))
    covered = np.sort(np.concatenate([val for _, val in folds]))
    if not np.array_equal(covered, np.arange(n_samples)):
        repeated = np.unique(covered[1:][covered[1:] == covered[:-1]])
        raise CheckFailed(
            f"{what}: every sample must be in exactly one validation fold; samples {describe(repeated)} are in "
            f"more than one"
        )
    return folds


def _indices(value, what: str) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what}: expected a 1-D NumPy array of integers, got {describe(value)}")
    if value.dtype.kind not in "iu" or value.ndim != 1:
        raise CheckFailed(
            f"{what}: expected a 1-D NumPy array of integers, got dtype {value.dtype} and shape {value.shape}"
        )
    if value.size and (value.min() < 0 or np.any(np.diff(value) <= 0)):
        raise CheckFailed(f"{what}: indices must be non-negative, sorted and distinct, got {describe(value)}")
    return value


def _fold_of(folds: list, n_samples: int) -> np.ndarray:
    """For each sample, the index of the fold that validates on it."""
    fold_of = np.empty(n_samples, dtype=int)
    for fold, (_, val) in enumerate(folds):
        fold_of[val] = fold
    return fold_of


def _expect_value_error(call, what: str) -> None:
    try:
        call()
    except LearnerError as error:
        if error.type != "ValueError":
            raise CheckFailed(f"{what} should raise ValueError, but raised {error.type}: {error.message}") from None
        return
    raise CheckFailed(f"{what} should raise ValueError, but returned")


def _check_hoeffding(count: int, draws: int, what: str) -> None:
    # Hoeffding: `draws` samples drawn uniformly without replacement from a population half of which is
    # "first half" hold a count of those outside this interval with probability at most ALPHA.
    low, high = binomial_bounds(draws, 0.5, ALPHA)
    if not low <= count <= high:
        raise CheckFailed(
            f"{what}: {count} of its {draws} samples come from the first half of the data; a uniform shuffle "
            f"puts between {low} and {high} there (Hoeffding bound, false-rejection rate {ALPHA:g})"
        )


def _class_counts(fold_of: np.ndarray, y: np.ndarray, n_splits: int, what: str) -> None:
    for label in np.unique(y):
        members = fold_of[y == label]
        low, high = len(members) // n_splits, -(-len(members) // n_splits)
        per_fold = np.bincount(members, minlength=n_splits)
        if per_fold.min() < low or per_fold.max() > high:
            ideal = f"floor or ceil of {len(members)} / {n_splits}"
            share = f"exactly {low}" if low == high else f"{low} or {high} ({ideal})"
            raise CheckFailed(
                f"{what}: class {label.item()!r} has {len(members)} samples, so each of the {n_splits} folds should "
                f"validate on {share} of them; the folds hold {per_fold.tolist()}"
            )


# Unshuffled k-fold and leave-one-out


@check("Unshuffled k-fold matches scikit-learn's KFold", points=2, public=True)
def kfold_matches_sklearn(learner):
    for n_samples, n_splits in ((10, 3), (12, 4), (11, 5), (5, 2), (7, 7)):
        what = f"kfold_indices({n_samples}, {n_splits})"
        folds = _folds(learner.kfold_indices(n_samples, n_splits), what, n_samples, n_splits)
        for fold, ((train, val), (expected_train, expected_val)) in enumerate(
            zip(folds, _kfold_reference(n_samples, n_splits), strict=True)
        ):
            if not np.array_equal(val, expected_val) or not np.array_equal(train, expected_train):
                raise CheckFailed(
                    f"{what}: fold {fold} should validate on {expected_val.tolist()} and train on the rest "
                    f"(contiguous folds, of which the first n_samples % n_splits = {n_samples % n_splits} "
                    f"hold one extra sample); "
                    f"got val_idx {describe(val)}, train_idx {describe(train)}"
                )


@check("Leave-one-out: fold i validates on sample i alone", points=1, public=True)
def leave_one_out(learner):
    for n_samples in (2, 6):
        what = f"leave_one_out_indices({n_samples})"
        folds = _folds(learner.leave_one_out_indices(n_samples), what, n_samples, n_samples)
        for fold, (_, val) in enumerate(folds):
            if val.tolist() != [fold]:
                raise CheckFailed(f"{what}: fold {fold} should validate on [{fold}], got {describe(val)}")


@check("Invalid arguments raise ValueError", points=1)
def invalid_arguments(learner):
    _expect_value_error(lambda: learner.kfold_indices(5, 1), "kfold_indices(5, n_splits=1)")
    _expect_value_error(lambda: learner.kfold_indices(5, 6), "kfold_indices(5, n_splits=6) (more folds than samples)")
    _expect_value_error(lambda: learner.leave_one_out_indices(1), "leave_one_out_indices(1)")
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    _expect_value_error(lambda: learner.stratified_kfold_indices(y, 1), "stratified_kfold_indices(y, n_splits=1)")
    _expect_value_error(
        lambda: learner.stratified_kfold_indices(y, 4),
        f"stratified_kfold_indices(y={y.tolist()}, n_splits=4) (class 1.0 has only 3 samples)",
    )
    _expect_value_error(
        lambda: learner.stratified_kfold_indices(y, 9), "stratified_kfold_indices(y of 8 samples, n_splits=9)"
    )


@check("A seed without shuffle=True changes nothing", points=1)
def seed_ignored_without_shuffle(learner):
    what = "kfold_indices(10, 3, shuffle=False, seed=7)"
    folds = _folds(learner.kfold_indices(10, 3, False, 7), what, 10, 3)
    for fold, ((_, val), (_, expected)) in enumerate(zip(folds, _kfold_reference(10, 3), strict=True)):
        if not np.array_equal(val, expected):
            raise CheckFailed(
                f"{what}: without shuffle=True the seed must be ignored; fold {fold} should validate on "
                f"{expected.tolist()}, got {describe(val)}"
            )


# Shuffled k-fold


@check("Shuffled k-fold: sorted folds of scikit-learn's sizes that split the samples", points=1)
def shuffled_partition(learner):
    # Fixed seeds only: seed=None would make a wrong solution's verdict depend on the draw.
    for seed in (0, 1, 2):
        what = f"kfold_indices(23, 4, shuffle=True, seed={seed})"
        folds = _folds(learner.kfold_indices(23, 4, True, seed), what, 23, 4)
        sizes = [len(val) for _, val in folds]
        if sizes != [6, 6, 6, 5]:
            raise CheckFailed(f"{what}: the folds should validate on [6, 6, 6, 5] samples, as KFold; got {sizes}")


@check("Shuffled k-fold: the same seed gives the same folds, another seed other folds", points=1)
def shuffled_is_seeded(learner):
    first = _folds(learner.kfold_indices(50, 5, True, 11), "kfold_indices(50, 5, shuffle=True, seed=11)", 50, 5)
    again = _folds(learner.kfold_indices(50, 5, True, 11), "kfold_indices(50, 5, shuffle=True, seed=11)", 50, 5)
    if not np.array_equal(_fold_of(first, 50), _fold_of(again, 50)):
        raise CheckFailed(
            "two calls of kfold_indices(50, 5, shuffle=True, seed=11) gave different folds: permute with "
            "np.random.default_rng(seed), not np.random or the random module"
        )
    # A uniform shuffle gives the same 5 folds of 10 for two seeds, or no shuffle at all, with
    # probability 1 / (50! / 10!^5), below 1e-30.
    other = _folds(learner.kfold_indices(50, 5, True, 12), "kfold_indices(50, 5, shuffle=True, seed=12)", 50, 5)
    if np.array_equal(_fold_of(first, 50), _fold_of(other, 50)):
        raise CheckFailed("kfold_indices(50, 5, shuffle=True) gave identical folds for seeds 11 and 12")
    if np.array_equal(_fold_of(first, 50), np.repeat(np.arange(5), 10)):
        raise CheckFailed("kfold_indices(50, 5, shuffle=True, seed=11) gave the unshuffled, contiguous folds")


@check("Shuffled k-fold: samples are spread uniformly over the folds", points=2)
def shuffled_is_uniform(learner):
    # 4 Hoeffding tests at ALPHA each: a fold is a uniform sample of 500 of the 2000 indices.
    what = "kfold_indices(2000, 4, shuffle=True, seed=3)"
    folds = _folds(learner.kfold_indices(2000, 4, True, 3), what, 2000, 4)
    for fold, (_, val) in enumerate(folds):
        _check_hoeffding(int(np.count_nonzero(val < 1000)), len(val), f"{what}: fold {fold}")


# Stratified k-fold

Y_IMBALANCED = np.array([0.0] * 10 + [1.0] * 7 + [2.0] * 3)[np.random.default_rng(5).permutation(20)]
Y_LABELS = np.array([5, -2, 9, 5, 5, -2, 9, 5, -2, 5, 9, 5, -2, 9, 5, 5, -2, 9, 5, -2, 5, 9])


@check("Stratified folds hold each class's share (floor or ceil of count / n_splits)", points=2, public=True)
def stratified_shares(learner):
    for y, n_splits, seed in ((Y_IMBALANCED, 3, None), (Y_LABELS, 4, None), (Y_IMBALANCED, 3, 8), (Y_LABELS, 3, 2)):
        what = f"stratified_kfold_indices(y={describe(y)}, {n_splits}, seed={seed})"
        folds = _folds(learner.stratified_kfold_indices(y, n_splits, seed), what, len(y), n_splits)
        _class_counts(_fold_of(folds, len(y)), y, n_splits, what)


@check("Stratified without a seed: each class is cut into runs in its original order", points=1)
def stratified_keeps_order(learner):
    for y, n_splits in ((Y_IMBALANCED, 3), (Y_LABELS, 4)):
        what = f"stratified_kfold_indices(y={describe(y)}, {n_splits})"
        fold_of = _fold_of(_folds(learner.stratified_kfold_indices(y, n_splits), what, len(y), n_splits), len(y))
        for label in np.unique(y):
            members = np.flatnonzero(y == label)
            if np.any(np.diff(fold_of[members]) < 0):
                raise CheckFailed(
                    f"{what}: without a seed, the samples of class {label.item()!r} ({members.tolist()}) should "
                    f"go, in this order, to fold 0 first, then fold 1, and so on; they went to folds "
                    f"{fold_of[members].tolist()}"
                )


@check("Stratified with a seed: classes are shuffled, reproducibly and uniformly", points=2)
def stratified_is_seeded(learner):
    y = np.array([0.0, 1.0, 0.0] * 200)  # 400 samples of class 0, 200 of class 1
    what = "stratified_kfold_indices(y of 400 zeros and 200 ones, 4, seed=21)"
    fold_of = _fold_of(_folds(learner.stratified_kfold_indices(y, 4, 21), what, len(y), 4), len(y))
    again = _fold_of(_folds(learner.stratified_kfold_indices(y, 4, 21), what, len(y), 4), len(y))
    if not np.array_equal(fold_of, again):
        raise CheckFailed(f"two calls of {what} gave different folds: shuffle with np.random.default_rng(seed)")
    other = _folds(learner.stratified_kfold_indices(y, 4, 22), what.replace("21", "22"), len(y), 4)
    other = _fold_of(other, len(y))
    # Equal folds for two seeds, or a class left in order, have probability below 1e-30 for a shuffle.
    if np.array_equal(fold_of, other):
        raise CheckFailed(f"{what} and the same call with seed=22 gave identical folds: the seed must shuffle")
    _class_counts(fold_of, y, 4, what)
    for label in (0.0, 1.0):
        members = np.flatnonzero(y == label)
        if np.all(np.diff(fold_of[members]) >= 0):
            raise CheckFailed(f"{what}: class {label} was not shuffled: its samples go to folds 0, 1, 2, 3 in order")
        # 2 Hoeffding tests at ALPHA each: fold 0's share of the class is a uniform sample of the class.
        in_fold = members[fold_of[members] == 0]
        first_half = members[: len(members) // 2]
        _check_hoeffding(
            int(np.isin(in_fold, first_half).sum()), len(in_fold), f"{what}: fold 0's samples of class {label}"
        )


@check("y is not modified", points=1)
def inputs_untouched(learner):
    for seed in (None, 4):
        _, args = learner.call_echo("stratified_kfold_indices", Y_LABELS.copy(), 3, seed)
        if not isinstance(args[0], np.ndarray) or not np.array_equal(args[0], Y_LABELS):
            raise CheckFailed(
                f"stratified_kfold_indices(y, 3, seed={seed}) changed y: before {describe(Y_LABELS)}, "
                f"after {describe(args[0])}"
            )
