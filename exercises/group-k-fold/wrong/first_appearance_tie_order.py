# Mistake: counts groups in a dict and sorts with Python's stable sorted(), so equal-size groups are visited in order of first appearance instead of larger label first.
# Verdict: wrong_answer
# Fails: The statement's examples: patients as strings, and scikit-learn's docstring example
# Fails: Groups of equal size: the larger label goes first
import numpy as np


def group_k_fold(groups, n_splits: int) -> list:
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    labels = [label.item() if isinstance(label, np.generic) else label for label in groups]
    members = {}
    for index, label in enumerate(labels):
        members.setdefault(label, []).append(index)
    if len(members) < n_splits:
        raise ValueError(f"cannot make {n_splits} folds out of {len(members)} distinct groups")
    totals = [0] * n_splits
    fold_of = np.empty(len(labels), dtype=np.int64)
    for label in sorted(members, key=lambda label: -len(members[label])):
        lightest = totals.index(min(totals))
        totals[lightest] += len(members[label])
        fold_of[members[label]] = lightest
    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]
