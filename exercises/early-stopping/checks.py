"""Hidden checks for early stopping.

Every hidden case is drawn from ``rng`` (seeded from a secret fresh for each grading): configurations
across the contract's range (both modes, patience from 1 to a few hundred, ``min_delta`` zero or not)
and validation curves of several shapes, with plateaus, exact ties, changes of exactly ``min_delta``,
one-ulp improvements, NaNs, and runs of thousands of epochs. A submission cannot recognise or memorise
them. Public checks (the examples learners run) use fixed inputs.

After every step the learner's return value, and at many steps ``should_stop``, ``best_score`` and
``best_epoch``, are compared with ``Reference``, run here on the trusted side. ``best_score`` and
``best_epoch`` are compared up to the step that stops training (the statement leaves them free after).

Hidden state is looked for from outside: several instances are alive at once (identical configurations
and identical first metrics among them), some constructed after others have started, stepped in a
random interleaved order, with the attributes of one instance often read right after another one
stepped; the same curves are replayed in another order in a fresh process; and runs are long.

Steps travel two ways. Most go in batches through ``run_steps`` (trusted code in the learner's
process, below), which calls ``step`` and reads the attributes (NumPy scalars turned into Python ones
with ``item()``, which keeps their kind); every value it sends back is checked here. Because that code
shares the learner's process, one check sends every call on its own round trip (the learner's methods
called by the sandbox's server), and the batched checks send random windows of steps that way too,
late in long runs included: a submission cannot behave one way for the batches and another for
single calls without being seen.

No rounding question can arise: when ``min_delta`` is not 0, every metric and ``min_delta`` are
multiples of a power of two small enough that ``best - min_delta`` is exact, and when it is 0 no
arithmetic is needed. Nothing is statistical: a correct solution is never rejected.
"""

import math

import numpy as np

from grader.harness import CheckFailed, LearnerError, check, describe, drawing, figure

ENVIRONMENT = """
import numpy as np


def plain(value):
    # NumPy scalars travel as .npy blobs, far slower than JSON; item() keeps the kind (bool, int, float).
    return value.item() if isinstance(value, np.generic) else value


def run_steps(stoppers, order, metrics, reads):
    # Flat lists, not a tuple per step: they cross the boundary several times faster.
    returned, attributes = [], []
    for index, metric, read in zip(order.tolist(), metrics.tolist(), reads.tolist()):
        returned.append(plain(stoppers[index].step(metric)))
        if read >= 0:
            target = stoppers[read]
            attributes.extend((plain(target.should_stop), plain(target.best_score), plain(target.best_epoch)))
    return returned, attributes
"""

ATTRIBUTES = ("should_stop", "best_score", "best_epoch")
# Steps of a window sent one round trip per call (at most), and steps per batch of run_steps.
DIRECT_STEPS = 10
BATCH_STEPS = 5000


class Reference:
    """The specified behaviour, run on the trusted side."""

    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        if mode not in ("min", "max"):
            raise ValueError(mode)
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.best_score = self.best_epoch = None
        self.should_stop = False
        self.epoch = self.wait = 0

    def improves(self, metric):
        if math.isnan(metric):
            return False
        if self.best_score is None:
            return True
        if self.mode == "min":
            return metric < self.best_score - self.min_delta
        return metric > self.best_score + self.min_delta

    def step(self, metric):
        epoch = self.epoch
        self.epoch += 1
        if self.should_stop:
            return True
        if self.improves(metric):
            self.best_score, self.best_epoch, self.wait = metric, epoch, 0
        else:
            self.wait += 1
            self.should_stop = self.wait >= self.patience
        return self.should_stop


def _format_metric(metric):
    return "nan" if math.isnan(metric) else repr(metric)


def _format_metrics(metrics, limit=40):
    shown = [_format_metric(m) for m in metrics[-limit:]]
    skipped = f"... {len(metrics) - limit} earlier values, " if len(metrics) > limit else ""
    return "[" + skipped + ", ".join(shown) + "]"


def _format_config(config):
    return "EarlyStopping(" + ", ".join(f"{key}={value!r}" for key, value in config.items()) + ")"


