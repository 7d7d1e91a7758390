# Mistake: stratified folds are plain k-fold folds, so a class can be missing from a fold or crowd into one.
# Verdict: wrong_answer
# Fails: Stratified folds: the statement's example, without and with a seed
import numpy as np


def _check_counts(n_samples: int, n_splits: int) -> None:
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    if n_splits > n_samples:
        raise ValueError(f"cannot make {n_splits} folds out of {n_samples} samples")


def _folds_from_labels(fold_of: np.ndarray, n_splits: int) -> list:
    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]


def kfold_indices(n_samples: int, n_splits: int, shuffle: bool = False, seed: int | None = None) -> list:
    _check_counts(n_samples, n_splits)
    order = np.random.default_rng(seed).permutation(n_samples) if shuffle else np.arange(n_samples)
    # As scikit-learn's KFold: the first n_samples % n_splits folds take one extra sample.
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    fold_of = np.empty(n_samples, dtype=int)
    fold_of[order] = np.repeat(np.arange(n_splits), sizes)
    return _folds_from_labels(fold_of, n_splits)


def stratified_kfold_indices(y: np.ndarray, n_splits: int, seed: int | None = None) -> list:
    y = np.asarray(y)
    _check_counts(len(y), n_splits)
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < n_splits:
        raise ValueError(f"class {classes[counts.argmin()]!r} has {counts.min()} samples, fewer than {n_splits} folds")
    return kfold_indices(len(y), n_splits, shuffle=seed is not None, seed=seed)


def leave_one_out_indices(n_samples: int) -> list:
    if n_samples < 2:
        raise ValueError(f"leave-one-out needs at least 2 samples, got {n_samples}")
    return kfold_indices(n_samples, n_samples)
