import numpy as np


def kfold_indices(n_samples: int, n_splits: int, shuffle: bool = False, seed: int | None = None) -> list:
    """Folds of scikit-learn's KFold: a list of n_splits pairs (train_idx, val_idx) of sorted int arrays.

    Without shuffle the validation folds are contiguous and the first n_samples % n_splits folds hold
    one extra sample; with shuffle=True the blocks are cut from np.random.default_rng(seed).permutation(n_samples).
    Raises ValueError when n_splits < 2 or n_splits > n_samples.
    """
    raise NotImplementedError


def stratified_kfold_indices(y: np.ndarray, n_splits: int, seed: int | None = None) -> list:
    """Folds in which every class of y holds floor or ceil of its count / n_splits samples.

    Classes in ascending label order; each class's indices are cut into n_splits consecutive runs as
    np.array_split cuts them, run r going to fold r. With a seed, one rng = np.random.default_rng(seed)
    first replaces each class's indices (class after class) by rng.permutation(indices).
    Raises ValueError when n_splits < 2, n_splits > len(y), or a class has fewer than n_splits samples.
    """
    raise NotImplementedError


def leave_one_out_indices(n_samples: int) -> list:
    """n_samples folds, fold i validating on sample i alone. Raises ValueError when n_samples < 2."""
    raise NotImplementedError