def _error_dict(error):
    return {
        "type": error.type,
        "kinds": error.kinds,
        "message": error.message,
        "line": error.line,
        "traceback": error.traceback,
    }


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _same_score(got, expected):
    if expected is None:
        return got is None
    number = isinstance(got, (float, int, np.floating, np.integer)) and not _is_bool(got)
    return number and got == expected


def _same_epoch(got, expected):
    if expected is None:
        return got is None
    return isinstance(got, (int, np.integer)) and not _is_bool(got) and got == expected


class Run:
    """Instances of the learner's class in one process, each with its reference, driven by a plan.

    A plan is a list of events: ``("new", i)`` constructs instance ``i`` (``configs[i]``), and
    ``("step", i, metric, target)`` steps instance ``i``, then, unless ``target`` is -1, reads the three
    attributes of instance ``target`` (the same instance or another one).
    """

    def __init__(self, learner, configs, context, seen=None):
        # seen(steps, rows): shown each window of direct calls' results before they are judged (to draw them).
        self.seen = seen
        self.learner = learner
        self.configs = configs
        self.context = context
        self.handles = [None] * len(configs)
        self.references = [None] * len(configs)
        self.fed = [[] for _ in configs]

    def play(self, plan, rng, windows=0):
        """Play ``plan``, sending steps in batches through ``run_steps``, except ``windows`` windows of up
        to ``DIRECT_STEPS`` steps (one at a random place in each equal part of the plan's steps), sent
        one round trip per call; ``windows=None`` sends every step on its own round trip."""
        steps = [position for position, event in enumerate(plan) if event[0] == "step"]
        direct = set(steps) if windows is None else set()
        for part in range(windows or 0):
            low, high = len(steps) * part // windows, len(steps) * (part + 1) // windows
            if high > low:
                start = int(rng.integers(low, high))
                direct.update(steps[start : min(high, start + int(rng.integers(1, DIRECT_STEPS + 1)))])
        position = 0
        while position < len(plan):
            if plan[position][0] == "new":
                self._construct(plan[position][1])
                position += 1
                continue
            end = position + 1
            while end < len(plan) and plan[end][0] == "step" and ((end in direct) == (position in direct)):
                end += 1
            if position in direct:
                # Attributes cost three round trips: read them at a window's end, and now and then.
                self._direct(
                    [
                        (*event[:3], event[3] if number == end - 1 or windows is None or rng.random() < 0.3 else -1)
                        for number, event in enumerate(plan[position:end], position)
                    ]
                )
            else:
                self._batch(plan[position:end])
            position = end

    def _construct(self, index):
        config = self.configs[index]
        try:
            self.handles[index] = self.learner.new("EarlyStopping", **config)
        except LearnerError as error:
            raise LearnerError(f"{self.context}: {_format_config(config)}", _error_dict(error)) from None
        self.references[index] = Reference(**config)

    def _batch(self, steps):
        for start in range(0, len(steps), BATCH_STEPS):
            part = steps[start : start + BATCH_STEPS]
            involved = sorted({event[1] for event in part} | {event[3] for event in part if event[3] >= 0})
            slot = {index: position for position, index in enumerate(involved)}
            try:
                trace = self.learner.environment(
                    "run_steps",
                    [self.handles[index].handle for index in involved],
                    np.array([slot[event[1]] for event in part], dtype=np.int64),
                    np.array([event[2] for event in part], dtype=np.float64),
                    np.array([slot[event[3]] if event[3] >= 0 else -1 for event in part], dtype=np.int64),
                )
            except LearnerError as error:
                raise self._crash(part, error) from None
            self._compare(part, self._rows(part, trace), "steps run in a batch")

    def _rows(self, part, trace):
        """One row per step from run_steps' flat lists: the return value, or it and the attributes read."""
        # run_steps is trusted code, but it shares the learner's process: its answer's shape is checked too.
        reads = sum(1 for event in part if event[3] >= 0)
        if not (isinstance(trace, tuple) and len(trace) == 2 and all(isinstance(item, list) for item in trace)):
            raise CheckFailed(f"{self.context}: the steps' results could not be read, got {describe(trace)}")
        returned, attributes = trace
        if len(returned) != len(part) or len(attributes) != 3 * reads:
            raise CheckFailed(f"{self.context}: the steps' results could not be read (wrong lengths)")
        rows, position = [], 0
        for event, value in zip(part, returned, strict=True):
            if event[3] >= 0:
                rows.append((value, *attributes[position : position + 3]))
                position += 3
            else:
                rows.append(value)
        return rows

    def _direct(self, steps):
        rows = []
        for event in steps:
            try:
                returned = self.handles[event[1]].call("step", event[2])
                if event[3] >= 0:
                    target = self.handles[event[3]]
                    returned = (returned, *(target.get(name) for name in ATTRIBUTES))
            except LearnerError as error:
                raise self._crash([event], error) from None
            rows.append(returned)
        if self.seen is not None:
            with drawing():
                self.seen(steps, rows)
        self._compare(steps, rows, "one round trip per call")

    def _crash(self, part, error):
        """The learner's exception, said in terms of the steps that were running (a runtime error)."""
        indices = sorted({event[1] for event in part})
        configs = "; ".join(f"instance {index}: {_format_config(self.configs[index])}" for index in indices[:5])
        where = (
            f"{self.context}: during {len(part)} step(s) of instance(s) {indices} ({configs}), step or reading "
            "should_stop, best_score, best_epoch"
        )
        return LearnerError(where, _error_dict(error))

    def _compare(self, part, rows, route):
        for event, row in zip(part, rows, strict=True):
            _, index, metric, target = event
            reference = self.references[index]
            # best_score and best_epoch are free once training has stopped (the stopping step excluded).
            free = (reference if target == index else self.references[target]).should_stop if target >= 0 else True
            expected = reference.step(metric)
            self.fed[index].append(metric)
            # The common case first: a plain bool, as expected, and no attributes read.
            if target < 0 and type(row) is bool and row == expected:
                continue
            problem = self._problem(row, expected, None if target < 0 else self.references[target], free)
            if problem:
                read = "" if target in (-1, index) else f" (attributes read from instance {target})"
                raise CheckFailed(
                    f"{self.context} ({route}): instance {index} of {len(self.configs)}, "
                    f"{_format_config(self.configs[index])}, after step {reference.epoch - 1} (metric "
                    f"{_format_metric(metric)}){read}: {problem}.\nMetrics fed to instance {index}: "
                    f"{_format_metrics(self.fed[index])}"
                )

    @staticmethod
    def _problem(row, expected, target, free):
        """What is wrong with one step's results, or ``None``."""
        if target is not None and not (isinstance(row, tuple) and len(row) == 4):
            return f"the step's results could not be read, got {describe(row)}"
        returned = row if target is None else row[0]
        if not _is_bool(returned):
            return f"step returned {describe(returned)}; it must return a bool"
        if bool(returned) != expected:
            return f"step returned {bool(returned)}, expected {expected}"
        if target is None:
            return None
        should_stop, best_score, best_epoch = row[1:]
        if not _is_bool(should_stop) or bool(should_stop) != target.should_stop:
            return f"should_stop is {describe(should_stop)}, expected {target.should_stop}"
        if free:
            return None
        if not _same_score(best_score, target.best_score):
            return f"best_score is {describe(best_score)}, expected {target.best_score!r}"
        if not _same_epoch(best_epoch, target.best_epoch):
            return f"best_epoch is {describe(best_epoch)}, expected {target.best_epoch!r}"
        return None


