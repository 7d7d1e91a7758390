"""Generators for the cross-validation questions: trusted server code; each gets a seeded NumPy Generator.

Fold sizes follow scikit-learn: ``KFold`` gives the first ``n % k`` folds ``n // k + 1`` samples and the others
``n // k``; ``StratifiedKFold`` gives every fold ``c // k`` or ``c // k + 1`` samples of a class with ``c`` samples;
``TimeSeriesSplit`` uses test blocks of ``n // (s + 1)`` samples ending at the last sample.
"""


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
