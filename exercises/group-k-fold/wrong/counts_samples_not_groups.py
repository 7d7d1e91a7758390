# Mistake: only checks n_splits against the number of samples, so too few distinct groups silently give empty folds.
# Verdict: wrong_answer
# Fails: Invalid arguments raise ValueError
import numpy as np


def group_k_fold(groups, n_splits: int) -> list:
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    if n_splits < 2 or n_splits > len(code):
        raise ValueError(f"cannot make {n_splits} folds out of {len(code)} samples")
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
