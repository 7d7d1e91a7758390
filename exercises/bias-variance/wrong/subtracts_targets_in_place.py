# Mistake: turns predictions into errors in place (predictions -= y_true), corrupting the caller's array.
# Verdict: wrong_answer
# Fails: Worked example from the statement
# Fails: Inputs are never modified in place
import numpy as np


def bias_variance_decomposition(predictions, y_true):
    errors = predictions
    errors -= y_true
    bias_squared = float(np.mean(errors.mean(axis=0) ** 2))
    variance = float(np.mean(errors.var(axis=0)))
    return bias_squared, variance
