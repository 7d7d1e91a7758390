import numpy as np


def time_series_split(
    n_samples: int, n_splits: int, max_train_size: int | None = None, test_size: int | None = None, gap: int = 0
) -> list:
    """The splits of scikit-learn's TimeSeriesSplit(n_splits, max_train_size=..., test_size=..., gap=...).

    A list of n_splits pairs (train_idx, test_idx) of 1-D integer arrays, earliest test block first.
    Test blocks hold test_size samples (default n_samples // (n_splits + 1)), the last one ending at the
    last sample; each training set ends gap samples before its test block and keeps at most the latest
    max_train_size samples (None or 0: no limit). Raises ValueError where scikit-learn does.
    """
    raise NotImplementedError


def purged_splits(label_end: np.ndarray, n_splits: int, embargo: int = 0) -> list:
    """K-fold splits (KFold's contiguous test blocks) with purging and an embargo.

    Sample i's label uses samples i to label_end[i]. For a test block of samples start..stop - 1, let
    test_end = max(label_end[start:stop]); train on the samples whose label ends before start and on
    those after test_end + embargo. Raises ValueError for invalid arguments (see the statement).
    Do not modify label_end.
    """
    raise NotImplementedError
