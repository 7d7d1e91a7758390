"""White-box attacks on the early-stopping checks (exercises/early-stopping/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "early-stopping"
SOLUTION = exercise_file(SLUG, "solution.py")

# A right EarlyStopping around a wrong improvement test: the attacks built with threshold() differ only in the last
# lines of _improves (there ``metric`` is not NaN and ``best``, the best score so far, is not None).
THRESHOLD_TEMPLATE = """{imports}

class EarlyStopping:
    '''Right everywhere except in its improvement test.'''

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = False
        self._epoch = self._wait = 0

    def _improves(self, metric):
        if math.isnan(metric):
            return False
        best = self.best_score
        if best is None:
            return True
{test}

    def step(self, metric):
        epoch = self._epoch
        self._epoch += 1
        if self.should_stop:
            return True
        if self._improves(metric):
            self.best_score, self.best_epoch, self._wait = metric, epoch, 0
        else:
            self._wait += 1
            self.should_stop = self._wait >= self.patience
        return self.should_stop
"""
NUMPY = "import math\n\nimport numpy as np\n"


def threshold(test, imports="import math\n"):
    """A submission whose improvement test ends with ``test`` (lines indented by eight spaces)."""
    return THRESHOLD_TEMPLATE.format(imports=imports, test=test)


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
    Attack(
        "float32_comparisons",
        "Compares metric, best and min_delta as float32: right on the dyadic grids of the min_delta curves, but an improvement of one or two float64 ulps vanishes.",
        threshold(
            """        m, b, d = np.float32(metric), np.float32(best), np.float32(self.min_delta)
        return bool(m < b - d) if self.mode == "min" else bool(m > b + d)""",
            NUMPY,
        ),
        "wrong_answer",
    ),
    Attack(
        "float32_only_when_min_delta",
        "Compares in float32 only when min_delta is not 0: exact on the ulp curves (all with min_delta 0), wrong for a gain beyond a nonzero min_delta by less than a float32 ulp.",
        threshold(
            """        if self.min_delta:
            m, b, d = np.float32(metric), np.float32(best), np.float32(self.min_delta)
            return bool(m < b - d) if self.mode == "min" else bool(m > b + d)
        return metric < best if self.mode == "min" else metric > best""",
            NUMPY,
        ),
        "wrong_answer",
    ),
    Attack(
        "gain_isclose_to_min_delta_is_not_an_improvement",
        "A floating-point guard: a gain math.isclose to min_delta counts as exactly min_delta. Wrong for gains just above a nonzero min_delta; unseen while every gain above it exceeds it by a grid step (min_delta/32 or more).",
        threshold(
            """        # a gain only float noise away from min_delta counts as exactly min_delta
        gain = best - metric if self.mode == "min" else metric - best
        return gain > self.min_delta and not math.isclose(gain, self.min_delta)"""
        ),
        "wrong_answer",
    ),
    Attack(
        "min_delta_with_relative_epsilon",
        "Raises the bar to min_delta * (1 + 1e-9): exact with min_delta 0; with min_delta > 0 a gain beyond it by less than a billionth of it does not improve.",
        threshold(
            """        delta = self.min_delta * (1 + 1e-9)
        return metric < best - delta if self.mode == "min" else metric > best + delta"""
        ),
        "wrong_answer",
    ),
    Attack(
        "min_delta_with_absolute_epsilon",
        "Adds 1e-12 to a nonzero min_delta: a gain beyond min_delta by less than 1e-12 does not improve.",
        threshold(
            """        delta = self.min_delta + 1e-12 if self.min_delta else 0.0
        return metric < best - delta if self.mode == "min" else metric > best + delta"""
        ),
        "wrong_answer",
    ),
    Attack(
        "relative_min_delta",
        "Reads min_delta as a fraction of the best score: improves only below best - min_delta * abs(best).",
        threshold(
            """        delta = self.min_delta * abs(best)
        return metric < best - delta if self.mode == "min" else metric > best + delta"""
        ),
        "wrong_answer",
    ),
    Attack(
        "exact_min_delta_improves_unless_zero",
        "Uses <= when min_delta is not 0 (a change of exactly min_delta improves) and < when it is 0, so ties with min_delta 0 stay right.",
        threshold(
            """        if self.min_delta == 0:
            return metric < best if self.mode == "min" else metric > best
        return metric <= best - self.min_delta if self.mode == "min" else metric >= best + self.min_delta"""
        ),
        "wrong_answer",
    ),
    Attack(
        "rounds_to_12_decimals",
        "Rounds metric and best to 12 decimals before comparing: one-ulp improvements become ties.",
        threshold(
            """        m, b = round(metric, 12), round(best, 12)
        return m < b - self.min_delta if self.mode == "min" else m > b + self.min_delta"""
        ),
        "wrong_answer",
    ),
    Attack(
        "fifteen_significant_digits",
        "Compares the metrics as printed with 15 significant digits: one-ulp improvements become ties.",
        threshold(
            """        m, b = float(f"{metric:.15g}"), float(f"{best:.15g}")
        return m < b - self.min_delta if self.mode == "min" else m > b + self.min_delta"""
        ),
        "wrong_answer",
    ),
    Attack(
        "changes_within_four_ulps_are_ties",
        "Takes a change of at most four ulps of the best for a tie (float noise): improvements of one or two ulps are missed.",
        threshold(
            """        if abs(metric - best) <= 4 * math.ulp(best):
            return False
        return metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta"""
        ),
        "wrong_answer",
    ),
    Attack(
        "math_isclose_ties",
        "Takes a metric math.isclose to the best (relative 1e-9) for a tie: small real improvements with min_delta 0 are missed.",
        threshold(
            """        if math.isclose(metric, best):
            return False
        return metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta"""
        ),
        "wrong_answer",
    ),
    Attack(
        "np_isclose_ties_beyond_two_ulps",
        "np.isclose ties, except changes of one or two ulps, the only near ties the min_delta=0 curves used to have: wrong for improvements from 3 ulps to 1e-5 relative.",
        threshold(
            """        # exact within two ulps (the ulp curves), np.isclose ties beyond
        if np.isclose(metric, best) and abs(metric - best) > 2 * math.ulp(best):
            return False
        return metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta""",
            NUMPY,
        ),
        "wrong_answer",
    ),
    Attack(
        "math_isclose_ties_beyond_two_ulps",
        "math.isclose ties (relative 1e-9), except changes of one or two ulps: no check used to have near ties between 3 ulps and 1e-9 relative.",
        threshold(
            """        # exact within two ulps (the ulp curves), math.isclose ties beyond
        if math.isclose(metric, best) and abs(metric - best) > 2 * math.ulp(best):
            return False
        return metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta"""
        ),
        "wrong_answer",
    ),
    Attack(
        "np_isclose_ties_after_epoch_12",
        "Exact for an instance's first 12 epochs (past any patience of the ulp curves, whose forced improvement comes within patience), np.isclose ties after.",
        threshold(
            """        if self._epoch > 12 and np.isclose(metric, best):
            return False
        return metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta""",
            NUMPY,
        ),
        "wrong_answer",
    ),
    Attack(
        "np_isclose_ties_after_epoch_50",
        "Exact for an instance's first 50 epochs (longer than the ulp curves used to be), np.isclose ties after: only long runs with min_delta 0 could see it.",
        threshold(
            """        if self._epoch > 50 and np.isclose(metric, best):
            return False
        return metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta""",
            NUMPY,
        ),
        "wrong_answer",
    ),
    Attack(
        "np_isclose_ties_after_epoch_200",
        "Exact for an instance's first 200 epochs, np.isclose ties after: only the long runs go that far, and they see it only when one has min_delta 0.",
        threshold(
            """        if self._epoch > 200 and np.isclose(metric, best):
            return False
        return metric < best - self.min_delta if self.mode == "min" else metric > best + self.min_delta""",
            NUMPY,
        ),
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "signed_best_property",
        "One comparison for both modes on sign * metric, best held as -inf until the first real value with best_score a property (None until then), NaN detected by metric == metric.",
        """import math


