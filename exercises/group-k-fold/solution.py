import numpy as np


def group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    # Distinct labels in ascending order; code[i] is the position of sample i's label among them.
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    if len(labels) < n_splits:
        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")
    sizes = np.bincount(code.ravel(), minlength=len(labels))
    # Largest group first; a stable ascending sort reversed puts the larger label first among equal sizes.
    order = np.argsort(sizes, kind="stable")[::-1]
    fold_totals = np.zeros(n_splits, dtype=np.int64)
    fold_of_group = np.empty(len(labels), dtype=np.int64)
    for group in order:
        lightest = int(np.argmin(fold_totals))  # the first of the lightest folds
        fold_totals[lightest] += sizes[group]
        fold_of_group[group] = lightest
    fold_of = fold_of_group[code.ravel()]
    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]
