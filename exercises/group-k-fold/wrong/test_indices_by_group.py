# Mistake: builds each test fold by concatenating its groups' sample indices group after group, so test_idx is not sorted ascending.
# Verdict: wrong_answer
# Fails: The statement's examples: patients as strings, and scikit-learn's docstring example
import numpy as np


def group_k_fold(groups, n_splits: int) -> list:
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    code = code.ravel()
    if len(labels) < n_splits:
        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")
    sizes = np.bincount(code, minlength=len(labels))
    order = np.argsort(sizes, kind="stable")[::-1]
    fold_totals = np.zeros(n_splits, dtype=np.int64)
    members = [[] for _ in range(n_splits)]
    for group in order:
        lightest = int(np.argmin(fold_totals))
        fold_totals[lightest] += sizes[group]
        members[lightest].append(np.flatnonzero(code == group))
    folds = []
    for fold in range(n_splits):
        test = np.concatenate(members[fold])
        folds.append((np.setdiff1d(np.arange(len(code)), test), test))
    return folds
