# Mistake: uses the sample variance across models (ddof=1) instead of dividing by n_models.
# Verdict: wrong_answer
# Fails: Worked example from the statement
# Fails: A single model has variance 0; a single point works
import numpy as np


def bias_variance_decomposition(predictions, y_true):
    mean_prediction = predictions.mean(axis=0)
    bias_squared = float(np.mean((mean_prediction - y_true) ** 2))
    variance = float(np.mean(predictions.var(axis=0, ddof=1)))
    return bias_squared, variance
