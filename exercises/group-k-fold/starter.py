import numpy as np


def group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds of scikit-learn's GroupKFold (shuffle=False): a list of n_splits pairs (train_idx, test_idx).

    groups holds one label per sample (a 1-D NumPy integer array or a list of str). Every group lands
    whole in one test fold. Groups are taken largest first (equal sizes: the larger label first) and
    each goes to the fold with the fewest samples so far (equal totals: the lowest fold index).
    Both arrays of a pair are 1-D integer arrays sorted ascending. Raises ValueError when n_splits < 2
    or there are fewer distinct groups than n_splits. groups is not modified.
    """
    raise NotImplementedError