def _sequential_plan(curves):
    """Every instance constructed, then each fed its whole curve, one instance after the other."""
    plan = [("new", index) for index in range(len(curves))]
    for index, curve in enumerate(curves):
        plan += [("step", index, metric, -1) for metric in curve]
    return plan


def _interleaved_plan(rng, curves):
    """All curves, each in its own order, in a random interleaving. Most instances are constructed
    first; up to three only just before their first step, after the others have started."""
    owners = np.repeat(np.arange(len(curves)), [len(curve) for curve in curves])
    rng.shuffle(owners)
    order = rng.permutation(len(curves)).tolist()
    late = set(order[:3])
    plan = [("new", index) for index in order if index not in late]
    next_step = [0] * len(curves)
    for owner in owners.tolist():
        if owner in late:
            plan.append(("new", owner))
            late.discard(owner)
        plan.append(("step", owner, curves[owner][next_step[owner]], -1))
        next_step[owner] += 1
    return plan + [("new", index) for index in sorted(late)]  # instances with no steps


def _with_reads(rng, plan, share=1.0, elsewhere=0.25):
    """The plan with attributes read after a ``share`` of the steps: usually the stepped instance's,
    and with probability ``elsewhere`` another constructed instance's."""
    constructed, result = [], []
    draws = rng.random((len(plan), 3)).tolist()
    for event, (read, other, pick) in zip(plan, draws, strict=True):
        if event[0] == "new":
            constructed.append(event[1])
        elif read < share:
            target = constructed[int(pick * len(constructed))] if other < elsewhere else event[1]
            event = (*event[:3], target)
        result.append(event)
    return result


