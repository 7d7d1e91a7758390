# Mistake: returns (variance, bias_squared), the two parts in the wrong order.
# Verdict: wrong_answer
# Fails: Worked example from the statement
# Fails: Matches the definitions on fresh predictions of many shapes
import numpy as np


def bias_variance_decomposition(predictions, y_true):
    mean_prediction = predictions.mean(axis=0)
    bias_squared = float(np.mean((mean_prediction - y_true) ** 2))
    variance = float(np.mean(predictions.var(axis=0)))
    return variance, bias_squared
