# Mistake: gets the variance as MSE - bias², exact on paper but it cancels catastrophically when the bias is large.
# Verdict: wrong_answer
# Fails: Predictions far from zero that differ by little: the variance keeps its digits
import numpy as np


def bias_variance_decomposition(predictions, y_true):
    bias_squared = float(np.mean((predictions.mean(axis=0) - y_true) ** 2))
    mse = float(np.mean((predictions - y_true) ** 2))
    return bias_squared, mse - bias_squared
