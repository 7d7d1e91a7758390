"""White-box attacks on the ridge-regression checks (exercises/ridge-regression/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "ridge-regression"
SOLUTION = exercise_file(SLUG, "solution.py")
HONEST = SOLUTION.replace("def ridge_fit(", "def _honest(")
VALIDATE = """
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
"""

ATTACKS = [
    Attack(
        "honest_only_on_the_public_examples",
        "Answers the worked example and the public least-squares example (recognised by their shapes) "
        "honestly and penalises the intercept everywhere else.",
        HONEST
        + """

def ridge_fit(X, y, alpha):
    if X.shape in ((4, 1), (20, 3)):
        return _honest(X, y, alpha)
    if alpha < 0:
        raise ValueError("alpha")
    A = np.column_stack([np.ones(len(y)), X])
    w = np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)
    return w[1:], float(w[0])
""",
        "wrong_answer",
    ),
    Attack(
        "stabilising_jitter",
        "Adds 1e-8 * trace / p to the diagonal 'for numerical stability', a change a loose tolerance would "
        "not see; the tolerance follows each case's conditioning and is far tighter on well-conditioned data.",
        """import numpy as np


def ridge_fit(X, y, alpha):"""
        + VALIDATE
        + """    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    A = Xc.T @ Xc
    A = A + (alpha + 1e-8 * np.trace(A) / A.shape[0] + 1e-300) * np.eye(A.shape[0])
    coef = np.linalg.solve(A, Xc.T @ yc)
    return coef, float(y_mean - x_mean @ coef)
""",
        "wrong_answer",
    ),
    Attack(
        "least_squares_when_alpha_is_small",
        "Treats any alpha below 1e-3 times the trace of Xc.T Xc as 0 and returns least squares "
        "(with lstsq), as if so small a penalty could not matter.",
        HONEST
        + """

def ridge_fit(X, y, alpha):
    Xc = X - X.mean(axis=0)
    if 0 <= alpha < 1e-3 * np.sum(Xc**2):
        design = np.column_stack([np.ones(len(y)), X])
        solution = np.linalg.lstsq(design, y, rcond=None)[0]
        return solution[1:], float(solution[0])
    return _honest(X, y, alpha)
""",
        "wrong_answer",
    ),
    Attack(
        "minimum_norm_least_squares_for_wide_data",
        "With more features than samples it ignores alpha and returns the minimum-norm interpolating "
        "solution (pinv), which is close to ridge for a small alpha.",
        HONEST
        + """

def ridge_fit(X, y, alpha):
    if alpha >= 0 and X.shape[1] >= X.shape[0]:
        x_mean, y_mean = X.mean(axis=0), y.mean()
        coef = np.linalg.pinv(X - x_mean) @ (y - y_mean)
        return coef, float(y_mean - x_mean @ coef)
    return _honest(X, y, alpha)
""",
        "wrong_answer",
    ),
    Attack(
        "gradient_descent",
        "Minimises the ridge objective with 3000 steps of gradient descent from zero: close on "
        "well-conditioned data, never exact.",
        """import numpy as np


def ridge_fit(X, y, alpha):"""
        + VALIDATE
        + """    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    A, b = Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc
    step = 1.0 / max(np.trace(A), 1e-300)
    coef = np.zeros(X.shape[1])
    for _ in range(3000):
        coef = coef - step * (A @ coef - b)
    return coef, float(y_mean - x_mean @ coef)
""",
        "wrong_answer",
    ),
    Attack(
        "in_place_centring_for_long_data",
        "Centres X and y in place when there are more than 500 samples (to save memory), betting that "
        "the in-place check uses small data.",
        """import numpy as np


def ridge_fit(X, y, alpha):"""
        + VALIDATE
        + """    x_mean, y_mean = X.mean(axis=0), y.mean()
    if X.shape[0] > 500:
        X -= x_mean
        y -= y_mean
        Xc, yc = X, y
    else:
        Xc, yc = X - x_mean, y - y_mean
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return coef, float(y_mean - x_mean @ coef)
""",
        "wrong_answer",
    ),
    Attack(
        "first_800_rows_only",
        "Fits on the first 800 samples when there are more (a speed shortcut that gives nearly the same "
        "answer on data drawn from one distribution).",
        HONEST
        + """

def ridge_fit(X, y, alpha):
    if len(y) > 800:
        return _honest(X[:800], y[:800], alpha)
    return _honest(X, y, alpha)
