# Mistake: puts each group in the fold holding the fewest groups (as old scikit-learn docs worded it) instead of the fewest samples.
# Verdict: wrong_answer
# Fails: Integer group labels: random sizes, labels and fold counts
# Fails: One group holds most of the samples
import numpy as np


def group_k_fold(groups, n_splits: int) -> list:
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    if len(labels) < n_splits:
        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")
    sizes = np.bincount(code.ravel(), minlength=len(labels))
    order = np.argsort(sizes, kind="stable")[::-1]
    groups_per_fold = np.zeros(n_splits, dtype=np.int64)
    fold_of_group = np.empty(len(labels), dtype=np.int64)
    for group in order:
        lightest = int(np.argmin(groups_per_fold))
        groups_per_fold[lightest] += 1
        fold_of_group[group] = lightest
    fold_of = fold_of_group[code.ravel()]
    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]
