"""Hidden checks for the cross-validation score.

``make_model`` and ``metric`` cannot cross the sandbox boundary, so the exercise's ``ENVIRONMENT`` (trusted
code loaded before the learner's) builds them in the learner's process. Nothing they could report is
read back: the verdict rests on the scores ``cross_val_score`` returns, each compared here with a
trusted replay of the same model code (``ENVIRONMENT`` is executed on this side too).

The models are chosen so that a score says how it was made:

- each is a real regressor that keeps learning from fit to fit (a Bayesian linear regression whose
  posterior becomes its next prior, a warm-started gradient descent, a kernel smoother that keeps every
  row it was given): its predictions depend on exactly which rows it was fitted on, and a model fitted
  before (reused across folds, or fitted twice) predicts differently from a fresh one;
- every model ``make_model()`` returns starts from its own random state, drawn from a stream seeded
  here: the k-th model made is known, so a model reused across folds, even if its state were reset,
  shows as the same model scoring two folds. Each fold's score must match the replay of a distinct
  model (the k-th made, for some k), fitted once on the other folds' rows and scored on the fold's rows;
- the metrics are asymmetric, so metric(y_pred, y_true) gives other scores;
- names are drawn per grading from ordinary ones (class, module, function and file names), the state
  of a model lives outside the instance, and the model kinds, their settings and the data change every
  grading: nothing identifies the checks' models as such.

Public checks use fixed inputs. Every other case (rows, features, folds, model kind, metric, seeds) is
drawn from ``rng``, seeded from a secret fresh for every grading. Whether X or y was changed in place is
read from the memory shared with the learner's process, where they are sent writable. Beyond the listed
edge cases (a red team got submissions wrong only outside them accepted in every grading; they are kept
as attacks), ``any_data`` asks a dozen and more calls in one round trip: many folds, many features,
float32, writable arrays and views not in C order, a couple of thousand rows. No check is statistical:
a correct solution could fail only through rounding, and the tolerance (rtol 1e-9) is over 10000 times the largest
rounding difference seen (6e-14, over 300 cases with rows and models taken in other orders), while a
model fitted on one row more or less moves a score by 2e-7 or more in the same cases.
"""

import itertools

import numpy as np

from grader.harness import CheckFailed, Writable, assert_array, assert_close, check, describe