def _play(learner, configs, plan, rng, context, windows=0, seen=None):
    Run(learner, configs, context, seen).play(plan, rng, windows)


def _draw_single_run(config, curve, rows):
    """The curve one instance was fed, with the best and stop epochs: the reference's, and the learner's
    (its first step that returned True, and best_epoch as read at that step)."""
    reference, stop = Reference(**config), None
    for epoch, metric in enumerate(curve):
        if reference.step(metric) and stop is None:
            stop = epoch
    returned = [row[0] if isinstance(row, tuple) and row else row for row in rows]
    yours = next((epoch for epoch, value in enumerate(returned) if _is_bool(value) and value), None)
    read = rows[len(rows) - 1 if yours is None else yours] if rows else None
    best = read[3] if isinstance(read, tuple) and len(read) == 4 else None
    best = int(best) if isinstance(best, (int, np.integer)) and not _is_bool(best) else None
    markers = [
        {"x": reference.best_epoch, "label": "best epoch, expected", "learner": False},
        {"x": best, "label": "best epoch, yours (read when step first returned True)", "learner": True},
        {"x": stop, "label": "stop epoch (step first returns True), expected", "learner": False},
        {"x": yours, "label": "stop epoch, yours", "learner": True},
    ]
    series = [{"name": "validation metric fed to step", "values": curve, "learner": False}]
    figure(
        "lines",
        {"x_label": "epoch", "y_label": "metric", "x": list(range(len(curve))), "series": series, "markers": markers},
        f"{_format_config(config)} fed {_format_metrics(curve)}: expected best epoch {reference.best_epoch} and "
        f"step returning True first at epoch {stop}; yours: best epoch {best}, step returning True first at epoch "
        f"{yours}. Your step returned {[value if _is_bool(value) else describe(value, 20) for value in returned]}.",
    )


# Fresh cases


