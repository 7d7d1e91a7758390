"""Hidden checks for early stopping.

A reference implementation (below) runs here, on the trusted side, next to the learner's class: after
every step the learner's return value, ``should_stop``, ``best_score`` and ``best_epoch`` are compared
with the reference's. ``best_score`` and ``best_epoch`` are compared up to the step that stops training
(what happens to them afterwards is not specified); the return value and ``should_stop`` on every step.

Long sequences are replayed by a small support function in the learner's process, which only calls
``step`` and reads the attributes; every value it sends back is checked against the reference here.

As the specification allows, the generated sequences never put a metric within 1e-9 of the
``min_delta`` boundary of the current best, and never start with a NaN when ``patience`` is 1 (Keras
does not stop on epoch 0, a plain patience count does). Nothing here is random at grading time: the
sequences come from a fixed seed.
"""

import math

import numpy as np

from grader.harness import CheckFailed, LearnerError, check, describe

SUPPORT = """
def run_steps(stopper, metrics):
    trace = []
    for metric in metrics:
        returned = stopper.step(metric)
        trace.append((returned, stopper.should_stop, stopper.best_score, stopper.best_epoch))
    return trace
"""

BOUNDARY_MARGIN = 1e-9


class Reference:
    """Keras EarlyStopping semantics, with best_score/best_epoch None until the first non-NaN metric."""

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = False
        self.epoch = self.wait = 0
        self.closest_to_boundary = math.inf

    def step(self, metric):
        epoch = self.epoch
        self.epoch += 1
        if self.should_stop:
            return True
        if math.isnan(metric):
            improved = False
        elif self.best_score is None:
            improved = True
        else:
            gain = self.best_score - metric if self.mode == "min" else metric - self.best_score
            self.closest_to_boundary = min(self.closest_to_boundary, abs(gain - self.min_delta))
            improved = gain > self.min_delta
        if improved:
            self.best_score, self.best_epoch, self.wait = metric, epoch, 0
        else:
            self.wait += 1
            self.should_stop = self.wait >= self.patience
        return self.should_stop


def _describe_config(config):
    return "EarlyStopping(" + ", ".join(f"{key}={value!r}" for key, value in config.items()) + ")"


def _describe_metrics(metrics):
    return "[" + ", ".join("nan" if math.isnan(m) else f"{m:.6g}" for m in metrics) + "]"


def _same_score(got, expected):
    if expected is None:
        return got is None
    return isinstance(got, (float, int, np.floating, np.integer)) and not isinstance(got, bool) and got == expected


def _same_epoch(got, expected):
    if expected is None:
        return got is None
    return isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)) and got == expected


def _compare(config, metrics, trace):
    """Fail unless ``trace`` (returned, should_stop, best_score, best_epoch per step) matches the reference."""
    where = f"{_describe_config(config)} fed {_describe_metrics(metrics)}"
    if not isinstance(trace, list) or len(trace) != len(metrics):
        raise CheckFailed(f"{where}: expected one result per step, got {describe(trace)}")
    reference = Reference(**config)
    stopped = False
    for epoch, (metric, row) in enumerate(zip(metrics, trace, strict=True)):
        expected_return = reference.step(metric)
        returned, should_stop, best_score, best_epoch = row
        label = f"{where}: after step {epoch} (metric {_describe_metrics([metric])[1:-1]})"
        if not isinstance(returned, (bool, np.bool_)):
            raise CheckFailed(f"{label}, step returned {describe(returned)}; it must return a bool")
        if bool(returned) != expected_return:
            raise CheckFailed(f"{label}, step returned {bool(returned)}, expected {expected_return}")
        if not isinstance(should_stop, (bool, np.bool_)) or bool(should_stop) != reference.should_stop:
            raise CheckFailed(f"{label}, should_stop is {describe(should_stop)}, expected {reference.should_stop}")
        if stopped:
            continue
        if not _same_score(best_score, reference.best_score):
            raise CheckFailed(f"{label}, best_score is {describe(best_score)}, expected {reference.best_score!r}")
        if not _same_epoch(best_epoch, reference.best_epoch):
            raise CheckFailed(f"{label}, best_epoch is {describe(best_epoch)}, expected {reference.best_epoch!r}")
        stopped = reference.should_stop


