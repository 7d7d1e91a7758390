"""White-box attacks on the bias-variance checks (exercises/bias-variance/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "bias-variance"
SOLUTION = exercise_file(SLUG, "solution.py")
HONEST = SOLUTION.replace("def bias_variance_decomposition(", "def _honest(")

ATTACKS = [
    Attack(
        "honest_only_on_the_public_examples",
        "Answers the two public examples (recognised by their shapes) honestly and returns the sample "
        "variance (ddof=1) everywhere else.",
        HONEST
        + """

def bias_variance_decomposition(predictions, y_true):
    if predictions.shape in ((2, 3), (8, 12)):
        return _honest(predictions, y_true)
    mean = predictions.mean(axis=0)
    return float(np.mean((mean - y_true) ** 2)), float(np.mean(predictions.var(axis=0, ddof=1)))
""",
        "wrong_answer",
    ),
    Attack(
        "float32_for_large_inputs",
        "Computes in float32 when there are more than 10 000 predictions (half the memory), betting on a "
        "loose relative tolerance.",
        HONEST
        + """

def bias_variance_decomposition(predictions, y_true):
    if predictions.size > 10_000:
        return _honest(predictions.astype(np.float32), y_true.astype(np.float32))
    return _honest(predictions, y_true)
""",
        "wrong_answer",
    ),
    Attack(
        "first_100_models_only",
        "Estimates both terms from the first 100 models when there are more: nearly the same numbers for "
        "models drawn alike.",
        HONEST
        + """

def bias_variance_decomposition(predictions, y_true):
    return _honest(predictions[:100], y_true)
""",
        "wrong_answer",
    ),
    Attack(
        "orientation_guessed_from_the_shape",
        "Assumes there are more models than points and transposes the predictions otherwise (taking the "
        "variance across points when there are few models).",
        """import numpy as np


def bias_variance_decomposition(predictions, y_true):
    axis = 0 if predictions.shape[0] >= predictions.shape[1] else 1
    mean = predictions.mean(axis=axis)
    bias_squared = float(np.mean((predictions.mean(axis=0) - y_true) ** 2))
    return bias_squared, float(np.mean(predictions.var(axis=axis)))
""",
        "wrong_answer",
    ),
    Attack(
        "in_place_only_on_large_inputs",
        "Subtracts y_true from the predictions in place when there are more than 5000 of them (saving a "
        "copy), betting that only a small dedicated check reads the arguments back.",
        """import numpy as np


def bias_variance_decomposition(predictions, y_true):
    errors = predictions if predictions.size > 5000 else predictions.copy()
    errors -= y_true
    bias = errors.mean(axis=0)
    return float(np.mean(bias**2)), float(np.mean(errors.var(axis=0)))
""",
        "wrong_answer",
    ),
    Attack(
        "one_pass_variance_with_a_guard",
        "Uses the one-pass E[p²] - E[p]² (fast, one sweep) and only clips its negative values to 0, "
        "betting that no check uses predictions large enough for the cancellation to show.",
        """import numpy as np


def bias_variance_decomposition(predictions, y_true):
    mean = predictions.mean(axis=0)
    variance = np.maximum(np.mean(predictions**2, axis=0) - mean**2, 0.0)
    return float(np.mean((mean - y_true) ** 2)), float(np.mean(variance))
""",
        "wrong_answer",
    ),
    Attack(
        "sample_variance_for_many_models",
        "Switches to the unbiased sample variance (ddof=1) from 30 models on, a 'large-sample "
        "convention' that changes the answer by a factor n / (n - 1).",
        """import numpy as np


def bias_variance_decomposition(predictions, y_true):
    mean = predictions.mean(axis=0)
    ddof = 1 if predictions.shape[0] >= 30 else 0
    return float(np.mean((mean - y_true) ** 2)), float(np.mean(predictions.var(axis=0, ddof=ddof)))
""",
        "wrong_answer",
    ),
    Attack(
        "monkeypatched_numpy_var",
        "Replaces np.var in its own process by the sample variance; the checks compute outside that "
        "process, and the gate refuses the patch.",
        """import numpy as np

