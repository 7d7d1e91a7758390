"""White-box attacks on the early-stopping checks (exercises/early-stopping/checks.py)."""

from tests.security.exercises import Attack, exercise_file

SLUG = "early-stopping"
SOLUTION = exercise_file(SLUG, "solution.py")

ATTACKS = [
    Attack(
        "state_keyed_by_configuration",
        "Keeps all state in a module dict keyed by (patience, min_delta, mode): right while every live instance has its own configuration, wrong for twins.",
        """import math

_STATE = {}


class EarlyStopping:
    '''All state lives in a module dict keyed by the configuration.'''

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.key = (patience, min_delta, mode)
        _STATE[self.key] = {"best": None, "epoch_of_best": None, "wait": 0, "epoch": 0, "stop": False}

    @property
    def best_score(self):
        return _STATE[self.key]["best"]

    @property
    def best_epoch(self):
        return _STATE[self.key]["epoch_of_best"]

    @property
    def should_stop(self):
        return _STATE[self.key]["stop"]

    def step(self, metric):
        patience, min_delta, mode = self.key
        s = _STATE[self.key]
        epoch = s["epoch"]
        s["epoch"] += 1
        if s["stop"]:
            return True
        best = s["best"]
        better = not math.isnan(metric) and (
            best is None or (metric < best - min_delta if mode == "min" else metric > best + min_delta)
        )
        if better:
            s["best"], s["epoch_of_best"], s["wait"] = metric, epoch, 0
        else:
            s["wait"] += 1
            s["stop"] = s["wait"] >= patience
        return s["stop"]
""",
        "wrong_answer",
    ),
    Attack(
        "one_instance_per_configuration",
        "__new__ hands back a cached instance for a configuration already seen, so a second stopper with the same settings continues the first one's run.",
        """import math

_CACHE = {}
_READY = set()


class EarlyStopping:
    '''__new__ hands back one instance per configuration, so twins share everything.'''

    def __new__(cls, patience=3, min_delta=0.0, mode="min"):
        key = (patience, min_delta, mode)
        if key not in _CACHE:
            _CACHE[key] = super().__new__(cls)
        return _CACHE[key]

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        if id(self) in _READY:
            return  # already set up: keep going where it was
        _READY.add(id(self))
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = False
        self._epoch = self._wait = 0

    def step(self, metric):
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return True
        best = self.best_score
        if not math.isnan(metric) and (
            best is None or (metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta)
        ):
            self.best_score, self.best_epoch, self._wait = metric, epoch, 0
        else:
            self._wait += 1
            self.should_stop = self._wait >= self.patience
        return self.should_stop
""",
        "wrong_answer",
    ),
    Attack(
        "attributes_of_the_last_stepped_instance",
        "step is right, but best_score, best_epoch and should_stop are properties reporting whichever instance stepped last: invisible when attributes are only read right after their own instance steps.",
        """import math

_LAST = {"best_score": None, "best_epoch": None, "should_stop": False}


class EarlyStopping:
    '''step is right, but the three attributes report whichever instance stepped last.'''

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self._best = self._best_epoch = None
        self._stop = False
        self._epoch = self._wait = 0
        _LAST.update(best_score=None, best_epoch=None, should_stop=False)

    best_score = property(lambda self: _LAST["best_score"])
    best_epoch = property(lambda self: _LAST["best_epoch"])
    should_stop = property(lambda self: _LAST["should_stop"])

    def step(self, metric):
        epoch = self._epoch
        self._epoch += 1
        if not self._stop:
            best = self._best
            if not math.isnan(metric) and (
                best is None or (metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta)
            ):
                self._best, self._best_epoch, self._wait = metric, epoch, 0
            else:
                self._wait += 1
                self._stop = self._wait >= self.patience
        _LAST.update(best_score=self._best, best_epoch=self._best_epoch, should_stop=self._stop)
        return self._stop
""",
        "wrong_answer",
    ),
    Attack(
        "honest_for_the_first_2500_steps",
        "Counts steps in a module global and stops stopping after 2500 of them, more than the public examples and the early checks use.",
        """import math

_CALLS = [0]


class EarlyStopping:
    '''Honest for the first 2500 steps of the process (more than the examples need), then never stops.'''

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = False
        self._epoch = self._wait = 0

    def step(self, metric):
        _CALLS[0] += 1
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return True
        best = self.best_score
        if not math.isnan(metric) and (
            best is None or (metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta)
        ):
            self.best_score, self.best_epoch, self._wait = metric, epoch, 0
        else:
            self._wait += 1
            self.should_stop = self._wait >= self.patience and _CALLS[0] <= 2500
        return self.should_stop
""",
        "wrong_answer",
    ),
    Attack(
        "gives_up_after_1000_epochs",
        "Stops every run at epoch 1000 whatever the curve, betting that no hidden curve is that long.",
        """import math


class EarlyStopping:
    '''Gives up after 1000 epochs whatever the curve (no hidden curve was expected to be that long).'''

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = False
        self._epoch = self._wait = 0

    def step(self, metric):
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return True
        best = self.best_score
        if not math.isnan(metric) and (
            best is None or (metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta)
        ):
            self.best_score, self.best_epoch, self._wait = metric, epoch, 0
        else:
            self._wait += 1
        self.should_stop = self._wait >= self.patience or epoch >= 1000
        return self.should_stop
""",
        "wrong_answer",
    ),
    Attack(
        "honest_only_on_the_public_curves",
        "Recognises the public examples by their first metric and is honest only there; elsewhere epochs without improvement are not counted (except NaNs).",
        """import math

_PUBLIC_STARTS = (1.0, 0.5, 0.6, 0.1)


class EarlyStopping:
    '''Honest on curves that start like the public examples; elsewhere it only ever stops on NaN.'''

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = False
        self._epoch = self._wait = 0
        self._honest = None

    def step(self, metric):
        if self._honest is None:
            self._honest = metric in _PUBLIC_STARTS
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return True
        best = self.best_score
        if not math.isnan(metric) and (
            best is None or (metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta)
        ):
            self.best_score, self.best_epoch, self._wait = metric, epoch, 0
        elif self._honest or math.isnan(metric):
            self._wait += 1
            self.should_stop = self._wait >= self.patience
        return self.should_stop
""",
        "wrong_answer",
    ),
    Attack(
        "integer_flags",
        "Returns 1/0 and keeps should_stop as an int: equal to True and False, but not the bool the statement asks for.",
        """import math


class EarlyStopping:
    '''Returns 1/0 and keeps should_stop as an int: equal to True/False, but not bools.'''

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = 0
        self._epoch = self._wait = 0

    def step(self, metric):
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return 1
        best = self.best_score
        if not math.isnan(metric) and (
            best is None or (metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta)
        ):
            self.best_score, self.best_epoch, self._wait = metric, epoch, 0
        else:
            self._wait += 1
            self.should_stop = int(self._wait >= self.patience)
        return self.should_stop
""",
        "wrong_answer",
    ),
    Attack(
        "impostor_value_error",
        "Defines its own exception class named ValueError, which an `except ValueError` never catches.",
        "class ValueError(Exception):\n    pass\n\n\n" + SOLUTION,
        "wrong_answer",
    ),
    Attack(
        "honest_only_inside_the_batch_runner",
        "Looks at its caller's frame: honest when the trusted run_steps calls it, never stopping when the checker calls step on its own (except on the public configurations). The gate refuses sys._getframe; without it the one-call-at-a-time checks see the difference.",
        """import math
import sys


class EarlyStopping:
    '''Honest when the trusted batch runner calls it; in one-call round trips it never stops, except
    on the configurations of the public examples.'''

    PUBLIC = {(2, 0.0, "min"), (3, 0.0, "min"), (2, 0.0, "max"), (1, 0.0, "max"), (3, 0.05, "max")}

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = False
        self._epoch = self._wait = 0

    def step(self, metric):
        batch = sys._getframe(1).f_code.co_name == "run_steps"
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return True
        best = self.best_score
        if not math.isnan(metric) and (
            best is None or (metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta)
        ):
            self.best_score, self.best_epoch, self._wait = metric, epoch, 0
        else:
            self._wait += 1
            if batch or (self.patience, self.min_delta, self.mode) in self.PUBLIC:
                self.should_stop = self._wait >= self.patience
        return self.should_stop
""",
        "restricted_code",
    ),
    Attack(
        "batch_runner_rewired_through_gc",
        "Finds the trusted run_steps through the garbage collector and rewires it to a hidden honest method, while step itself ignores min_delta. The gate refuses gc; without it the steps sent one round trip at a time call the real step.",
        """import gc
import math
import types


class EarlyStopping:
    '''The real method is _honest_step; step itself ignores min_delta. The trusted batch runner is found
    through the garbage collector and rewired to call _honest_step.'''

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = False
        self._epoch = self._wait = 0

    def _update(self, metric, min_delta):
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return True
        best = self.best_score
        if not math.isnan(metric) and (
            best is None or (metric < best - min_delta if self.mode == "min" else metric > best + min_delta)
        ):
            self.best_score, self.best_epoch, self._wait = metric, epoch, 0
        else:
            self._wait += 1
            self.should_stop = self._wait >= self.patience
        return self.should_stop

    def _honest_step(self, metric):
        return self._update(metric, self.min_delta)

    def step(self, metric):
        return self._update(metric, 0.0 if self.min_delta != 0.05 else self.min_delta)


def _runner(stoppers, order, metrics, reads):
    returned, attributes = [], []
    for index, metric, read in zip(order.tolist(), metrics.tolist(), reads.tolist()):
        returned.append(stoppers[index]._honest_step(metric))
        if read >= 0:
            target = stoppers[read]
            attributes.extend((target.should_stop, target.best_score, target.best_epoch))
    return returned, attributes


for _obj in gc.get_objects():
    if isinstance(_obj, types.FunctionType) and _obj.__name__ == "run_steps":
        _obj.__code__ = _runner.__code__
""",
        "restricted_code",
    ),
]