def _run(learner, config, metrics):
    """Run ``metrics`` through a fresh learner's EarlyStopping in one round trip and compare."""
    try:
        stopper = learner.new("EarlyStopping", **config)
    except LearnerError as error:
        raise CheckFailed(f"{_describe_config(config)} raised {error.type}: {error.message}") from None
    try:
        trace = learner.support_call("run_steps", stopper.handle, metrics)
    except LearnerError as error:
        raise CheckFailed(
            f"{_describe_config(config)} fed {_describe_metrics(metrics)}: step or reading best_score, best_epoch, "
            f"should_stop raised {error.type}: {error.message}"
        ) from None
    _compare(config, metrics, [tuple(row) if isinstance(row, (tuple, list)) else row for row in trace])


def _check_cases(learner, cases):
    learner.support(SUPPORT)
    for config, metrics in cases:
        _run(learner, config, metrics)


@check("The worked example: patience 2 on a loss that turns back up", points=1, public=True)
def worked_example(learner):
    config = {"patience": 2, "min_delta": 0.0, "mode": "min"}
    metrics = [1.0, 0.8, 0.9, 0.85, 0.1]
    stopper = learner.new("EarlyStopping", **config)
    trace = []
    for metric in metrics:
        returned = stopper.call("step", metric)
        trace.append((returned, *(stopper.get(name) for name in ("should_stop", "best_score", "best_epoch"))))
    _compare(config, metrics, trace)


@check("Starts with best_score, best_epoch None and should_stop False; defaults 3, 0.0, 'min'", points=1, public=True)
def initial_state_and_defaults(learner):
    stopper = learner.new("EarlyStopping")
    state = {name: stopper.get(name) for name in ("best_score", "best_epoch", "should_stop")}
    if state != {"best_score": None, "best_epoch": None, "should_stop": False}:
        raise CheckFailed(
            "EarlyStopping() before any step: expected best_score=None, best_epoch=None, should_stop=False; got "
            + ", ".join(f"{name}={describe(value)}" for name, value in state.items())
        )
    learner.support(SUPPORT)
    metrics = [0.5, 0.6, 0.7, 0.8, 0.4]
    trace = learner.support_call("run_steps", stopper.handle, metrics)
    _compare({}, metrics, [tuple(row) for row in trace])


@check("mode='max' for metrics where higher is better", points=1, public=True)
def max_mode(learner):
    _check_cases(
        learner,
        [
            ({"patience": 2, "mode": "max"}, [0.60, 0.70, 0.65, 0.72, 0.71, 0.69, 0.90]),
            ({"patience": 1, "mode": "max"}, [0.1, 0.3, 0.2]),
            ({"patience": 3, "min_delta": 0.05, "mode": "max"}, [0.5, 0.52, 0.58, 0.6, 0.61, 0.62, 0.7]),
        ],
    )


@check("An unknown mode raises ValueError", points=1)
def unknown_mode(learner):
    for mode in ("auto", "minimum", "", "maximise"):
        try:
            learner.new("EarlyStopping", patience=3, min_delta=0.0, mode=mode)
        except LearnerError as error:
            if error.type != "ValueError":
                raise CheckFailed(
                    f"EarlyStopping(mode={mode!r}) should raise ValueError, but raised {error.type}: {error.message}"
                ) from None
            continue
        raise CheckFailed(f"EarlyStopping(mode={mode!r}) should raise ValueError (only 'min' or 'max'), but did not")