_var = np.var
np.var = lambda a, axis=None, **kwargs: _var(a, axis=axis, ddof=1)
"""
        + SOLUTION.replace("import numpy as np\n", "").replace(
            "predictions.var(axis=0)", "np.var(predictions, axis=0)"
        ),
        "restricted_code",
    ),
    Attack(
        "subtracts_targets_in_place_where_writable",
        "Subtracts y_true from predictions in place whenever predictions is writable, as a caller's own "
        "array is (read-only inputs get the honest copy).",
        HONEST
        + """

def bias_variance_decomposition(predictions, y_true):
    if not predictions.flags.writeable:
        return _honest(predictions, y_true)
    predictions -= y_true
    return float(np.mean(predictions.mean(axis=0) ** 2)), float(np.mean(predictions.var(axis=0)))
""",
        "wrong_answer",
    ),
    Attack(
        "first_450_models_only",
        "Uses only the first 450 models, more than the other checks ever send.",
        HONEST
        + """

def bias_variance_decomposition(predictions, y_true):
    return _honest(predictions[:450], y_true)
""",
        "wrong_answer",
    ),
    Attack(
        "float32_beyond_700_points",
        "Computes in float32 when there are more than 700 points, more than the other checks ever send.",
        HONEST
        + """

def bias_variance_decomposition(predictions, y_true):
    if predictions.shape[1] > 700:
        return _honest(predictions.astype(np.float32), y_true.astype(np.float32))
    return _honest(predictions, y_true)
""",
        "wrong_answer",
    ),
    Attack(
        "variance_off_after_25_calls",
        "Honest for the first 25 calls (more than the other checks make), then reports the variance 1% high.",
        HONEST
        + """
_calls = [0]


def bias_variance_decomposition(predictions, y_true):
    _calls[0] += 1
    bias_squared, variance = _honest(predictions, y_true)
    return (bias_squared, variance * 1.01) if _calls[0] > 25 else (bias_squared, variance)
""",
        "wrong_answer",
    ),
]

CORRECT = [
    Correct(
        "pytorch",
        "PyTorch: mean over models, var(correction=0), .item().",
        """import numpy as np
import torch


def bias_variance_decomposition(predictions, y_true):
    p = torch.tensor(np.array(predictions, dtype=np.float64))
    y = torch.tensor(np.array(y_true, dtype=np.float64))
    mean = p.mean(dim=0)
    bias_squared = ((mean - y) ** 2).mean().item()
    variance = p.var(dim=0, correction=0).mean().item()
    return bias_squared, variance
""",
    ),
    Correct(
        "sums_and_dot",
        "Mean as sum / n_models with keepdims, variance as the sum of all squared deviations over n_models * n_points, bias^2 as a dot product over n_points.",
        """import numpy as np


def bias_variance_decomposition(predictions, y_true):
    p = np.asarray(predictions, dtype=np.float64)
    n_models, n_points = p.shape
    mean = p.sum(axis=0, keepdims=True) / n_models
    deviations = p - mean
    variance = np.sum(deviations**2) / (n_models * n_points)
    bias = mean[0] - y_true
    bias_squared = np.dot(bias, bias) / n_points
    return float(bias_squared), float(variance)
""",
    ),
    Correct(
        "welford_over_models",
        "One pass over the models with Welford's running mean and sum of squared deviations, vectorised over the points.",
        """import numpy as np


def bias_variance_decomposition(predictions, y_true):
    # One pass over the models (Welford's update), vectorised over the points.
    mean = np.zeros(predictions.shape[1])
    m2 = np.zeros(predictions.shape[1])
    for k, row in enumerate(predictions, start=1):
        delta = row - mean
        mean = mean + delta / k
        m2 = m2 + delta * (row - mean)
    variance = float(np.mean(m2 / predictions.shape[0]))
    bias_squared = float(np.mean(np.square(mean - y_true)))
    return bias_squared, variance
""",
    ),
]
