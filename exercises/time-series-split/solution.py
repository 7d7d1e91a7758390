import numpy as np


def time_series_split(
    n_samples: int, n_splits: int, max_train_size: int | None = None, test_size: int | None = None, gap: int = 0
) -> list:
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    if n_splits + 1 > n_samples:
        raise ValueError(f"cannot make {n_splits + 1} folds out of {n_samples} samples")
    if test_size is None:
        test_size = n_samples // (n_splits + 1)
    if test_size == 0:
        raise ValueError("test_size must be at least 1")
    # The first test block starts here; everything before it (less the gap) is the first training set.
    first_test_start = n_samples - n_splits * test_size
    if first_test_start - gap <= 0:
        raise ValueError(
            f"too many splits ({n_splits}) for {n_samples} samples with test_size={test_size} and gap={gap}"
        )
    splits = []
    for test_start in range(first_test_start, n_samples, test_size):
        train_end = test_start - gap
        # As scikit-learn: max_train_size=0 is falsy, so it means "no limit", like None.
        train_start = max(0, train_end - max_train_size) if max_train_size else 0
        splits.append((np.arange(train_start, train_end), np.arange(test_start, test_start + test_size)))
    return splits


def purged_splits(label_end: np.ndarray, n_splits: int, embargo: int = 0) -> list:
    label_end = np.asarray(label_end)
    n_samples = len(label_end)
    positions = np.arange(n_samples)
    if n_splits < 2 or n_splits > n_samples:
        raise ValueError(f"n_splits must be between 2 and {n_samples}, got {n_splits}")
    if embargo < 0:
        raise ValueError(f"embargo must be non-negative, got {embargo}")
    if np.any(label_end < positions) or np.any(label_end >= n_samples):
        raise ValueError("every label_end[i] must lie between i and n_samples - 1")
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    splits = []
    for start, stop in zip(np.cumsum(sizes) - sizes, np.cumsum(sizes), strict=True):
        test_end = int(label_end[start:stop].max())
        # Purge: labels reaching into [start, test_end]; embargo: the `embargo` samples after test_end.
        before = label_end < start
        after = positions > test_end + embargo
        splits.append((np.flatnonzero(before | after), np.arange(start, stop)))
    return splits