class Case:
    """A configuration and its curve. ``grid`` is the power of two every metric and ``min_delta`` are
    multiples of (0: any float, and then ``min_delta`` is 0), so the comparisons are exact."""

    def __init__(self, rng, *, max_length=120, length=None, mode=None, patience=None, kind=None, improve_until=0):
        mode = mode or ("min", "max")[int(rng.integers(2))]
        if patience is None:
            patience = int(rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 15, 25]))
        self.scale = 10.0 ** rng.uniform(-2, 3)
        self.grid = 0.0
        min_delta = 0.0
        if rng.random() < 0.7:
            self.grid = 2.0 ** (math.floor(math.log2(self.scale)) - int(rng.integers(2, 14)))
            if rng.random() < 0.75:
                min_delta = float(max(1, round(self.scale * 10.0 ** rng.uniform(-3, -0.5) / self.grid)) * self.grid)
        self.config = {"patience": patience, "min_delta": min_delta, "mode": mode}
        length = length if length is not None else int(rng.integers(1, max_length + 1))
        self.curve = self.metrics(rng, length, kind, improve_until)

    def metrics(self, rng, length, kind=None, improve_until=0):
        """A base curve on the grid, with ties, changes of exactly min_delta, the smallest improvements
        and NaNs placed by walking the reference along it. Before epoch ``improve_until`` an improvement
        is forced whenever the next epoch would otherwise stop training."""
        config, grid = self.config, self.grid
        sign = 1.0 if config["mode"] == "max" else -1.0
        curve = -sign * _base_curve(rng, length, self.scale, kind)
        if grid:
            curve = np.round(curve / grid) * grid
        nan_share = float(rng.choice([0.0, 0.0, 0.05, 0.2]))
        # What each step becomes: -1 NaN, 0 a tie with the best, 1 a change of exactly min_delta (no
        # improvement), 2 the smallest improvement, 3 an earlier metric, 4 the curve's own value.
        kinds = np.where(rng.random(length) < rng.uniform(0.0, 0.3), rng.integers(0, 4, size=length), 4)
        kinds = np.where(rng.random(length) < nan_share, -1, kinds).tolist()
        picks = rng.random(length).tolist()
        reference, metrics = Reference(**config), []
        for value, kind, pick in zip(curve.tolist(), kinds, picks, strict=True):
            best = reference.best_score
            if reference.epoch < improve_until and reference.wait >= config["patience"] - 1:
                if best is not None:
                    value = best + sign * (config["min_delta"] + grid if grid else abs(best) * 1e-6 + 1e-9)
            elif kind == -1:
                value = math.nan
            elif best is None or kind == 4:
                pass
            elif kind == 0:
                value = best
            elif kind == 1:
                value = best + sign * config["min_delta"]
            elif kind == 2:
                # On the grid, one grid step beyond min_delta; off the grid (min_delta is 0), one ulp better.
                value = best + sign * (config["min_delta"] + grid) if grid else math.nextafter(best, sign * math.inf)
            else:
                value = metrics[int(pick * len(metrics))]
            metrics.append(float(value))
            reference.step(value)
        return metrics


def _base_curve(rng, length, scale, kind=None):
    """A validation loss (lower is better) of one of several shapes, around ``scale``."""
    t = np.arange(length, dtype=float)
    kind = int(rng.integers(5)) if kind is None else kind
    noise = scale * 10.0 ** rng.uniform(-3, -0.5) * rng.standard_normal(length)
    if kind == 0:  # improves, then overfits
        turn = rng.uniform(0, max(length, 1))
        curve = scale * ((t - turn) / max(length, 1)) ** 2 + noise
    elif kind == 1:  # decays towards a floor
        curve = scale * np.exp(-t / rng.uniform(1, max(length, 2))) + noise
    elif kind == 2:  # a random walk with a drift either way
        curve = np.cumsum(scale * rng.uniform(-0.05, 0.05) + noise)
    elif kind == 3:  # long plateaus broken by a few drops
        drops = rng.random(length) < rng.uniform(0.02, 0.3)
        curve = scale * (1 - 0.1 * np.cumsum(drops)) + noise * (rng.random(length) < 0.2)
    else:  # noise around a constant
        curve = scale + noise
    return curve + scale * rng.uniform(-2, 2)


def _unzip(cases):
    return [case.config for case in cases], [case.curve for case in cases]


# Public checks (fixed inputs)


@check("The worked example: patience 2 on a loss that turns back up", points=1, public=True)
def worked_example(learner, rng):
    configs, curve = [{"patience": 2}], [1.0, 0.8, 0.9, 0.85, 0.1]
    plan = _with_reads(rng, _sequential_plan([curve]))
    _play(
        learner,
        configs,
        plan,
        rng,
        "the worked example",
        windows=None,
        seen=lambda steps, rows: _draw_single_run(configs[0], curve, rows),
    )


@check("Starts with best_score, best_epoch None and should_stop False; defaults 3, 0.0, 'min'", points=1, public=True)
def initial_state_and_defaults(learner, rng):
    stopper = learner.new("EarlyStopping")
    state = {name: stopper.get(name) for name in ("best_score", "best_epoch", "should_stop")}
    should_stop = state["should_stop"]
    if state["best_score"] is not None or state["best_epoch"] is not None or not _is_bool(should_stop) or should_stop:
        raise CheckFailed(
            "EarlyStopping() before any step: expected best_score=None, best_epoch=None, should_stop=False; got "
            + ", ".join(f"{name}={describe(value)}" for name, value in state.items())
        )
    plan = _with_reads(rng, _sequential_plan([[0.5, 0.6, 0.7, 0.8, 0.4]]))
    _play(learner, [{}], plan, rng, "EarlyStopping() with defaults", windows=None)


