import numpy as np


def bias_variance_decomposition(predictions: np.ndarray, y_true: np.ndarray) -> tuple[float, float]:
    """Split the models' squared error into (bias_squared, variance).

    predictions has shape (n_models, n_points) and y_true shape (n_points,).
    bias_squared is the mean over points of (mean prediction over models - y_true) ** 2; variance is
    the mean over points of the variance across models (ddof=0). Inputs are not modified.
    """
    raise NotImplementedError