ENVIRONMENT = '''
import numpy as np

# The models' code, run for each factory under a file name the checks draw, so that nothing in it
# names the grader. A model's state lives in STATES, not in the instance.
MODEL_SOURCE = """
import weakref

import numpy as np

STATES = weakref.WeakKeyDictionary()


def _state(model):
    if model not in STATES:
        raise TypeError("this model was not made by make_model()")
    return STATES[model]


def _design(X):
    X = np.asarray(X, dtype=float)
    return np.column_stack([np.ones(len(X)), X.reshape(len(X), -1)])


def fit(self, X, y):
    state = _state(self)
    design, y = _design(X), np.asarray(y, dtype=float)
    if "ready" not in state:
        begin(state, design.shape[1])
    update(state, design, y)
    return self


def predict(self, X):
    return forecast(_state(self), _design(X))


def begin(state, width):
    # A model's own starting point, drawn from its own seed on its first fit.
    rng, kind = state["rng"], state["kind"]
    state["ready"] = True
    if kind == "bayes":
        state["precision"] = state["strength"] * np.eye(width)
        state["mean"] = rng.normal(0.0, 2.0, size=width)
    elif kind == "descent":
        state["weights"] = rng.normal(0.0, 1.0, size=width)
    else:
        state["rows"] = rng.normal(0.0, 1.0, size=(state["anchors"], width))
        state["rows"][:, 0] = 1.0
        state["targets"] = rng.normal(0.0, 3.0, size=state["anchors"])


def update(state, design, y):
    kind = state["kind"]
    if kind == "bayes":
        # The posterior of this fit becomes the prior of the next one.
        precision = state["precision"] + design.T @ design
        state["mean"] = np.linalg.solve(precision, state["precision"] @ state["mean"] + design.T @ y)
        state["precision"] = precision
    elif kind == "descent":
        # Full-batch gradient descent, warm-started from wherever the last fit stopped.
        for _ in range(state["epochs"]):
            residuals = design @ state["weights"] - y
            state["weights"] = state["weights"] - state["rate"] * design.T @ residuals / len(y)
    else:
        # A kernel smoother that remembers every row it has been given.
        state["rows"] = np.concatenate([state["rows"], design])
        state["targets"] = np.concatenate([state["targets"], y])


def forecast(state, design):
    kind = state["kind"]
    if kind == "bayes":
        return design @ state["mean"]
    if kind == "descent":
        return design @ state["weights"]
    distances = ((design[:, None, 1:] - state["rows"][None, :, 1:]) ** 2).sum(axis=2)
    scores = -distances / (2.0 * state["bandwidth"] ** 2)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    return (weights @ state["targets"]) / weights.sum(axis=1)
"""


_CODE = compile(MODEL_SOURCE, "models.py", "exec")
_NAMESPACES = {}


def _renamed(code, filename):
    constants = tuple(_renamed(c, filename) if isinstance(c, type(code)) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=constants)


def _compile(filename):
    # One namespace (functions filed under ``filename``, and their table of states) per file name.
    if filename not in _NAMESPACES:
        namespace = {"__name__": filename.rsplit("/", 1)[-1].removesuffix(".py")}
        exec(_renamed(_CODE, filename), namespace)
        _NAMESPACES[filename] = namespace
    return _NAMESPACES[filename]


def _model_class(namespace, class_name, module_name):
    return type(
        class_name,
        (),
        {
            "fit": namespace["fit"],
            "predict": namespace["predict"],
            "__module__": module_name,
            "__qualname__": class_name,
        },
    )


def _new_model(cls, namespace, settings, seed_sequence):
    model = cls()
    namespace["STATES"][model] = dict(settings, rng=np.random.default_rng(seed_sequence))
    return model


def model_factory(settings, class_name, module_name, function_name, filename, seed):
    """make_model for the checks: the k-th model it makes starts from SeedSequence(seed, spawn_key=(k,))."""
    namespace = _compile(filename)
    cls = _model_class(namespace, class_name, module_name)
    root = np.random.SeedSequence(seed)

    def make_model():
        return _new_model(cls, namespace, settings, root.spawn(1)[0])

    make_model.__name__ = make_model.__qualname__ = function_name
    make_model.__module__ = module_name
    return make_model


def replay_model(cls, namespace, settings, seed, index):
    """The index-th model of model_factory(settings, ..., seed), for the trusted replay."""
    return _new_model(cls, namespace, settings, np.random.SeedSequence(seed, spawn_key=(index,)))


def _pinball(quantile):
    def metric(y_true, y_pred):
        error = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
        return float(np.mean(np.maximum(quantile * error, (quantile - 1.0) * error)))

    return metric


def _normalised_squared_error(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    return float(np.mean((y_true - y_pred) ** 2) / np.mean(y_true**2))


def _weighted_absolute_error(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    return float(np.mean((1.0 + np.abs(y_true)) * np.abs(y_true - y_pred)))


def _r2(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    return float(1.0 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2))


def metric_function(kind, parameter, function_name, module_name):
    """A scoring function metric(y_true, y_pred); every kind is asymmetric in its arguments."""
    base = {
        "pinball": _pinball(parameter),
        "normalised_squared_error": _normalised_squared_error,
        "weighted_absolute_error": _weighted_absolute_error,
        "r2": _r2,
    }[kind]

    def metric(y_true, y_pred):
        return base(y_true, y_pred)

    metric.__name__ = metric.__qualname__ = function_name
    metric.__module__ = module_name
    return metric


class MeanModel:
    """The statement's example: predicts the mean target of its training rows."""

    def fit(self, X, y):
        self.mean = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean)


def mean_model_factory():
    return MeanModel


def mae():
    def mean_absolute_error(y_true, y_pred):
        return float(np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred))))

    return mean_absolute_error


def transposed(x):
    # A view whose memory is not in C order, as a caller's X.T is.
    return x.T


def first_column(x):
    # A strided view, as a caller's data[:, 0] is.
    return x[:, 0]
'''

_TRUSTED: dict = {}
exec(compile(ENVIRONMENT, "environment.py", "exec"), _TRUSTED)
_REPLAY_NAMESPACE = _TRUSTED["_compile"]("replay.py")
_REPLAY_CLASS = _TRUSTED["_model_class"](_REPLAY_NAMESPACE, "Replay", "replay")

