"""Generators for the cross-validation questions: trusted server code; each gets a seeded NumPy Generator.

Fold sizes follow scikit-learn: ``KFold`` gives the first ``n % k`` folds ``n // k + 1`` samples and the others
``n // k``; ``StratifiedKFold`` gives every fold ``c // k`` or ``c // k + 1`` samples of a class with ``c`` samples;
``TimeSeriesSplit`` uses test blocks of ``n // (s + 1)`` samples ending at the last sample.
"""

import numpy as np


def _kfold_setup(rng):
    k = int(rng.choice([3, 4, 5, 6, 8, 10]))
    base = int(rng.integers(8, 121))
    extra = int(rng.integers(1, k))  # 1 .. k-1, so both fold sizes occur
    n = k * base + extra
    fold = int(rng.integers(1, k + 1))
    size = base + 1 if fold <= extra else base
    return k, n, base, extra, fold, size


def _kfold_rule(k, n, base, extra):
    return (
        f"{n} = {k} × {base} + {extra}, so `KFold` gives the first {extra} fold(s) {base} + 1 = {base + 1} samples "
        f"and the remaining {k - extra} fold(s) {base} samples."
    )


def kfold_fold_size(rng):
    k, n, base, extra, fold, size = _kfold_setup(rng)
    return {
        "prompt": (
            f"`KFold(n_splits={k})` from scikit-learn splits a dataset of {n} samples. How many samples are in "
            f"fold number {fold} (counting folds from 1)?"
        ),
        "answer": size,
        "precision": {"decimals": 0},
        "explanation": f"{_kfold_rule(k, n, base, extra)} Fold {fold} therefore has {size} samples.",
    }


def kfold_train_size(rng):
    k, n, base, extra, fold, size = _kfold_setup(rng)
    train = n - size
    return {
        "prompt": (
            f"`KFold(n_splits={k})` from scikit-learn splits a dataset of {n} samples. When fold number {fold} "
            "(counting from 1) is the validation fold, how many samples does the model train on?"
        ),
        "answer": train,
        "precision": {"decimals": 0},
        "explanation": (
            f"{_kfold_rule(k, n, base, extra)} Fold {fold} has {size} samples, so the training set is the other "
            f"{n} - {size} = {train}."
        ),
    }


# (samples, percent positive, folds) where both classes split evenly over the folds, so every validation fold
# has the same count; otherwise StratifiedKFold gives some folds one more (250 over 4 folds: 62, 62, 63, 63).
_EVEN_STRATIFICATIONS = [
    (n, percent, k)
    for n in (1000, 2000, 3000, 5000)
    for percent in (2, 5, 10, 20)
    for k in (4, 5, 10)
    if n * percent % (100 * k) == 0 and n * (100 - percent) % (100 * k) == 0
]


def stratified_positives(rng):
    n, percent, k = _EVEN_STRATIFICATIONS[int(rng.integers(len(_EVEN_STRATIFICATIONS)))]
    positives = n * percent // 100
    per_fold = positives // k
    return {
        "prompt": (
            f"A binary dataset has {n} samples, {percent}% of them positive. With `StratifiedKFold(n_splits={k})`, "
            "how many positive samples does each validation fold contain?"
        ),
        "answer": per_fold,
        "precision": {"decimals": 0},
        "explanation": (
            f"There are {n} × {percent}% = {positives} positives. Stratification spreads each class evenly over "
            f"the folds: {positives} / {k} = {per_fold} positives per validation fold (and "
            f"{n - positives} / {k} = {(n - positives) // k} negatives), the same {percent}% as the whole dataset."
        ),
    }


