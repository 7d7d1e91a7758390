import numpy as np


def bias_variance_decomposition(predictions: np.ndarray, y_true: np.ndarray) -> tuple[float, float]:
    mean_prediction = predictions.mean(axis=0)
    bias_squared = float(np.mean((mean_prediction - y_true) ** 2))
    variance = float(np.mean(predictions.var(axis=0)))
    return bias_squared, variance