# Ordinary names, as real models and metrics have: nothing here marks an object as the checks'.
CLASS_NAMES = (
    "Ridge", "BayesianRidge", "LinearRegression", "SGDRegressor", "KernelRidge", "KNeighborsRegressor",
    "Model", "MyModel", "Regressor", "LinearModel", "OnlineRegressor", "Estimator",
)  # fmt: skip
MODULE_NAMES = (
    "__main__", "models", "model", "my_models", "estimators", "sklearn.linear_model._ridge",
    "sklearn.linear_model._bayes", "sklearn.linear_model._stochastic_gradient", "sklearn.kernel_ridge", "utils",
)  # fmt: skip
FUNCTION_NAMES = ("make_model", "build_model", "new_model", "model_fn", "create", "factory", "<lambda>", "Ridge")
METRIC_NAMES = ("score", "metric", "loss", "scorer", "mean_pinball_loss", "evaluate", "<lambda>", "error")
FILE_NAMES = ("models.py", "model.py", "<stdin>", "<string>", "main.py", "estimators.py", "/usr/lib/python3/site.py")
RTOL, ATOL = 1e-9, 1e-12


# Cases


class Setup:
    """A model factory (its kind, settings, seed and names) and a metric, built anew in each process asked."""

    def __init__(self, rng, kind=None, r2=False, n_features=None):
        self.kind = kind or str(rng.choice(["bayes", "descent", "kernel"]))
        # One width per factory, as for one data set: only a model reused across calls could tell.
        self.n_features = n_features or int(rng.integers(1, 7))
        settings = {"kind": self.kind}
        if self.kind == "bayes":
            settings["strength"] = float(rng.uniform(1.0, 20.0))
        elif self.kind == "descent":
            settings["epochs"], settings["rate"] = int(rng.integers(2, 7)), float(rng.uniform(0.03, 0.1))
        else:
            settings["anchors"], settings["bandwidth"] = int(rng.integers(1, 6)), float(rng.uniform(1.0, 3.0))
        self.settings, self.seed = settings, int(rng.integers(0, 2**62))
        metrics = ["pinball", "normalised_squared_error", "weighted_absolute_error"] + (["r2"] if r2 else [])
        self.metric_kind = str(rng.choice(metrics))
        self.metric_parameter = float(rng.choice([rng.uniform(0.1, 0.3), rng.uniform(0.7, 0.9)]))
        names = (CLASS_NAMES, MODULE_NAMES, FUNCTION_NAMES, FILE_NAMES, METRIC_NAMES)
        self.names = tuple(str(rng.choice(options)) for options in names)
        self.metric = _TRUSTED["metric_function"](self.metric_kind, self.metric_parameter, "metric", "replay")

    def handles(self, process):
        """(make_model, metric) built in ``process``, as handles to pass to the learner's function."""
        class_name, module_name, function_name, filename, metric_name = self.names
        factory = process.environment(
            "model_factory", self.settings, class_name, module_name, function_name, filename, self.seed, as_handle=True
        )
        metric = process.environment(
            "metric_function", self.metric_kind, self.metric_parameter, metric_name, module_name, as_handle=True
        )
        return factory.handle, metric.handle

    def model(self, index):
        """The index-th model the factory makes, replayed here."""
        return _TRUSTED["replay_model"](_REPLAY_CLASS, _REPLAY_NAMESPACE, self.settings, self.seed, index)

    def describe(self, X, n_splits) -> str:
        return (
            f"cross_val_score(make_model, X of shape {X.shape}, y, n_splits={n_splits}, metric) with a "
            f"{_KIND_TEXT[self.kind]} and {_METRIC_TEXT[self.metric_kind]}"
        )


_KIND_TEXT = {
    "bayes": "Bayesian linear regression whose posterior becomes its next prior",
    "descent": "linear model fitted by gradient descent, warm-started from its last fit",
    "kernel": "kernel smoother that keeps every row it is fitted on",
}
_METRIC_TEXT = {
    "pinball": "the pinball loss",
    "normalised_squared_error": "mean((y_true - y_pred) ** 2) / mean(y_true ** 2)",
    "weighted_absolute_error": "mean((1 + |y_true|) * |y_true - y_pred|)",
    "r2": "R^2",
}