class EarlyStopping:
    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode == "min":
            self._sign = -1.0
        elif mode == "max":
            self._sign = 1.0
        else:
            raise ValueError(f"unknown mode {mode!r}")
        self.patience = patience
        self.min_delta = min_delta
        self._best = -math.inf  # best metric times sign: higher is better
        self.best_epoch = None
        self.should_stop = False
        self._epochs = 0
        self._since_best = 0

    @property
    def best_score(self):
        return None if self.best_epoch is None else self._sign * self._best

    def step(self, metric):
        epoch, self._epochs = self._epochs, self._epochs + 1
        if self.should_stop:
            return True
        score = self._sign * metric
        if metric == metric and (self.best_epoch is None or score > self._best + self.min_delta):
            self._best, self.best_epoch, self._since_best = score, epoch, 0
        else:
            self._since_best += 1
            self.should_stop = self._since_best >= self.patience
        return self.should_stop
""",
    ),
    Correct(
        "keras_shifted_history",
        "Keras-style test metric + min_delta < best (min) / metric - min_delta > best (max), epochs counted by a history list, patience from epoch - best_epoch instead of a counter.",
        """import math


class EarlyStopping:
    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in {"min", "max"}:
            raise ValueError("mode must be 'min' or 'max'")
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.history = []
        self.best_score = None
        self.best_epoch = None
        self.should_stop = False

    def _better(self, metric):
        # Keras style: compare the metric shifted by min_delta with the best.
        if self.mode == "min":
            return metric + self.min_delta < self.best_score
        return metric - self.min_delta > self.best_score

    def step(self, metric):
        self.history.append(metric)
        if not self.should_stop:
            epoch = len(self.history) - 1
            if not math.isnan(metric) and (self.best_score is None or self._better(metric)):
                self.best_score, self.best_epoch = metric, epoch
            elif epoch - (self.best_epoch if self.best_epoch is not None else -1) >= self.patience:
                self.should_stop = True
        return self.should_stop
""",
    ),
]