""",
        "wrong_answer",
    ),
    Attack(
        "negative_alpha_with_a_tolerance",
        "Refuses alpha only below -1e-12, treating tinier negative values as rounding noise.",
        SOLUTION.replace("if alpha < 0:", "if alpha < -1e-12:"),
        "wrong_answer",
    ),
    Attack(
        "impostor_value_error",
        "Raises its own class named ValueError, which is not the built-in one (an except ValueError would "
        "not catch it).",
        "class ValueError(Exception):\n    pass\n\n\n" + SOLUTION,
        "wrong_answer",
    ),
    Attack(
        "monkeypatched_solve",
        "Wraps np.linalg.solve in its own process to add a small jitter to every system, and trusts that "
        "the checks would use the same solve; they compute outside that process, and the gate refuses the patch.",
        """import numpy as np

_solve = np.linalg.solve
np.linalg.solve = lambda a, b: _solve(a + 1e-6 * np.eye(a.shape[0]), b)
"""
        + SOLUTION.replace("import numpy as np\n", ""),
        "restricted_code",
    ),
    Attack(
        "centres_in_place_where_writable",
        "Centres X and y in place whenever both are writable, as a caller's own arrays are (read-only inputs "
        "get the honest copy).",
        HONEST
        + """

def ridge_fit(X, y, alpha):
    if not (X.flags.writeable and y.flags.writeable) or alpha < 0:
        return _honest(X, y, alpha)
    x_mean, y_mean = X.mean(axis=0), y.mean()
    X -= x_mean
    y -= y_mean
    coef = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ y)
    return coef, float(y_mean - x_mean @ coef)
""",
        "wrong_answer",
    ),
    Attack(
        "coef_off_after_25_calls",
        "Honest for the first 25 calls (more than the other checks make), then scales coef by 1.01.",
        HONEST
        + """
_calls = [0]


def ridge_fit(X, y, alpha):
    _calls[0] += 1
    coef, intercept = _honest(X, y, alpha)
    return (coef * 1.01, intercept) if _calls[0] > 25 else (coef, intercept)
""",
        "wrong_answer",
    ),
    Attack(
        "jitter_beyond_45_features",
        "Adds a 'stabilising' 1e-3 * trace to alpha when there are more than 45 features, more than the "
        "other checks ever send.",
        HONEST
        + """

def ridge_fit(X, y, alpha):
    if X.shape[1] > 45 and alpha >= 0:
        alpha = alpha + 1e-3 * float(np.square(X - X.mean(axis=0)).sum())
    return _honest(X, y, alpha)
""",
        "wrong_answer",
    ),
    Attack(
        "first_2600_rows_only",
        "Fits on the first 2600 rows only, more than the other checks ever sent.",
        HONEST
        + """

def ridge_fit(X, y, alpha):
    return _honest(X[:2600], y[:2600], alpha)
""",
        "wrong_answer",
    ),
    Attack(
        "doubled_alpha_for_views",
        "Doubles alpha whenever X is not in C order (a transposed view), a layout the checks never sent.",
        HONEST
        + """

def ridge_fit(X, y, alpha):
    return _honest(X, y, alpha if X.flags.c_contiguous else 2 * alpha)
""",
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "lstsq_augmented",
        "centred data stacked on sqrt(alpha) * I, solved by np.linalg.lstsq",
        """import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    x_mean = np.mean(X, axis=0)
    y_mean = np.mean(y)
    Xc, yc = X - x_mean, y - y_mean
    d = X.shape[1]
    # Ridge as ordinary least squares on data augmented with sqrt(alpha) * I.
    A = np.vstack([Xc, np.sqrt(alpha) * np.eye(d)])
    b = np.concatenate([yc, np.zeros(d)])
    coef = np.linalg.lstsq(A, b, rcond=None)[0]
    return coef, float(y_mean - x_mean @ coef)
""",
    ),
    Correct(
        "svd_shrinkage",
        "SVD of the centred X, each direction shrunk by s / (s^2 + alpha); means via sum / len",
        """import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    x_mean = X.sum(axis=0) / len(X)
    y_mean = y.sum() / len(y)
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    # Each singular direction is shrunk by s / (s^2 + alpha).
    denom = s**2 + alpha
    shrink = np.divide(s, denom, out=np.zeros_like(s), where=denom > 0)
    coef = Vt.T @ (shrink * (U.T @ (y - y_mean)))
    return coef, float(y_mean - np.dot(x_mean, coef))
""",
    ),
    Correct(
        "ones_column_normal_equations",
        "no centring: an unpenalised column of ones, normal equations by np.linalg.solve",
        """import numpy as np


def ridge_fit(X, y, alpha):
    if alpha < 0:
        raise ValueError("alpha must be non-negative")
    n, d = X.shape
    # An unpenalised column of ones instead of centring; the penalty skips it.
    A = np.hstack([X, np.ones((n, 1))])
    P = alpha * np.eye(d + 1)
    P[d, d] = 0.0
    w = np.linalg.solve(A.T @ A + P, A.T @ y)
    return w[:d], float(w[d])
""",
    ),
]