@check("mode='max' for metrics where higher is better", points=1, public=True)
def max_mode(learner, rng):
    configs = [
        {"patience": 2, "mode": "max"},
        {"patience": 1, "mode": "max"},
        {"patience": 3, "min_delta": 0.05, "mode": "max"},
    ]
    curves = [[0.60, 0.70, 0.65, 0.72, 0.71, 0.69, 0.90], [0.1, 0.3, 0.2], [0.5, 0.52, 0.58, 0.6, 0.61, 0.62, 0.7]]
    plan = _with_reads(rng, _sequential_plan(curves), share=0.4)
    _play(learner, configs, plan, rng, "mode='max' examples", windows=None)


# Hidden checks (fresh cases from rng)


def _random_word(rng):
    letters = "abcdefghijklmnopqrstuvwxyz_ "
    return "".join(letters[int(i)] for i in rng.integers(0, len(letters), size=int(rng.integers(0, 9))))


@check("An unknown mode raises ValueError; 'min' and 'max' do not", points=1)
def unknown_mode(learner, rng):
    near = ["Min", "MAX", "min ", " max", "minimum", "maximise", "auto", "mi", "ax", "", "minmax"]
    modes = [str(rng.choice(near)) for _ in range(3)] + [_random_word(rng) for _ in range(3)]
    for mode in modes:
        if mode in ("min", "max"):
            continue
        patience, min_delta = int(rng.integers(1, 20)), float(rng.choice([0.0, 0.125]))
        call = f"EarlyStopping(patience={patience}, min_delta={min_delta}, mode={mode!r})"
        try:
            learner.new("EarlyStopping", patience=patience, min_delta=min_delta, mode=mode)
        except LearnerError as error:
            if not error.is_a("ValueError"):
                raise CheckFailed(f"{call} should raise ValueError, but raised {error.type}: {error.message}") from None
            continue
        raise CheckFailed(f"{call} should raise ValueError (mode must be 'min' or 'max'), but it returned")
    for mode in ("min", "max"):
        learner.new("EarlyStopping", int(rng.integers(1, 20)), 0.0, mode)


@check("Only a change larger than min_delta improves: ties, exactly min_delta and one-ulp changes", points=1)
def min_delta_threshold(learner, rng):
    configs, curves = [], []
    for index in range(8):
        mode = ("min", "max")[int(rng.integers(2))]
        # A dyadic min_delta and metrics on a finer dyadic grid: every difference below is exact.
        delta = 0.0 if index < 2 else float(int(rng.integers(1, 16)) * 2.0 ** int(rng.integers(-12, 5)))
        config = {"patience": int(rng.integers(2, 12)), "min_delta": delta, "mode": mode}
        configs.append(config)
        curves.append(
            _exact_changes(rng, config)
            if delta
            else _ulp_changes(rng, config, int(rng.integers(10, 40) if index == 0 else rng.integers(1000, 5000)))
        )
    _play(learner, configs, _with_reads(rng, _sequential_plan(curves)), rng, "changes close to min_delta")


def _exact_changes(rng, config, length=None):
    """A curve whose every step is a tie, a change of exactly min_delta, or one grid step more or less."""
    delta = config["min_delta"]
    grid = delta / 2.0 ** int(rng.integers(0, 6))
    sign = 1.0 if config["mode"] == "max" else -1.0
    reference = Reference(**config)
    metrics = [float(np.round(rng.uniform(-4, 4) / grid) * grid)]
    reference.step(metrics[0])
    steps = length or int(rng.integers(10, 40))
    # Far finer than the grid: about one ulp of the largest value the curve can reach (it moves at most 2 * delta a
    # step), so best - min_delta and best - metric stay exact, and a threshold with any tolerance is seen.
    tiny = 2.0 ** (math.frexp(4.0 + 2.0 * delta * (steps + 2))[1] - 53)
    changes = np.array([0.0, delta, delta - grid, delta + grid, 2 * delta, -grid, delta + tiny, delta - tiny])
    for change in rng.choice(changes, size=steps).tolist():
        metric = reference.best_score + sign * change
        metrics.append(metric)
        reference.step(metric)
    return metrics