def _data(rng, n_samples, n_features):
    """X of independent columns of several scales, y linear in X plus an offset and noise."""
    X = rng.normal(0.0, 1.0, size=(n_samples, n_features)) * rng.uniform(0.5, 2.0, size=n_features)
    y = X @ rng.normal(0.0, 2.0, size=n_features) + rng.normal(0.0, 3.0) + rng.normal(0.0, 1.0, size=n_samples)
    return X, y


# The trusted replay


def _kfold(n_samples: int, n_splits: int) -> list:
    """scikit-learn's unshuffled KFold: (train, val) index arrays, contiguous folds, the first n % k larger."""
    sizes = [n_samples // n_splits + (1 if fold < n_samples % n_splits else 0) for fold in range(n_splits)]
    bounds = np.cumsum([0, *sizes])
    rows = np.arange(n_samples)
    return [(np.concatenate([rows[:lo], rows[hi:]]), rows[lo:hi]) for lo, hi in itertools.pairwise(bounds)]


def _close(score: float, expected: float) -> bool:
    return bool(np.isfinite(score) and abs(score - expected) <= ATOL + RTOL * abs(expected))


class Question:
    """One call of cross_val_score: a setup, the data and the number of folds."""

    def __init__(self, setup: Setup, X, y, n_splits: int, what: str = "") -> None:
        self.setup, self.X, self.y, self.n_splits = setup, X, y, n_splits
        self.folds = _kfold(len(X), n_splits)
        self.what = what or setup.describe(X, n_splits)

    def replay(self, index: int, fold: int) -> float:
        """The score of the index-th model made, fitted once on fold ``fold``'s training rows."""
        train, val = self.folds[fold]
        model = self.setup.model(index).fit(self.X[train], self.y[train])
        return self.setup.metric(self.y[val], model.predict(self.X[val]))

    def ask(self, learner, handles=None):
        factory, metric = handles or self.setup.handles(learner)
        return learner.cross_val_score(factory, self.X, self.y, self.n_splits, metric)

    def judge(self, scores, first_index: int = 0) -> None:
        """Every fold's score must be the replay of a distinct model, fitted once on the other folds.

        The natural answer uses the (first_index + f)-th model made for fold f; any other order of calls
        to make_model() is accepted as long as each fold has a model of its own.
        """
        n_splits, what = self.n_splits, self.what
        scores = assert_array(scores, what=f"{what}: the returned scores", shape=(n_splits,), kinds="f")
        if all(_close(float(scores[f]), self.replay(first_index + f, f)) for f in range(n_splits)):
            return
        used = {}
        for fold in range(n_splits):
            score = float(scores[fold])
            searched = range(first_index + 3 * n_splits + 3)
            match = next((k for k in searched if _close(score, self.replay(k, fold))), None)
            if match is None:
                raise CheckFailed(self.mismatch(scores, fold, first_index))
            if match in used:
                raise CheckFailed(
                    f"{what}: folds {used[match]} and {fold} were scored by the same model (the "
                    f"{_ordinal(match + 1)} model make_model() returned): every fold needs a new model from "
                    "make_model(), fitted once on the other folds' rows"
                )
            used[match] = fold

    def mismatch(self, scores, fold: int, first_index: int) -> str:
        """A failure message for ``fold``, naming the likely mistake when a known one explains the scores."""
        train, val = self.folds[fold]
        message = (
            f"{self.what}: fold {fold} (validation rows {val[0]} to {val[-1]}, trained on the other "
            f"{len(train)} rows) should score {self.replay(first_index + fold, fold)!r} (a new model fitted once "
            f"on the other folds' rows, predicting the fold's rows, then metric(y_true, y_pred); tolerance "
            f"rtol={RTOL:g}); got {float(scores[fold])!r}.\nAll scores returned: {describe(np.asarray(scores))}"
        )
        for explanation, alternative in self.alternatives(first_index):
            if all(_close(float(scores[f]), alternative[f]) for f in range(self.n_splits)):
                return f"{message}\nThese are the scores {explanation}."
        return message

    def alternatives(self, first_index: int):
        """Scores that common mistakes give, with what they are (computed only when a check fails)."""
        X, y, metric = self.X, self.y, self.setup.metric

        def fitted(fold, rows):
            return self.setup.model(first_index + fold).fit(X[rows], y[rows])

        folds = list(enumerate(self.folds))
        yield (
            "of metric(y_pred, y_true): scikit-learn's order is metric(y_true, y_pred)",
            [metric(fitted(f, t).predict(X[v]), y[v]) for f, (t, v) in folds],
        )
        yield (
            "of models fitted on every row, validation rows included: fit only on the other folds' rows",
            [metric(y[v], fitted(f, np.arange(len(X))).predict(X[v])) for f, (_, v) in folds],
        )
        yield (
            "of each model on its own training rows: score the fold's rows, which the model has not seen",
            [metric(y[t], fitted(f, t).predict(X[t])) for f, (t, _) in folds],
        )
        reused = self.setup.model(first_index)
        yield (
            "of one model refitted on every fold: it keeps what it learnt before (it has seen this fold's rows "
            "while training for earlier folds); call make_model() for every fold",
            [metric(y[v], reused.fit(X[t], y[t]).predict(X[v])) for _, (t, v) in folds],
        )


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


# Public checks


@check("The worked example: a mean model scored with the mean absolute error", points=1, public=True)
def worked_example(learner, rng):
    X = np.arange(5.0).reshape(5, 1)
    y = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    factory = learner.environment("mean_model_factory", as_handle=True)
    metric = learner.environment("mae", as_handle=True)
    what = "cross_val_score(MeanModel, X = [[0], [1], [2], [3], [4]], y = [1, 2, 3, 4, 10], 2, mae)"
    scores = learner.cross_val_score(factory.handle, X, y, 2, metric.handle)
    assert_close(assert_array(scores, what=what, shape=(2,), kinds="f"), [5.0, 5.0], what=what, rtol=1e-12, atol=0)


@check("Scores of new models fitted on the other folds, on a fixed example", points=2, public=True)
def fixed_example(learner, rng):
    fixed = np.random.default_rng(7)
    question = Question(Setup(fixed, "bayes", n_features=3), *_data(fixed, 22, 3), 5)
    question.judge(question.ask(learner))


# Hidden checks


@check("Scores match a trusted replay on new data: folds, training rows, metric arguments", points=3)
def scores_on_new_data(learner, rng):
    n_splits = int(rng.integers(2, 7))
    setup = Setup(rng, r2=True)
    question = Question(setup, *_data(rng, int(rng.integers(n_splits * 3, 100)), setup.n_features), n_splits)
    question.judge(question.ask(learner))


@check("Each fold's model comes new from make_model() and is fitted once", points=2)
def fresh_model_per_fold(learner, rng):
    """A model that keeps learning from fit to fit, with many folds: a model reused across folds (reset
    or not), or fitted twice, scores differently from a new one."""
    n_splits = int(rng.integers(4, 7))
    setup = Setup(rng)
    question = Question(setup, *_data(rng, int(rng.integers(n_splits * 3, 80)), setup.n_features), n_splits)
    question.judge(question.ask(learner))


@check("Edge cases: one row per fold, two folds, one feature, a large data set", points=2)
def edge_cases(learner, rng):
    setup = Setup(rng, str(rng.choice(["bayes", "descent"])), n_features=1)
    handles = setup.handles(learner)
    n_samples = int(rng.integers(3, 7))
    questions = [
        Question(setup, *_data(rng, n_samples, 1), n_samples),
        Question(setup, *_data(rng, 2 * int(rng.integers(5, 60)) + 1, 1), 2),
        Question(setup, *_data(rng, int(rng.integers(300, 400)), 1), int(rng.integers(3, 5))),
    ]
    made = 0
    for question in questions:
        question.judge(question.ask(learner, handles), made)
        made += question.n_splits


@check("X and y are not modified", points=1)
def inputs_untouched(learner, rng):
    """Two calls, in random order: X and y sent read-only (a write of any kind raises) and writable, as a
    caller's own arrays are (code that writes only to writable arrays shows when they are read back)."""
    for writable in rng.permutation([False, True]):
        n_splits = int(rng.integers(2, 6))
        setup = Setup(rng)
        X, y = _data(rng, int(rng.integers(n_splits * 3, 100)), setup.n_features)
        factory, metric = setup.handles(learner)
        sent = (Writable(X.copy()), Writable(y.copy())) if writable else (X, y)
        scores, after = learner.call_and_read_args("cross_val_score", factory, *sent, n_splits, metric)
        what = setup.describe(X, n_splits) + (", X and y sent writable" if writable else "")
        for name, now, before in (("X", after[1], X), ("y", after[2], y)):
            assert_close(now, before, what=f"{name} after {what}", rtol=0, atol=0)
        Question(setup, X, y, n_splits, what).judge(scores)


@check("No state kept between calls: two make_model factories, calls interleaved", points=1)
def no_state_between_calls(learner, rng):
    """Calls with two factories in turns (A, B, A): each call's scores come from that call's factory's
    new models, whatever ran before."""
    first, second = Setup(rng), Setup(rng)
    handles = {first: first.handles(learner), second: second.handles(learner)}
    made = {first: 0, second: 0}
    for setup in (first, second, first):
        n_splits = int(rng.integers(2, 4))
        question = Question(setup, *_data(rng, int(rng.integers(20, 80)), setup.n_features), n_splits)
        question.judge(question.ask(learner, handles[setup]), made[setup])
        made[setup] += n_splits


@check("Any data: many folds, many features, float32, views and writable arrays, dozens of calls", points=2)
def any_data(learner, rng):
    """One round trip of 12 to 18 calls in random order, every answer judged: two with 7 to 40 folds
    (log-uniform; one row per fold or several), one of 500 to 2000 rows, the others small (2 to 4 folds,
    unequal or not); 1 to 16 features (7 to 16 for the second factory); float64 or float32 data (half
    each); X and y sent read-only or writable (about half each), and in two calls X as a view not in C
    order or y as a strided view. Two factories take turns (the large call takes its models from the
    second, of the cheaper kinds), so each call's models continue that factory's stream. With the 12 calls
    of the other checks, a submission that changes after some number of calls meets judged calls past it."""
    setups = [
        Setup(rng, n_features=int(rng.integers(1, 17))),
        Setup(rng, str(rng.choice(["bayes", "descent"])), n_features=int(rng.integers(7, 17))),
    ]
    handles = [setup.handles(learner) for setup in setups]
    count = int(rng.integers(12, 19))
    roles = rng.permutation(["large", "many", "many"] + ["small"] * (count - 3))
    # Half the calls in float32 and, drawn apart, half writable; two calls send a view, of X or of y.
    float32, writable = rng.permutation(count) < count // 2, rng.permutation(count) < count // 2
    views = dict(zip(rng.choice(count, size=2, replace=False).tolist(), rng.permutation(["X", "y"]), strict=True))
    made, questions, calls = [0] * len(setups), [], []
    for index, role in enumerate(roles):
        if role == "large":
            which, n_splits = 1, int(rng.integers(2, 6))
            n_samples = int(np.exp(rng.uniform(np.log(500), np.log(2000))))
        else:
            low, high = (7, 41) if role == "many" else (2, 5)
            n_splits = int(np.exp(rng.uniform(np.log(low), np.log(high))))
            which, n_samples = int(rng.integers(2)), n_splits * int(rng.integers(1, 4)) + int(rng.integers(n_splits))
            if views.get(index) == "X":
                which = 1  # a view of a one-feature X (the first setup may have one) would be in C order too
        setup = setups[which]
        X, y = _data(rng, n_samples, setup.n_features)
        dtype = np.float32 if float32[index] else np.float64
        X, y = X.astype(dtype), y.astype(dtype)
        if index in views:
            how = f" ({'X as a view not in C order' if views[index] == 'X' else 'y as a strided view'})"
            if views[index] == "X":
                sent_X, sent_y = learner.environment("transposed", X.T.copy(), as_handle=True).handle, y
            else:
                wide = np.column_stack([y, rng.normal(size=n_samples).astype(dtype)])
                sent_X, sent_y = X, learner.environment("first_column", wide, as_handle=True).handle
        elif writable[index]:
            how, sent_X, sent_y = " (X and y sent writable)", Writable(X.copy()), Writable(y.copy())
        else:
            how, sent_X, sent_y = "", X, y
        questions.append(
            (Question(setup, X, y, n_splits, f"{setup.describe(X, n_splits)}, {dtype.__name__}{how}"), which)
        )
        calls.append((handles[which][0], sent_X, sent_y, n_splits, handles[which][1]))
    replies = learner.map("cross_val_score", calls)
    for (question, which), reply in zip(questions, replies, strict=True):
        question.judge(reply.value, made[which])
        made[which] += question.n_splits
