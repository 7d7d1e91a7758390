# Mistake: overwrites the caller's groups array with the group codes to save memory (np.asarray does not copy an array).
# Verdict: wrong_answer
# Fails: groups is not modified
import numpy as np


def group_k_fold(groups, n_splits: int) -> list:
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    groups = np.asarray(groups)
    labels, code = np.unique(groups, return_inverse=True)
    if len(labels) < n_splits:
        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")
    if groups.dtype.kind in "iu":
        groups[:] = code.ravel()
        code = groups
    sizes = np.bincount(code.ravel(), minlength=len(labels))
    order = np.argsort(sizes, kind="stable")[::-1]
    fold_totals = np.zeros(n_splits, dtype=np.int64)
    fold_of_group = np.empty(len(labels), dtype=np.int64)
    for group in order:
        lightest = int(np.argmin(fold_totals))
        fold_totals[lightest] += sizes[group]
        fold_of_group[group] = lightest
    fold_of = fold_of_group[code.ravel()]
    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]
