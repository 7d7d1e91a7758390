# Mistake: computes each variance as E[p²] - E[p]², which loses the digits of a small variance when predictions are large.
# Verdict: wrong_answer
# Fails: Predictions far from zero that differ by little: the variance keeps its digits
import numpy as np


def bias_variance_decomposition(predictions, y_true):
    mean_prediction = predictions.mean(axis=0)
    bias_squared = float(np.mean((mean_prediction - y_true) ** 2))
    variance = float(np.mean(np.mean(predictions**2, axis=0) - mean_prediction**2))
    return bias_squared, variance