@check("min_delta: smaller changes are not improvements", points=1)
def min_delta_threshold(learner):
    _check_cases(
        learner,
        [
            # Each step beats the best by less than min_delta: none counts.
            ({"patience": 3, "min_delta": 0.1, "mode": "min"}, [1.0, 0.95, 0.93, 0.92, 0.5]),
            # The best only moves on a real improvement; small gains after it do not reset the count.
            ({"patience": 2, "min_delta": 0.1, "mode": "min"}, [1.0, 0.85, 0.8, 0.78, 0.7, 0.6]),
            ({"patience": 2, "min_delta": 0.1, "mode": "max"}, [0.5, 0.55, 0.7, 0.75, 0.79, 0.9]),
            # A worse value within min_delta of the best is still no improvement.
            ({"patience": 2, "min_delta": 0.05, "mode": "min"}, [1.0, 1.02, 0.9, 0.93, 0.91]),
        ],
    )


@check("NaN never improves; best stays None until the first real value", points=1)
def nan_metrics(learner):
    nan = math.nan
    _check_cases(
        learner,
        [
            ({"patience": 3, "min_delta": 0.0, "mode": "min"}, [nan, 0.9, nan, 0.8, nan, nan, nan, 0.1]),
            ({"patience": 2, "min_delta": 0.0, "mode": "max"}, [nan, 0.4, 0.5, nan, 0.45, 0.6]),
            ({"patience": 4, "min_delta": 0.01, "mode": "min"}, [nan, nan, 0.7, 0.6, nan, 0.65, nan, 0.595, 0.3]),
            ({"patience": 2, "min_delta": 0.0, "mode": "min"}, [nan, nan, 0.5]),
        ],
    )


@check("Once stopped, should_stop stays True and step keeps returning True", points=1)
def stop_is_final(learner):
    _check_cases(
        learner,
        [
            ({"patience": 1, "min_delta": 0.0, "mode": "min"}, [0.5, 0.6, 0.1, 0.05, 0.01]),
            ({"patience": 2, "min_delta": 0.0, "mode": "max"}, [0.5, 0.4, 0.3, 0.9, 0.95]),
        ],
    )


def _generated_cases(count, seed):
    """Validation curves of several shapes, with noise and NaNs; fixed seed, boundary-safe."""
    gen = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        mode = ("min", "max")[int(gen.integers(2))]
        config = {
            "patience": int(gen.integers(1, 7)),
            "min_delta": float(gen.choice([0.0, 0.0, 0.001, 0.01, 0.05, 0.2])),
            "mode": mode,
        }
        length = int(gen.integers(3, 30))
        t = np.arange(length, dtype=float)
        shape = int(gen.integers(4))
        if shape == 0:  # U-shaped validation loss: improves, then overfits
            turn = gen.uniform(0, length)
            curve = 0.5 + 0.01 * (t - turn) ** 2
        elif shape == 1:  # random walk
            curve = np.cumsum(gen.normal(0.0, 0.05, length))
        elif shape == 2:  # saturating curve
            curve = 1.0 - np.exp(-t / gen.uniform(1, 10))
        else:  # pure noise around a level
            curve = np.full(length, 0.3)
        curve = curve + gen.normal(0.0, gen.choice([0.001, 0.01, 0.05]), length)
        if mode == "max":
            curve = -curve if shape != 2 else curve
        elif shape == 2:
            curve = -curve
        metrics = [float(value) for value in curve]
        for index in np.flatnonzero(gen.random(length) < gen.choice([0.0, 0.1, 0.3])):
            metrics[index] = math.nan
        if config["patience"] == 1 and math.isnan(metrics[0]):
            continue
        reference = Reference(**config)
        for metric in metrics:
            reference.step(metric)
        if reference.closest_to_boundary <= BOUNDARY_MARGIN:
            continue
        cases.append((config, metrics))
    return cases


GENERATED = _generated_cases(300, seed=2024)


@check("Matches the reference on 300 generated validation curves", points=4)
def generated_curves(learner):
    _check_cases(learner, GENERATED)