def nested_fits(rng):
    outer = int(rng.choice([3, 5, 10]))
    inner = int(rng.choice([3, 4, 5]))
    a = int(rng.choice([2, 3, 4, 5]))
    b = int(rng.choice([2, 3, 4]))
    grid = a * b
    fits = outer * (inner * grid + 1)
    return {
        "prompt": (
            f"Nested cross-validation: `cross_val_score(GridSearchCV(model, grid, cv={inner}), X, y, cv={outer})`. "
            f"The grid has {a} values of one hyperparameter and {b} of another, and `GridSearchCV` refits the "
            "best setting on its whole training set (`refit=True`, the default). How many times is `model` "
            "fitted in total?"
        ),
        "answer": fits,
        "precision": {"decimals": 0},
        "explanation": (
            f"The grid has {a} × {b} = {grid} settings. In each of the {outer} outer folds, the inner search "
            f"fits {inner} × {grid} = {inner * grid} models and then refits the winner once: {inner * grid} + 1 = "
            f"{inner * grid + 1}. Over the outer folds: {outer} × {inner * grid + 1} = {fits} fits. Scoring the "
            "refitted model on the outer fold needs no further fit."
        ),
    }


def timeseries_train_size(rng):
    splits = int(rng.choice([3, 4, 5]))
    block = int(rng.choice([20, 25, 40, 50, 60, 100]))
    remainder = int(rng.integers(0, splits + 1))
    n = (splits + 1) * block + remainder
    split = int(rng.integers(1, splits + 1))
    train = n - (splits - split + 1) * block
    return {
        "prompt": (
            f"`TimeSeriesSplit(n_splits={splits})` from scikit-learn splits {n} time-ordered samples (default "
            f"settings, no gap). How many samples does split number {split} (counting from 1) train on?"
        ),
        "answer": train,
        "precision": {"decimals": 0},
        "explanation": (
            f"Each test block has {n} // ({splits} + 1) = {block} samples, and the {splits} blocks are the last "
            f"{splits} × {block} = {splits * block} samples. Split {split} tests on block {split}, so "
            f"{splits - split + 1} block(s) lie at or after its start, and it trains on everything before: "
            f"{n} - {splits - split + 1} × {block} = {train}."
        ),
    }


def _clear_of_ties(value, places):
    """True when ``value`` is not within a hair of a rounding boundary at ``places`` decimals."""
    scaled = abs(value) * 10**places
    return abs(scaled % 1 - 0.5) > 0.01


_DEPTHS = [1, 2, 3, 4, 6, 8, 12]


def one_se_pick(rng):
    # Scores in thousandths, so every comparison with the threshold is exact.
    best = int(rng.integers(3, 6))
    pick = int(rng.integers(1, best))
    se = int(rng.integers(6, 16))
    top = int(rng.integers(840, 900))
    threshold = top - se
    means = [0] * len(_DEPTHS)
    means[best] = top
    means[pick] = threshold + int(rng.integers(1, se))
    for i in range(pick - 1, -1, -1):
        means[i] = min(means[i + 1], threshold) - int(rng.integers(3, 25))
    for i in range(pick + 1, best):
        means[i] = int(rng.integers(means[i - 1], top))
    for i in range(best + 1, len(_DEPTHS)):
        means[i] = top - int(rng.integers(1, 6))
    ses = [int(rng.integers(6, 16)) for _ in _DEPTHS]
    ses[best] = se
    rows = "\n".join(
        f"| {depth} | {mean / 1000:.3f} | {s / 1000:.3f} |" for depth, mean, s in zip(_DEPTHS, means, ses, strict=True)
    )
    return {
        "prompt": (
            "Decision trees of increasing `max_depth` were scored by 10-fold CV accuracy (mean and standard error "
            "of the mean):\n\n| max_depth | mean | SE |\n|---|---|---|\n"
            f"{rows}\n\nWhich depth does the one-standard-error rule choose?"
        ),
        "options": [f"max_depth = {depth}" for depth in _DEPTHS],
        "answer": pick,
        "explanation": (
            f"The best mean is {top / 1000:.3f} at max_depth = {_DEPTHS[best]}, with SE {se / 1000:.3f}, so the "
            f"threshold is {top / 1000:.3f} − {se / 1000:.3f} = {threshold / 1000:.3f}. The simplest tree whose mean "
            f"reaches it is max_depth = {_DEPTHS[pick]} ({means[pick] / 1000:.3f}); every shallower tree scores "
            "below the threshold. Picking the best mean ignores that the gap is within the noise; deeper trees that "
            "also pass are tied with the best but more complex, and the rule uses the SE of the best model only, "
            "not each model's own SE."
        ),
    }