def _boundary_run(rng, config, length):
    """A first metric, then changes of exactly min_delta, slightly less, or none: none improves, so
    training stops after exactly ``patience`` more steps; then ``length`` more of the same."""
    delta = config["min_delta"]
    grid = delta / 2.0 ** int(rng.integers(1, 6))
    sign = 1.0 if config["mode"] == "max" else -1.0
    start = float(np.round(rng.uniform(-4, 4) / grid) * grid)
    changes = rng.choice([delta, delta - grid, 0.0], size=config["patience"] + length)
    return [start] + [start + sign * change for change in changes.tolist()]


def _ulp_changes(rng, config, length):
    """With min_delta 0: ties with the best, and changes either way of 1 or 2 ulps or of 2**k ulps (up to about 1e-4
    relative). Until a late random epoch, whenever the next step could stop training it is an improvement instead,
    alternately of 1 or 2 ulps and of 4 to 2**21 ulps (about 1e-9 relative): a submission that takes near ties of
    any of these sizes for ties, at any epoch of the run, is seen."""
    sign = 1.0 if config["mode"] == "max" else -1.0
    reference = Reference(**config)
    metrics = [float(rng.uniform(-1, 1) * 10.0 ** rng.uniform(-3, 3))]
    reference.step(metrics[0])
    changes = rng.choice([0, 0, 1, 1, 2, -1], size=length)
    scales = np.where(rng.random(length) < 0.5, 2 ** rng.integers(2, 41, size=length), 1)
    improve_until, forced = int(rng.integers(length // 2, length + 1)), 0
    for epoch, ulps, scale in zip(range(1, length + 1), changes.tolist(), scales.tolist(), strict=True):
        if epoch < improve_until and reference.wait >= config["patience"] - 1:
            ulps, scale = (int(rng.integers(1, 3)), 1) if forced % 2 == 0 else (1, 2 ** int(rng.integers(2, 22)))
            forced += 1
        metric = reference.best_score
        if scale > 1:
            metric += sign * ulps * scale * math.ulp(metric)
        else:
            for _ in range(abs(ulps)):
                metric = math.nextafter(metric, sign * ulps * math.inf)
        metrics.append(metric)
        reference.step(metric)
    return metrics


@check("NaN never improves and counts towards patience; best stays None until the first real value", points=1)
def nan_metrics(learner, rng):
    configs, curves = [], []
    for index in range(8):
        case = Case(rng, max_length=40)
        if index == 0:
            case.config["patience"] = 1  # a NaN at epoch 0 stops training at once
        share = rng.uniform(0.2, 0.6)
        curve = [math.nan] * int(rng.integers(1 if index == 0 else 0, 4))
        curve += [math.nan if rng.random() < share else metric for metric in case.curve]
        if index == 1:
            curve = [math.nan] * (case.config["patience"] + int(rng.integers(0, 3)))  # only NaNs
        configs.append(case.config)
        curves.append(curve)
    _play(learner, configs, _with_reads(rng, _sequential_plan(curves)), rng, "curves with NaNs")


@check("Stopping is final: should_stop stays True and step keeps returning True", points=1)
def stop_is_final(learner, rng):
    configs, curves = [], []
    for _ in range(5):
        case = Case(rng, max_length=20, patience=int(rng.integers(1, 4)))
        sign = 1.0 if case.config["mode"] == "max" else -1.0
        # Repeating the last metric stops training; the large improvements after it must not restart it.
        stall = [case.curve[-1] if case.curve else 0.0] * (case.config["patience"] + 1)
        start = max([abs(m) for m in case.curve if not math.isnan(m)], default=0.0) + 1.0
        after = [sign * (start + 2.0**k) for k in range(int(rng.integers(3, 12)))]
        configs.append(case.config)
        curves.append(case.curve + stall + after)
    _play(learner, configs, _with_reads(rng, _sequential_plan(curves)), rng, "steps after stopping")


@check("Several instances used at once keep separate state, whatever the order of calls", points=2)
def instances_are_independent(learner, rng):
    cases = [Case(rng, max_length=50) for _ in range(int(rng.integers(4, 7)))]
    configs, curves = _unzip(cases)
    # A twin of the first instance: the same configuration and first metrics, then its own way.
    twin = cases[0]
    split = int(rng.integers(0, len(twin.curve) + 1))
    configs.append(dict(twin.config))
    curves.append(twin.curve[:split] + twin.metrics(rng, int(rng.integers(1, 50))))
    for context in ("instances stepped in turn", "the same curves in another order"):
        plan = _with_reads(rng, _interleaved_plan(rng, curves), elsewhere=0.5)
        _play(learner, configs, plan, rng, context, windows=1)
    # One instance stalls while another improves at every step, in strict alternation: a count of bad
    # epochs shared between instances is reset by the other one and never lets the first stop.
    patience, start, step = int(rng.integers(2, 6)), float(rng.uniform(0.5, 5.0)), float(rng.uniform(1e-3, 1e-2))
    length = patience + int(rng.integers(2, 6))
    pair = [[start] * length, [start - step * (k + 1) for k in range(length)]]
    plan = [("new", 0), ("new", 1)] + [("step", who, pair[who][k], -1) for k in range(length) for who in (0, 1)]
    config = {"patience": patience, "min_delta": 0.0, "mode": "min"}
    _play(learner, [config, dict(config)], _with_reads(rng, plan), rng, "one instance stalling, one improving", 1)


@check("Long runs: thousands of epochs and large patience", points=1)
def long_runs(learner, rng):
    # The first improves often enough never to stop; the second is free.
    length = int(rng.integers(1200, 2000))
    cases = [
        Case(rng, length=length, patience=int(rng.integers(30, 300)), kind=1, improve_until=length),
        Case(rng, length=int(rng.integers(1200, 2000)), patience=int(rng.integers(30, 300))),
    ]
    configs, curves = _unzip(cases)
    _play(learner, configs, _with_reads(rng, _interleaved_plan(rng, curves), share=0.2), rng, "long runs", windows=2)


@check("Matches a trusted reference on many fresh validation curves, in both modes", points=3)
def fresh_curves(learner, rng):
    configs, curves = _unzip([Case(rng, max_length=120) for _ in range(30)])
    plan = _with_reads(rng, _interleaved_plan(rng, curves), share=0.6)
    _play(learner, configs, plan, rng, "fresh validation curves", windows=2)


@check("The same curves give the same answers in a fresh process, in another order", points=1)
def fresh_process(learner, rng):
    configs, curves = _unzip([Case(rng, max_length=50) for _ in range(8)])
    _play(learner, configs, _with_reads(rng, _sequential_plan(curves)), rng, "curves fed one after the other", 1)
    plan = _with_reads(rng, _interleaved_plan(rng, curves))
    _play(learner.fresh(), configs, plan, rng, "the same curves, interleaved, in a fresh process", windows=1)


@check("One call at a time: fresh curves in both modes, stepped in turn", points=1)
def one_call_at_a_time(learner, rng):
    """Every call on its own round trip, none through run_steps: the batches' answers never stand alone."""
    cases = [Case(rng, max_length=10, patience=int(rng.integers(1, 4))) for _ in range(3)]
    configs, curves = _unzip(cases)
    # Stalls make the instances stop; a curve of exact changes, and a run of changes no larger than
    # min_delta (it must stop after exactly patience steps), test min_delta; NaNs appear in the first.
    curves = [curve + [curve[-1]] * int(rng.integers(0, 4)) for curve in curves]
    for curve_of, length in ((_exact_changes, 12), (_boundary_run, 3)):
        delta = float(int(rng.integers(1, 16)) * 2.0 ** int(rng.integers(-8, 4)))
        mode = ("min", "max")[int(rng.integers(2))]
        configs.append({"patience": int(rng.integers(2, 5)), "min_delta": delta, "mode": mode})
        curves.append(curve_of(rng, configs[-1], length=length))
    curves[0] = [math.nan if rng.random() < 0.3 else metric for metric in curves[0]]
    plan = _with_reads(rng, _interleaved_plan(rng, curves), share=0.15, elsewhere=0.5)
    _play(learner, configs, plan, rng, "one call at a time", windows=None)
