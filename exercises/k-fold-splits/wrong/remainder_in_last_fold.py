# Mistake: gives every fold n // k samples and the last fold the remainder, unlike scikit-learn's KFold.
# Verdict: wrong_answer
# Fails: Unshuffled k-fold matches scikit-learn's KFold
# Fails: Unshuffled k-fold and leave-one-out on new sizes; a seed without shuffle=True changes nothing
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
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[-1] += n_samples % n_splits
    fold_of = np.empty(n_samples, dtype=int)
    fold_of[order] = np.repeat(np.arange(n_splits), sizes)
    return _folds_from_labels(fold_of, n_splits)


def stratified_kfold_indices(y: np.ndarray, n_splits: int, seed: int | None = None) -> list:
    y = np.asarray(y)
    _check_counts(len(y), n_splits)
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < n_splits:
        raise ValueError(f"class {classes[counts.argmin()]!r} has {counts.min()} samples, fewer than {n_splits} folds")
    rng = None if seed is None else np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=int)
    for label in classes:
        members = np.flatnonzero(y == label)
        if rng is not None:
            members = rng.permutation(members)
        # Consecutive runs of the class go to folds 0, 1, ...; each run holds floor or ceil of its share.
        for fold, run in enumerate(np.array_split(members, n_splits)):
            fold_of[run] = fold
    return _folds_from_labels(fold_of, n_splits)


def leave_one_out_indices(n_samples: int) -> list:
    if n_samples < 2:
        raise ValueError(f"leave-one-out needs at least 2 samples, got {n_samples}")
    return kfold_indices(n_samples, n_samples)
