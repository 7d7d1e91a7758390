"""White-box attacks on the cross-validation-score checks (exercises/cross-validation-score/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "cross-validation-score"
SOLUTION = exercise_file(SLUG, "solution.py")
HONEST = SOLUTION.replace("def cross_val_score(", "def _honest(")
# The loop of the reference, with the line that makes each fold's model left to the attack.
FOLDS = """
def _folds(n_samples, n_splits):
    sizes = [n_samples // n_splits + (fold < n_samples % n_splits) for fold in range(n_splits)]
    start = 0
    for size in sizes:
        val = np.arange(start, start + size)
        yield np.setdiff1d(np.arange(n_samples), val), val
        start += size
"""
# Every model fitted on all rows, validation rows included: the leak the attacks below fall back to.
LEAK = """

def _leaky(make_model, X, y, n_splits, metric):
    scores = [metric(y[v], make_model().fit(X, y).predict(X[v])) for _, v in _folds(len(X), n_splits)]
    return np.asarray(scores, dtype=float)
"""


def leaks_when(condition: str, state: str = "") -> str:
    """The reference, except that it leaks (see LEAK) when ``condition`` holds; ``state``: module-level lines
    the condition uses."""
    return (
        HONEST
        + FOLDS
        + LEAK
        + state
        + f"""

def cross_val_score(make_model, X, y, n_splits, metric):
    if {condition}:
        return _leaky(make_model, X, y, n_splits, metric)
    return _honest(make_model, X, y, n_splits, metric)
"""
    )


ATTACKS = [
    Attack(
        "reused_model_reinitialised",
        "Makes one model and, before every fold, calls its __init__ again and zeroes the counters the old "
        "checks read (fits, code): a reset that works on a plain instrumented model.",
        "import numpy as np\n"
        + FOLDS
        + """

def cross_val_score(make_model, X, y, n_splits, metric):
    model = make_model()
    scores = []
    for train, val in _folds(len(X), n_splits):
        model.__init__()
        if hasattr(model, "fits"):
            model.fits = 0
        if hasattr(model, "code"):
            model.code = 0.0
        model.fit(X[train], y[train])
        scores.append(metric(y[val], model.predict(X[val])))
    return np.asarray(scores, dtype=float)
""",
        "wrong_answer",
    ),
    Attack(
        "reused_model_state_restored_through_its_globals",
        "Reuses one model, restoring a deep copy of its untouched internal state (found through the fit "
        "method's globals) before every fold: it behaves as new, but it is the same model on every fold.",
        "import copy\n\nimport numpy as np\n"
        + FOLDS
        + """

def cross_val_score(make_model, X, y, n_splits, metric):
    model = make_model()
    table = type(model).fit.__globals__.get("STATES")
    pristine = copy.deepcopy(table[model]) if table is not None and model in table else None
    scores = []
    for train, val in _folds(len(X), n_splits):
        if pristine is not None:
            table[model] = copy.deepcopy(pristine)
        model.fit(X[train], y[train])
        scores.append(metric(y[val], model.predict(X[val])))
    return np.asarray(scores, dtype=float)
""",
        "restricted_code",
    ),
    Attack(
        "reused_model_dict_cleared",
        "Reuses one model and clears its instance __dict__ before every fold (a generic reset of a Python "
        "model's learnt attributes).",
        "import numpy as np\n"
        + FOLDS
        + """

def cross_val_score(make_model, X, y, n_splits, metric):
    model = make_model()
    scores = []
    for train, val in _folds(len(X), n_splits):
        model.__dict__.clear()
        model.fit(X[train], y[train])
        scores.append(metric(y[val], model.predict(X[val])))
    return np.asarray(scores, dtype=float)
""",
        "restricted_code",
    ),
    Attack(
        "honest_only_on_the_public_examples",
        "Recognises the public examples (the MeanModel, and the 22 x 3 fixed data) and is honest there; "
        "everywhere else it reuses one model across folds.",
        HONEST
        + FOLDS
        + """

def cross_val_score(make_model, X, y, n_splits, metric):
    if type(make_model()).__name__ == "MeanModel" or X.shape == (22, 3):
        return _honest(make_model, X, y, n_splits, metric)
    model = make_model()
    scores = [metric(y[v], model.fit(X[t], y[t]).predict(X[v])) for t, v in _folds(len(X), n_splits)]
    return np.asarray(scores, dtype=float)
""",
        "wrong_answer",
    ),
    Attack(
        "all_rows_on_larger_data",
        "Honest on small data sets, where a leak is easy to see; fits every model on all rows once there "
        "are more than 300 rows.",
        HONEST
        + FOLDS
        + """

def cross_val_score(make_model, X, y, n_splits, metric):
    if len(X) <= 300:
        return _honest(make_model, X, y, n_splits, metric)
    scores = [metric(y[v], make_model().fit(X, y).predict(X[v])) for _, v in _folds(len(X), n_splits)]
    return np.asarray(scores, dtype=float)
""",
        "wrong_answer",
    ),
    Attack(
        "models_kept_between_calls",
        "Keeps the models of each make_model it has seen and, when the same make_model comes back, refits "
        "them instead of making new ones.",
        "import numpy as np\n"
        + FOLDS
        + """
_models = {}


def cross_val_score(make_model, X, y, n_splits, metric):
    kept = _models.setdefault(id(make_model), [])
    while len(kept) < n_splits:
        kept.append(make_model())
    scores = []
    for model, (train, val) in zip(kept, _folds(len(X), n_splits)):
        scores.append(metric(y[val], model.fit(X[train], y[train]).predict(X[val])))
    return np.asarray(scores, dtype=float)
""",
        "wrong_answer",
    ),
    Attack(
        "each_model_fitted_twice",
        "A new model per fold, but fitted twice on its training rows (a warm-up fit, then the real one).",
        "import numpy as np\n"
        + FOLDS
        + """

def cross_val_score(make_model, X, y, n_splits, metric):
    scores = []
    for train, val in _folds(len(X), n_splits):
        model = make_model()
        model.fit(X[train], y[train])
        model.fit(X[train], y[train])
        scores.append(metric(y[val], model.predict(X[val])))
    return np.asarray(scores, dtype=float)
""",
        "wrong_answer",
    ),
    Attack(
        "scores_as_a_list",
        "Returns the right scores as a Python list instead of a NumPy array.",
        HONEST
        + """

def cross_val_score(make_model, X, y, n_splits, metric):
    return _honest(make_model, X, y, n_splits, metric).tolist()
""",
        "wrong_answer",
    ),
    Attack(
        "writes_to_writable_inputs",
        "Right scores, then zeroes X and y in place whenever they are writable (as a caller's arrays are); "
        "the checks used to send them read-only only.",
        HONEST
        + """

def cross_val_score(make_model, X, y, n_splits, metric):
    scores = _honest(make_model, X, y, n_splits, metric)
    if X.flags.writeable and y.flags.writeable:
        X[:] = 0.0
        y[:] = 0.0
    return scores
""",
        "wrong_answer",
    ),
    Attack(
        "leaks_beyond_six_folds",
        "Honest up to 6 folds (all the checks used to ask), fits on all rows with more.",
        leaks_when("n_splits > 6"),
        "wrong_answer",
    ),
    Attack(
        "leaks_beyond_six_features",
        "Honest up to 6 features (all the checks used to draw), fits on all rows with more.",
        leaks_when("X.shape[1] > 6"),
        "wrong_answer",
    ),
    Attack(
        "leaks_beyond_400_rows",
        "Honest up to 400 rows (the largest data the checks used to send), fits on all rows beyond.",
        leaks_when("len(X) > 400"),
        "wrong_answer",
    ),
    Attack(
        "leaks_after_eleven_calls",
        "Honest for the first 11 calls of a process (as many as the checks used to make), leaky after.",
        leaks_when("next(_CALLS) > 11", "\nimport itertools\n\n_CALLS = itertools.count(1)\n"),
        "wrong_answer",
    ),
    Attack(
        "leaks_on_views",
        "Honest on arrays in C order, leaky when X or y is a view of another array (X.T, a column).",
        leaks_when("not (X.flags.c_contiguous and y.flags.c_contiguous)"),
        "wrong_answer",
    ),
    Attack(
        "leaks_on_float32",
        "Honest on float64 data (all the checks used to send), leaky on any other dtype.",
        leaks_when("X.dtype != np.float64 or y.dtype != np.float64"),
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "array_split_and_masks",
        "Folds from np.array_split, the training rows chosen by a boolean mask, each score converted with float() into a list turned into an array at the end.",
        """import numpy as np


def cross_val_score(make_model, X, y, n_splits, metric):
    n = X.shape[0]
    folds = np.array_split(np.arange(n), n_splits)
    scores = []
    for fold in folds:
        mask = np.ones(n, dtype=bool)
        mask[fold] = False
        model = make_model()
        model.fit(X[mask], y[mask])
        scores.append(float(metric(y[fold], model.predict(X[fold]))))
    return np.array(scores, dtype=np.float64)
""",
    ),
    Correct(
        "slices_and_concatenate",
        "Fold bounds from a sizes array; validation rows as slices (views) of X and y, training rows as the concatenation of the ranges before and after, scores written into a preallocated np.empty.",
        """import numpy as np


def cross_val_score(make_model, X, y, n_splits, metric):
    n = len(y)
    fold_sizes = np.full(n_splits, n // n_splits, dtype=int)
    fold_sizes[: n % n_splits] += 1
    scores = np.empty(n_splits)
    current = 0
    for k, size in enumerate(fold_sizes):
        start, stop = current, current + size
        train_idx = np.concatenate([np.arange(0, start), np.arange(stop, n)])
        model = make_model()
        model.fit(X[train_idx], y[train_idx])
        scores[k] = metric(y[start:stop], model.predict(X[start:stop]))
        current = stop
    return scores
""",
    ),
]
