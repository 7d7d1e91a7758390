# Mistake: sorts by size descending with np.argsort(-sizes, kind="stable"), so among equal sizes the smaller label goes first instead of the larger.
# Verdict: wrong_answer
# Fails: The statement's examples: patients as strings, and scikit-learn's docstring example
# Fails: Groups of equal size: the larger label goes first
import numpy as np


def group_k_fold(groups, n_splits: int) -> list:
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    if len(labels) < n_splits:
        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")
    sizes = np.bincount(code.ravel(), minlength=len(labels))
    order = np.argsort(-sizes, kind="stable")
    fold_totals = np.zeros(n_splits, dtype=np.int64)
    fold_of_group = np.empty(len(labels), dtype=np.int64)
    for group in order:
        lightest = int(np.argmin(fold_totals))
        fold_totals[lightest] += sizes[group]
        fold_of_group[group] = lightest
    fold_of = fold_of_group[code.ravel()]
    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]