def one_se_threshold(rng):
    folds = int(rng.choice([5, 10]))
    while True:
        scores = np.round(rng.normal(float(rng.uniform(0.78, 0.9)), 0.015, size=folds), 3)
        mean = float(scores.mean())
        std = float(scores.std(ddof=1))
        threshold = mean - std / np.sqrt(folds)
        if _clear_of_ties(threshold, 4) and std > 0:
            break
    listed = ", ".join(f"{s:.3f}" for s in scores)
    return {
        "prompt": (
            f"The best model of a search has these {folds} fold accuracies: {listed}. Using the sample standard "
            f"deviation (divide by k − 1) and SE = s / √k, what accuracy threshold does the one-standard-error "
            "rule set? Simpler models that reach it are preferred."
        ),
        "answer": threshold,
        "precision": {"decimals": 4},
        "explanation": (
            f"Mean = {mean:.5f}. Sample standard deviation s = {std:.5f}, so SE = {std:.5f} / √{folds} = "
            f"{std / np.sqrt(folds):.5f}. Threshold = mean − SE = {threshold:.4f}. Dividing by k instead of k − 1, "
            "or using s itself instead of s / √k, gives a different (wrong) threshold; and remember that fold "
            "scores are correlated, so this SE is itself only a rough guide."
        ),
    }


def timeseries_gap_train_size(rng):
    splits = int(rng.choice([3, 4, 5]))
    block = int(rng.choice([20, 25, 40, 50, 60, 100]))
    remainder = int(rng.integers(0, splits + 1))
    n = (splits + 1) * block + remainder
    gap = int(rng.choice([1, 2, 3, 5, 7, 10]))
    split = int(rng.integers(1, splits + 1))
    test_start = n - (splits - split + 1) * block
    train = test_start - gap
    return {
        "prompt": (
            f"`TimeSeriesSplit(n_splits={splits}, gap={gap})` from scikit-learn splits {n} time-ordered samples "
            f"(other arguments default). How many samples does split number {split} (counting from 1) train on?"
        ),
        "answer": train,
        "precision": {"decimals": 0},
        "explanation": (
            f"The test size is {n} // ({splits} + 1) = {block} (the gap does not change it). The test blocks are "
            f"the last {splits} × {block} samples, so split {split}'s block starts at index {n} − "
            f"{splits - split + 1} × {block} = {test_start}. Its training set ends {gap} sample(s) earlier: "
            f"{test_start} − {gap} = {train} samples. Forgetting the gap gives {test_start}."
        ),
    }


def purged_train_size(rng):
    folds = int(rng.choice([4, 5, 6]))
    size = int(rng.choice([40, 50, 60, 80, 100]))
    n = folds * size
    test = int(rng.integers(2, folds))  # a middle fold, so training rows lie on both sides
    horizon = int(rng.choice([2, 3, 5, 10]))
    embargo = int(rng.choice([2, 4, 5, 8]))
    first, last = (test - 1) * size, test * size - 1
    train = n - size - horizon - embargo
    return {
        "prompt": (
            f"{n} daily rows, indexed 0 to {n - 1} in time order, are split into {folds} contiguous folds of "
            f"{size}. Row t's label is computed from rows t + 1 to t + {horizon}. Fold {test} (rows {first} to "
            f"{last}) is the test fold; the other folds train. Purging drops every training row whose label "
            f"window contains a test row, and an embargo then drops the {embargo} training rows immediately after "
            "the test fold. How many rows are left for training?"
        ),
        "answer": train,
        "precision": {"decimals": 0},
        "explanation": (
            f"Before cleaning, {n} − {size} = {n - size} rows train. Row t's window t + 1 … t + {horizon} reaches "
            f"the test fold (which starts at {first}) exactly for t = {first - horizon} … {first - 1}: {horizon} "
            f"rows are purged. Rows after the test fold have label windows later still, so purging spares them, "
            f"but the embargo drops rows {last + 1} … {last + embargo}. Left: {n - size} − {horizon} − {embargo} "
            f"= {train}."
        ),
    }
