"""Hidden checks for training with early stopping.

The model lives in the learner's process: the environment builds it there from weights chosen here,
and ``fit`` receives it by handle. The data are tensors in memory shared with that process (read back
by this side after the call) or, at random, copies in the process's own memory like any user's
tensors (their values after the call come back), so code cannot behave only when graded. What
``fit`` returns is compared with a trusted replay computed here in NumPy (float32, the same
arithmetic as full-batch ``torch.optim.SGD`` on ``F.mse_loss``): the validation losses, the best and
the stopped epochs. The model left by ``fit`` is judged by behaviour only: its predictions on fresh
probe inputs (with autograd off and on) must be those of the replay's best epoch; its parameters are
never read. The data must be unchanged after every call.

Every hidden scenario is drawn from ``rng``, fresh for each grading: data, layer sizes and activations,
learning rate, ``max_epochs``, ``patience`` and ``min_delta``. A scenario is kept only if every
early-stopping decision it involves has a wide margin: each validation loss differs from the threshold
it is compared with (``best - min_delta``) by more than ``MARGIN`` of the loss, and no ReLU input comes
closer to 0 than ``KINK``. Two correct implementations (``optimizer.step()`` or a hand-written update,
``F.mse_loss`` or a hand-written mean, float32 or float64 losses) differ by float32 rounding, below
1e-5 of a loss over 60 epochs (measured), so no such difference can flip a decision; ``LOSS_RTOL``
and ``PREDICTION_RTOL`` absorb it. Scenarios are also kept only if they exercise what their check is
about: each check's scenario makes a known mistake (ignoring ``min_delta``, never resetting the
patience count, letting a NaN improve, ...) give another outcome, so the mistake cannot pass. Beyond
those (a red team got submissions wrong only outside them accepted in every grading; they are kept as
attacks), runs draw up to 1201 training and 401 validation rows, patience up to 16 with an early stop
and above max_epochs in a run of over 30 epochs, and ``many_runs`` makes up to nine fits in one round trip.

Not checked: whether the validation loss is computed under ``torch.no_grad()``. It changes no value,
and anything that could observe it would live in the learner's process; the statement gives it as
advice. Nothing is random in the learner's process, so no statistical test can reject a correct
solution; the one way a grading could fail it is a check not finding an acceptable scenario in its
200 draws, and the measured acceptance rates (a scenario needs 1 to 4 draws on average, at most 12 in
300 gradings) put that far below 1e-20.
"""

import itertools
import math
from typing import NamedTuple

import numpy as np
import torch

from grader.harness import CheckFailed, LearnerError, assert_close, check, describe, drawing, figure

ENVIRONMENT = '''
import sys

import torch

# Taken before the learner's code loads: reassigning torch.no_grad or Tensor.clone later changes the
# learner's code, not these.
_NO_GRAD, _TENSOR = torch.no_grad, torch.Tensor
_CLONE, _DETACH = torch.Tensor.clone, torch.Tensor.detach


def build_model(layers, params):
    """An nn.Sequential of Linear, Tanh and ReLU layers holding the given float32 parameters."""
    modules = []
    for layer in layers:
        if layer[0] == "linear":
            modules.append(torch.nn.Linear(layer[1], layer[2], bias=layer[3]))
        else:
            modules.append(torch.nn.Tanh() if layer[0] == "tanh" else torch.nn.ReLU())
    model = torch.nn.Sequential(*modules)
    with _NO_GRAD():
        for parameter, value in zip(model.parameters(), params, strict=True):
            parameter.copy_(value)
    return model


def _copy(value):
    return _CLONE(_DETACH(value)) if isinstance(value, _TENSOR) else value


def local(tensor):
    """A copy of ``tensor`` in the process's own memory, like any tensor a user makes."""
    return _CLONE(tensor)


def values(tensors):
    return [_copy(tensor) for tensor in tensors]


def predict(model, X):
    """What the model does now, as a user calls it: model(X) with autograd off, then on."""
    with _NO_GRAD():
        quiet = _copy(model(X))
    return quiet, _copy(model(X))


def fits(requests):
    """Calls of the learner's fit in one round trip, each on a new model and copies of the data: for each
    (layers, params, data, kwargs, probe), what fit returned and then the model's predictions on probe, or
    what fit raised."""
    fit = sys.modules["submission"].fit
    answers = []
    for layers, params, data, kwargs, probe in requests:
        model = build_model(layers, params)
        try:
            answer = fit(model, *[_CLONE(tensor) for tensor in data], **kwargs)
        except MemoryError:
            raise  # the whole request fails, and the runner reports the memory limit
        except Exception as error:
            answers.append(["raised", type(error).__name__, str(error)[:300]])
            continue
        with _NO_GRAD():
            answers.append(["returned", answer, _copy(model(probe))])
    return answers
'''

F32 = np.float32
LOSS_RTOL = 1e-4
PREDICTION_RTOL = 1e-4
MARGIN = 1e-3  # smallest relative gap between a loss and the threshold it is compared with
KINK = 1e-4  # smallest |input| of a ReLU
# A loss above this (or inf or NaN) only says "diverged": float32 overflow may come an epoch earlier
# or later, and as inf or NaN, depending on the order of operations, and no decision depends on it.
HUGE = 1e30
DATA = ("X_train", "y_train", "X_val", "y_val")


class Scenario(NamedTuple):
    story: str
    layers: tuple  # ("linear", fan_in, fan_out, bias), ("tanh",) or ("relu",)
    params: tuple  # float32 arrays, in the order of model.parameters()
    data: tuple  # X_train, y_train, X_val, y_val: float32 arrays
    lr: float
    max_epochs: int
    patience: int = 1
    min_delta: float = 0.0
    # Whether fit is called without min_delta (its default, 0.0, then applies).
    default_delta: bool = False

    def call_text(self) -> str:
        shapes = ", ".join(f"{name} {array.shape}" for name, array in zip(DATA, self.data, strict=True))
        delta = "" if self.default_delta else f", min_delta={self.min_delta!r}"
        return (
            f"fit(model, {shapes}, lr={self.lr!r}, max_epochs={self.max_epochs}, patience={self.patience}"
            f"{delta}) [{self.story}]"
        )


class Replay(NamedTuple):
    losses: list  # the validation loss after each of max_epochs epochs, ignoring early stopping
    states: list  # the parameters after each epoch
    kink: float  # the smallest |input| of a ReLU over every forward pass


class Run(NamedTuple):
    scenario: Scenario
    replay: Replay
    best_epoch: int
    stopped_epoch: int


# The trusted replay


def _forward(layers, params, X, track=None):
    """The network's output and what backpropagation needs; ``track[0]`` gets the smallest |ReLU input|."""
    h, saved, index = X, [], 0
    for layer in layers:
        if layer[0] == "linear":
            z = h @ params[index].T
            index += 1
            if layer[3]:
                z = z + params[index]
                index += 1
            saved.append(h)
            h = z
        elif layer[0] == "tanh":
            h = np.tanh(h)
            saved.append(h)
        else:
            if track is not None and h.size:
                track[0] = min(track[0], float(np.abs(h).min()))
            saved.append(h > 0)
            h = np.maximum(h, F32(0))
    return h, saved


def _backward(layers, params, saved, grad):
    grads, index = [None] * len(params), len(params)
    for layer, kept in zip(reversed(layers), reversed(saved), strict=True):
        if layer[0] == "linear":
            if layer[3]:
                index -= 1
                grads[index] = grad.sum(axis=0)
            index -= 1
            grads[index] = grad.T @ kept
            grad = grad @ params[index]
        elif layer[0] == "tanh":
            grad = grad * (F32(1) - kept * kept)
        else:
            grad = grad * kept
    return grads


def _replay(scenario: Scenario) -> Replay:
    """Every epoch: one step of full-batch SGD on the training MSE, then the validation MSE."""
    X, y, X_val, y_val = scenario.data
    params, lr, track = list(scenario.params), F32(scenario.lr), [math.inf]
    losses, states = [], []
    with np.errstate(all="ignore"):  # a diverging scenario overflows on purpose
        for _ in range(scenario.max_epochs):
            out, saved = _forward(scenario.layers, params, X, track)
            grads = _backward(scenario.layers, params, saved, F32(2) * (out - y) / F32(out.size))
            params = [p - lr * g for p, g in zip(params, grads, strict=True)]
            error = _forward(scenario.layers, params, X_val, track)[0] - y_val
            losses.append(float(np.square(error).sum(dtype=F32) / F32(error.size)))
            states.append(params)
    return Replay(losses, states, track[0])


def _early_stopping(losses, patience, min_delta, rule="keras"):
    """(best_epoch, stopped_epoch) under ``rule``: "keras" is the statement's; the others are known
    mistakes, used to keep only scenarios where a mistake changes the outcome."""
    best, best_epoch, wait, previous = math.inf, None, 0, math.inf
    for epoch, loss in enumerate(losses):
        if rule == "nan_improves":
            improved = not loss >= best - min_delta
        elif rule == "ignores_min_delta":
            improved = loss < best
        elif rule == "compares_with_previous":
            improved = loss < previous - min_delta
        else:
            improved = loss < best - min_delta
        previous = loss
        if improved:
            if rule != "compares_with_previous" or loss < best:
                best, best_epoch = loss, epoch
            if rule != "never_resets":
                wait = 0
        else:
            wait += 1
            if wait >= patience + (rule == "off_by_one"):
                return best_epoch, epoch
    return best_epoch, len(losses) - 1


def _margin(losses, min_delta, stopped):
    """The smallest relative gap between a loss and the threshold it was compared with, up to ``stopped``."""
    best, smallest = math.inf, math.inf
    for loss in losses[: stopped + 1]:
        if math.isfinite(best) and math.isfinite(loss) and loss <= HUGE:
            smallest = min(smallest, abs(loss - (best - min_delta)) / max(abs(loss), 1e-30))
        if loss < best - min_delta:
            best = loss
    return smallest


# Drawing scenarios


def _f32(array):
    return np.asarray(array, dtype=F32)


def _network(rng, d_in, d_out):
    """0 to 2 hidden layers of 2 to 12 units (tanh or ReLU), mostly with biases; scaled normal weights."""
    sizes = [d_in] + [int(rng.integers(2, 13)) for _ in range(int(rng.integers(0, 3)))] + [d_out]
    activation = ("tanh", "relu")[int(rng.integers(0, 2))]
    layers, params = [], []
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        bias = bool(rng.integers(0, 4))
        layers.append(("linear", fan_in, fan_out, bias))
        params.append(_f32(rng.standard_normal((fan_out, fan_in)) / math.sqrt(fan_in)))
        if bias:
            params.append(_f32(0.1 * rng.standard_normal(fan_out)))
        if index < len(sizes) - 2:
            layers.append((activation,))
    return tuple(layers), tuple(params)


def _describe_network(layers):
    sizes = [layers[0][1]] + [layer[2] for layer in layers if layer[0] == "linear"]
    activations = sorted({layer[0] for layer in layers if layer[0] != "linear"})
    return "-".join(map(str, sizes)) + (f" {activations[0]} network" if activations else " linear model")


def _teacher(rng, d_in, d_out):
    weights = rng.standard_normal((d_in, d_out))
    return lambda X: np.tanh(X @ weights) + 0.3 * X[:, :1] ** 2


def _general(rng, layers=None, params=None, large=False):
    """A network trained on noisy targets of a smooth function, validated on clean ones. ``large``: an odd
    number of rows, 301 to 1201 for training and 67 to 401 for validation (no batch size of a power of two
    divides them)."""
    if layers is None:
        d_in, d_out = int(rng.integers(1, 7)), int(rng.integers(1, 4))
        layers, params = _network(rng, d_in, d_out)
    d_in, d_out = layers[0][1], [layer for layer in layers if layer[0] == "linear"][-1][2]
    teacher, noise = _teacher(rng, d_in, d_out), float(rng.uniform(0.0, 1.5))
    rows = (
        (2 * _rows(rng, 150, 600) + 1, 2 * _rows(rng, 33, 200) + 1)
        if large
        else (_rows(rng, 6, 200), _rows(rng, 4, 64))
    )
    X, X_val = rng.standard_normal((rows[0], d_in)), rng.standard_normal((rows[1], d_in))
    y = teacher(X) + noise * rng.standard_normal((X.shape[0], d_out))
    data = tuple(_f32(a) for a in (X, y, X_val, teacher(X_val)))
    story = f"{_describe_network(layers)}, training targets with noise of sd {noise:.2f}"
    return Scenario(story, layers, params, data, _rate(rng), int(rng.integers(8, 26)))


def _anchored(rng):
    """The validation targets are the untrained model's own outputs: every step makes them worse."""
    d_in, d_out = int(rng.integers(1, 7)), int(rng.integers(1, 4))
    layers, params = _network(rng, d_in, d_out)
    X, X_val = rng.standard_normal((_rows(rng, 6, 200), d_in)), rng.standard_normal((_rows(rng, 4, 64), d_in))
    y = _teacher(rng, d_in, d_out)(X)
    y_val = _forward(layers, params, _f32(X_val))[0] + 0.01 * rng.standard_normal((X_val.shape[0], d_out))
    story = f"{_describe_network(layers)}; the validation targets are the untrained model's outputs"
    return Scenario(
        story, layers, params, tuple(_f32(a) for a in (X, y, X_val, y_val)), _rate(rng), int(rng.integers(6, 17))
    )


def _diverging(rng):
    """A linear model whose learning rate is far too large for one of its two weights.

    Each feature has rows of its own. The first weight converges (by a factor in [0.2, 0.7] per epoch);
    the second, starting near 0, grows by a factor of 1e5 to 1e6 per epoch: the validation loss falls,
    then overflows to inf, then becomes NaN (0 * inf on the rows of the other feature).
    """
    per_block, lr = 2 * int(rng.integers(1, 5)), _rate(rng, 0.05, 0.5)
    signs = np.tile([1.0, -1.0], per_block // 2)
    shrink, growth = float(rng.uniform(0.2, 0.7)), float(10 ** rng.uniform(5, 6))
    # The update of weight j is w_j -= lr * (2 / N) * (rows of j) * scale_j**2 * (w_j - target_j).
    scales = [math.sqrt((1 - shrink) / lr), math.sqrt((1 + growth) / lr)]
    X = np.zeros((2 * per_block, 2))
    X[:per_block, 0], X[per_block:, 1] = signs * scales[0], signs * scales[1]
    X_val = np.zeros((4, 2))
    X_val[:2, 0], X_val[2:, 1] = [1.0, -1.0], [1.0, -1.0]
    target = float(rng.uniform(-2, 2))
    weights = np.array([[target + rng.choice([-1, 1]) * rng.uniform(1, 3), 10 ** -rng.uniform(20, 28)]])
    data = tuple(_f32(a) for a in (X, X[:, :1] * target, X_val, X_val[:, :1] * target))
    story = f"linear model without bias; lr={lr} is too large for one weight, which grows {growth:.3g}-fold per epoch"
    return Scenario(story, (("linear", 2, 1, False),), (_f32(weights),), data, lr, int(rng.integers(12, 25)))


def _rows(rng, low, high):
    """A number of rows, log-uniform in [low, high]."""
    return int(math.exp(rng.uniform(math.log(low), math.log(high + 1))))


def _rate(rng, low=0.01, high=0.6):
    return float(f"{math.exp(rng.uniform(math.log(low), math.log(high))):.3g}")


def _draw(rng, make, accept, restore=True, patience=(1, 5), delta=None, tries=200, stable=True):
    """(a run of ``make(rng)``, probe inputs), with a patience (in the range ``patience``) and a min_delta
    (``delta`` if given) such that every decision up to the stop has a wide margin and
    ``accept(losses, patience, min_delta, best, stopped, max_epochs)`` holds; with ``restore``, the best
    weights' predictions on the probe inputs must also be far from those of any weights a mistake would
    leave (see _restores). With ``stable``, the run's losses must not amplify rounding (see _stable). Measured
    over 60 draws each, the longest scenarios (18 to 36 epochs) take 1.3 to 1.4 scenarios per accepted one (at
    most 4): ``tries`` all rejected, which would fail a correct solution, has a probability far below 1e-100."""
    for _ in range(tries):
        scenario = make(rng)
        replay = _replay(scenario)
        if (
            replay.kink < KINK
            or not replay.losses[0] <= HUGE
            or any(HUGE / 100 < x < HUGE * 100 for x in replay.losses)
        ):
            continue  # a kink too close, or a loss too close to where "diverged" begins
        probe = _probe(rng, scenario)
        for _ in range(8):
            wait = int(rng.integers(patience[0], patience[1] + 1))
            min_delta = 0.0 if delta is None else delta
            if delta is None and rng.random() < 0.6:
                min_delta = float(f"{replay.losses[0] * 10 ** rng.uniform(-3.5, -1):.3g}")
            best, stopped = _early_stopping(replay.losses, wait, min_delta)
            if _margin(replay.losses, min_delta, stopped) < MARGIN:
                continue
            if not accept(replay.losses, wait, min_delta, best, stopped, scenario.max_epochs):
                continue
            run = Run(scenario, replay, best, stopped)
            if restore and not _restores(run, probe):
                continue
            if stable and not _stable(scenario, replay):
                break  # whatever the patience: another scenario
            default = min_delta == 0.0 and bool(rng.integers(0, 2))
            return run._replace(
                scenario=scenario._replace(patience=wait, min_delta=min_delta, default_delta=default)
            ), probe
    raise AssertionError(f"no scenario accepted in {tries} draws: the check's generator needs fixing")


def _differs(*rules):
    """Accept runs where each of ``rules`` (known mistakes) gives another (best, stopped) than the rule."""
    return lambda losses, patience, min_delta, best, stopped, _: all(
        _early_stopping(losses, patience, min_delta, rule) != (best, stopped) for rule in rules
    )


def _stable(scenario: Scenario, replay: Replay) -> bool:
    """Whether the run's losses hardly depend on rounding: the same run computed in float64 agrees with the
    float32 replay to a quarter of ``LOSS_RTOL`` at every epoch. Two correct float32 implementations differ by
    less than float32 and float64 do; a network whose losses explode or swing amplifies rounding instead (measured:
    1e-3 four epochs after a spike to 290 times the first loss, 1.2e-4 after 34 epochs of a loss swinging between
    0.05 and 1.3), and such a run could reject a correct solution."""
    wide = scenario._replace(
        params=tuple(p.astype(np.float64) for p in scenario.params),
        data=tuple(a.astype(np.float64) for a in scenario.data),
    )
    again = _replay(wide).losses
    return all(abs(a - b) <= LOSS_RTOL / 4 * abs(a) for a, b in zip(replay.losses, again, strict=True))


def _stops_early(losses, patience, min_delta, best, stopped, max_epochs):
    return stopped < max_epochs - 1 and _differs("off_by_one")(losses, patience, min_delta, best, stopped, max_epochs)


# The fixed public scenario: Hadamard columns are exactly orthogonal, so each weight of the linear
# model converges at its own rate and the decisions have wide margins.


def _hadamard(rows: int) -> np.ndarray:
    matrix = np.ones((1, 1))
    while matrix.shape[0] < rows:
        matrix = np.block([[matrix, matrix], [matrix, -matrix]])
    return matrix


def _u_shaped(max_epochs=20) -> Scenario:
    # The first weight is shared by both sets and learnt fast; the second is true only of the
    # training set and learnt slowly, so the validation loss falls, then rises: overfitting.
    X = _hadamard(16)[:, 1:3] * np.array([math.sqrt(2.0), 0.5])
    X_val = _hadamard(8)[:, 1:3]
    data = tuple(_f32(a) for a in (X, X @ [[1.0], [2.0]] + 0.5, X_val, X_val @ [[1.0], [0.0]] + 0.5))
    params = (_f32([[-2.0, 0.0]]), _f32([0.0]))
    story = "linear model; the validation loss falls until epoch 4, then rises"
    return Scenario(story, (("linear", 2, 1, True),), params, data, 0.1, max_epochs, patience=3, default_delta=True)


def _public(max_epochs=20) -> Run:
    scenario = _u_shaped(max_epochs)
    replay = _replay(scenario)
    return Run(scenario, replay, *_early_stopping(replay.losses, scenario.patience, scenario.min_delta))


# Calling the learner's code and reading its answers


class Answer(NamedTuple):
    val_losses: np.ndarray
    best_epoch: int
    stopped_epoch: int


def _model(learner, scenario: Scenario):
    wire = [torch.from_numpy(np.ascontiguousarray(p)) for p in scenario.params]
    return learner.environment("build_model", [list(layer) for layer in scenario.layers], wire, as_handle=True)


def _fit(learner, model, scenario: Scenario, local) -> Answer:
    """fit(model, *data, ...) in the learner's process; the data must be unchanged after the call.

    The data tensors are views of the memory shared with this side, which reads them back itself,
    or, when ``local``, copies the environment made in the process's own memory (as any tensor a
    user makes), whose values after the call it sends back.
    """
    what = scenario.call_text()
    kwargs = {"lr": scenario.lr, "max_epochs": scenario.max_epochs, "patience": scenario.patience}
    if not scenario.default_delta:
        kwargs["min_delta"] = scenario.min_delta
    tensors = [torch.from_numpy(array) for array in scenario.data]
    try:
        if local:
            copies = [learner.environment("local", tensor, as_handle=True).handle for tensor in tensors]
            result = learner.call("fit", model.handle, *copies, **kwargs)
            after = learner.environment("values", copies)
        else:
            result, after = learner.call_and_read_args("fit", model.handle, *tensors, **kwargs)
            after = after[1:]
    except LearnerError as error:
        raise CheckFailed(f"{what} raised {error.type}: {error.message}") from None
    for name, sent, back in zip(DATA, scenario.data, after, strict=True):
        if not np.array_equal(np.asarray(back), sent):
            raise CheckFailed(f"{what} modified {name} in place: never write into the data tensors")
    return _parse(result, what)


def _parse(result, what) -> Answer:
    keys = ("val_losses", "best_epoch", "stopped_epoch")
    if not isinstance(result, dict) or not all(key in result for key in keys):
        raise CheckFailed(f"{what} must return a dict with keys {list(keys)}; got {describe(result)}")
    raw = result["val_losses"]
    if not isinstance(raw, (list, tuple)):
        raise CheckFailed(f"{what}: val_losses must be a list of floats, got {type(raw).__name__}")
    losses = np.array([_number(value, f"{what}: val_losses[{i}]") for i, value in enumerate(raw)], dtype=float)
    return Answer(
        losses,
        _integer(result["best_epoch"], f"{what}: best_epoch"),
        _integer(result["stopped_epoch"], f"{what}: stopped_epoch"),
    )


def _single(value):
    """The element of a one-element tensor or array (e.g. a loss not turned into a float), else value."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.reshape(-1)[0].item()
    if isinstance(value, np.ndarray) and value.size == 1:
        return value.reshape(-1)[0].item()
    return value


def _number(value, what: str) -> float:
    value = _single(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"{what} must be a float (e.g. loss.item()), got {describe(value)}")
    return float(value)


def _integer(value, what: str) -> int:
    value = _single(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise CheckFailed(f"{what} must be an int (a 0-based epoch index), got {describe(value)}")
    return int(value)


# Judging a run


def _why_stopped(run: Run) -> str:
    scenario, best, stopped = run.scenario, run.best_epoch, run.stopped_epoch
    if stopped == scenario.max_epochs - 1 and stopped - best < scenario.patience:
        return f"never {scenario.patience} epochs in a row without improvement, so all {scenario.max_epochs} run"
    return (
        f"the best epoch is {best} (val loss {run.replay.losses[best]:.6g}); epochs {best + 1}..{stopped} bring no "
        f"improvement of more than min_delta={scenario.min_delta}, so with patience={scenario.patience} training "
        f"stops after epoch {stopped}"
    )


def _compare_run(answer: Answer, run: Run) -> None:
    """The losses must follow the training, then the run must stop where the rule says."""
    what, expected = run.scenario.call_text(), run.replay.losses
    ran, expected_ran = len(answer.val_losses), run.stopped_epoch + 1
    if ran == 0 or ran > run.scenario.max_epochs:
        raise CheckFailed(f"{what}: val_losses has {ran} entries; expected {expected_ran}")
    shown = min(ran, expected_ran)
    diverged = np.array([not loss <= HUGE for loss in expected[:shown]])
    got = answer.val_losses[:shown]
    with np.errstate(invalid="ignore"):
        wrong = diverged != ~(got <= HUGE)
    if wrong.any():
        epoch = int(np.argmax(wrong))
        raise CheckFailed(
            f"{what}: val_losses[{epoch}] should be {expected[epoch]!r} (a diverged loss: inf, NaN or above "
            f"{HUGE:g} are all accepted there) but is {got[epoch]!r}"
        )
    assert_close(
        np.where(diverged, 0.0, got),
        np.where(diverged, 0.0, expected[:shown]),
        what=f"{what}: val_losses (each epoch: one SGD step on the training MSE, then the validation MSE)",
        rtol=LOSS_RTOL,
        atol=0,
    )
    if ran != expected_ran:
        raise CheckFailed(
            f"{what}: expected {expected_ran} epochs to run, got {ran} (val_losses has {ran} entries). "
            f"Here {_why_stopped(run)}.\nExpected val_losses {describe(np.array(expected[:expected_ran]))}"
        )
    if answer.best_epoch != run.best_epoch:
        got_best = answer.best_epoch
        detail = f" (val_losses[{got_best}] = {answer.val_losses[got_best]!r})" if 0 <= got_best < ran else ""
        raise CheckFailed(
            f"{what}: best_epoch should be {run.best_epoch} (val loss {expected[run.best_epoch]!r}), got "
            f"{got_best}{detail}. Epochs count from 0; an epoch improves only if its loss is below best - min_delta, "
            "and a NaN never does."
        )
    if answer.stopped_epoch != run.stopped_epoch:
        raise CheckFailed(
            f"{what}: stopped_epoch should be {run.stopped_epoch}, the 0-based index of the last epoch run "
            f"(val_losses has {ran} entries), got {answer.stopped_epoch}"
        )


def _probe(rng, scenario: Scenario, rows=None):
    rows = int(rng.integers(16, 49)) if rows is None else rows
    return _f32(rng.standard_normal((rows, scenario.layers[0][1])))


def _predict(layers, params, X):
    with np.errstate(all="ignore"):
        return _forward(layers, params, X)[0]


def _tolerance(expected):
    return PREDICTION_RTOL * max(1.0, float(np.abs(expected).max()))


def _restores(run: Run, probe) -> bool:
    """Whether the best epoch's predictions on ``probe`` are more than 10 tolerances away from those of
    any other weights the model had during the run: the initial ones and every other epoch's. (A correct
    solution's predictions differ from the replay's by float32 rounding, far below the tolerance.)"""
    states, best = run.replay.states, run.best_epoch
    expected = _predict(run.scenario.layers, states[best], probe)
    if not np.isfinite(expected).all():
        return False
    others = [run.scenario.params] + [states[epoch] for epoch in range(run.stopped_epoch + 1) if epoch != best]
    for params in others:
        with np.errstate(invalid="ignore"):
            distance = np.abs(_predict(run.scenario.layers, params, probe) - expected)
        if not np.nanmax(distance, initial=np.inf) > 10 * _tolerance(expected):
            return False
    return True


def _compare_model(learner, model, run: Run, probe) -> None:
    """The model's predictions on ``probe`` after fit must be those of the best epoch's weights."""
    expected = _predict(run.scenario.layers, run.replay.states[run.best_epoch], probe)
    try:
        quiet, loud = learner.environment("predict", model.handle, torch.from_numpy(probe))
    except LearnerError as error:
        raise CheckFailed(f"after {run.scenario.call_text()}, model(X) raised {error.type}: {error.message}") from None
    for out, mode in ((quiet, "under torch.no_grad()"), (loud, "with autograd on")):
        _judge_predictions(out, expected, run, probe, run.scenario.call_text(), f" {mode}")


def _judge_predictions(out, expected, run: Run, probe, what: str, mode: str = "") -> None:
    """``out``, model(probe) after the call ``what`` (``mode``: how it was computed), must be a float32 tensor of the
    best epoch's predictions, ``expected``."""
    if not isinstance(out, torch.Tensor) or out.dtype != torch.float32 or tuple(out.shape) != expected.shape:
        raise CheckFailed(
            f"after {what}, model(X){mode} on probe inputs of shape {probe.shape} should give a float32 tensor of "
            f"shape {expected.shape}; got {describe(out)}"
        )
    try:
        assert_close(out.numpy(), expected, what="predictions", rtol=PREDICTION_RTOL, atol=_tolerance(expected))
    except CheckFailed as failure:
        raise CheckFailed(
            f"{what}: on return, the model must hold the weights it had after its best epoch ({run.best_epoch}); "
            f"its predictions{mode} on fresh probe inputs are not those weights'. {_hint(run, out.numpy(), probe)}"
            f"\n{failure}"
        ) from None


def _hint(run: Run, got, probe) -> str:
    """Which weights the predictions are those of, when they are those of another epoch."""
    candidates = [("the initial weights", run.scenario.params)]
    candidates += [(f"the weights after epoch {e}", run.replay.states[e]) for e in range(run.stopped_epoch + 1)]
    for name, params in candidates:
        expected = _predict(run.scenario.layers, params, probe)
        with np.errstate(invalid="ignore"):
            if np.all(np.abs(got - expected) <= PREDICTION_RTOL * np.abs(expected) + _tolerance(expected)):
                advice = (
                    "train the model you were given, in place"
                    if name == "the initial weights"
                    else "keep a real copy of the best epoch's parameters (model.state_dict() returns the live "
                    "tensors: copy.deepcopy it) and load it back before returning"
                )
                return f"They are those of {name} instead: {advice}."
    return ""


def _judge(learner, rng, run: Run, probe, draw=False) -> None:
    """Fit a new model on ``run``'s scenario (data shared or local, at random); check the answer, then
    the model's predictions on ``probe``. ``draw`` first attaches the validation curves as a figure."""
    model = _model(learner, run.scenario)
    answer = _fit(learner, model, run.scenario, local=bool(rng.integers(0, 2)))
    if draw:
        with drawing():
            _draw_run(answer, run)
    _compare_run(answer, run)
    _compare_model(learner, model, run, probe)


def _draw_run(answer: Answer, run: Run) -> None:
    """The validation loss of every epoch (the replay's, as if training never stopped, and the learner's),
    with the best and stopped epochs, expected and the learner's."""
    expected = run.replay.losses[: run.scenario.max_epochs]
    epochs = range(max(len(expected), len(answer.val_losses)))
    series = [
        {"name": "validation loss, expected (on to max_epochs)", "values": expected, "learner": False},
        {"name": "validation loss, yours", "values": answer.val_losses, "learner": True},
    ]
    markers = [
        {"x": run.best_epoch, "label": "best epoch, expected", "learner": False},
        {"x": answer.best_epoch, "label": "best epoch, yours", "learner": True},
        {"x": run.stopped_epoch, "label": "stopped epoch, expected", "learner": False},
        {"x": answer.stopped_epoch, "label": "stopped epoch, yours", "learner": True},
    ]
    data = {"x_label": "epoch", "y_label": "validation MSE", "x": list(epochs), "series": series, "markers": markers}
    figure(
        "lines",
        data,
        f"{run.scenario.call_text()}: the validation loss per epoch. Expected: best epoch {run.best_epoch}, stopped "
        f"epoch {run.stopped_epoch}, losses {', '.join(f'{v:.4g}' for v in expected[: run.stopped_epoch + 1])}. "
        f"Yours: best epoch {answer.best_epoch}, stopped epoch {answer.stopped_epoch}, losses "
        f"{', '.join(f'{v:.4g}' for v in answer.val_losses[:40])}.",
    )


# Public checks: the fixed example


@check("Each epoch: one SGD step on the training MSE, then the validation loss", points=2, public=True)
def one_step_per_epoch(learner, rng):
    for max_epochs in (5, 1):
        run = _public(max_epochs)
        _compare_run(_fit(learner, _model(learner, run.scenario), run.scenario, local=False), run)


@check("Stops after `patience` epochs in a row without improvement", points=2, public=True)
def stops_after_patience(learner, rng):
    run = _public()
    public = np.random.default_rng(0)
    _judge(learner, public, run, _probe(public, run.scenario, rows=8), draw=True)


# Hidden checks: scenarios drawn from rng


@check("New runs that stop early: losses, best and stopped epochs, and the best weights restored", points=3)
def runs_that_stop_early(learner, rng):
    """A general run with patience=1 whose best epoch comes after the first, and two whose best epoch is
    the first, one with a patience of 1 to 5, one of 13 to 16."""

    def longer(r):
        return _anchored(r)._replace(max_epochs=int(r.integers(18, 31)))

    for make, accept, patience in (
        (_general, lambda *a: a[3] > 0 and _stops_early(*a), (1, 1)),
        (_anchored, lambda *a: a[3] == 0 and _stops_early(*a), (1, 5)),
        (longer, lambda *a: a[3] == 0 and _stops_early(*a), (13, 16)),
    ):
        _judge(learner, rng, *_draw(rng, make, accept, patience=patience))


@check("New runs that use every epoch: stopped_epoch is max_epochs - 1, the best weights are restored", points=2)
def runs_that_use_every_epoch(learner, rng):
    def make(r):  # every epoch runs: keep the run short
        return _general(r, large=True)._replace(max_epochs=int(r.integers(6, 17)))

    def accept(losses, patience, min_delta, best, stopped, max_epochs):
        # Patience must never run out, not even at the last epoch; the best epoch is neither the first
        # nor the last, so no fixed rule ("the first", "the last", "patience epochs ago") finds it.
        return stopped == max_epochs - 1 and 0 < best < stopped and stopped - best < patience

    _judge(learner, rng, *_draw(rng, make, accept, patience=(3, 12)))


@check("min_delta: an improvement must beat the best loss by more than min_delta", points=2)
def min_delta_is_respected(learner, rng):
    _judge(
        learner, rng, *_draw(rng, _general, lambda *a: a[2] > 0 and _differs("ignores_min_delta")(*a), restore=False)
    )


@check("An improvement resets the patience count; the best so far is the reference", points=2)
def improvement_resets_patience(learner, rng):
    _judge(learner, rng, *_draw(rng, _general, _differs("never_resets", "compares_with_previous"), restore=False))


@check("Diverging training: inf and NaN losses are never improvements", points=2)
def nan_is_never_an_improvement(learner, rng):
    """The first NaN comes at least two epochs before the stop, so a NaN counted as an improvement
    changes the outcome even if the learner's run overflows an epoch later than the replay."""

    def accept(losses, patience, min_delta, best, stopped, max_epochs):
        first_nan = next((epoch for epoch, loss in enumerate(losses) if math.isnan(loss)), max_epochs)
        return first_nan <= stopped - 2 and _differs("nan_improves")(losses, patience, min_delta, best, stopped, 0)

    _judge(learner, rng, *_draw(rng, _diverging, accept, restore=False, patience=(4, 12), stable=False))


@check("Two models, one fitted twice: each fit trains the model it is given, from where it was left", points=3)
def fits_in_sequence(learner, rng):
    """fit(A) on one scenario, fit(B) on another, A's predictions again (untouched by B's fit), then fit(A)
    again on the same data, lr and min_delta, from A's restored weights, with a patience no larger than
    the number of epochs the first run ran after its best one. The second run of A must start from a
    best of +inf: its first epochs are those epochs, which did not improve on the first run's best. A's
    data are tensors in the process's own memory."""
    second, second_probe = _draw(rng, _anchored, _any)
    for _ in range(50):
        first, first_probe = _draw(rng, _general, lambda *a: a[3] < a[4])
        again = first.scenario._replace(
            params=first.replay.states[first.best_epoch], story="A again, from its best weights"
        )
        try:
            third, third_probe = _draw(
                rng,
                lambda r, again=again: again._replace(max_epochs=int(r.integers(again.patience + 1, 21))),
                _any,
                patience=(1, first.stopped_epoch - first.best_epoch),
                delta=again.min_delta,
                tries=5,
            )
        except AssertionError:
            continue  # a decision of this continuation is too close to call: draw another first run
        break
    else:
        raise AssertionError("no continuation accepted after 50 first runs: the check's generator needs fixing")
    third = third._replace(scenario=third.scenario._replace(default_delta=again.default_delta))
    a, b = _model(learner, first.scenario), _model(learner, second.scenario)
    _compare_run(_fit(learner, a, first.scenario, local=True), first)
    _compare_run(_fit(learner, b, second.scenario, local=False), second)
    _compare_model(learner, a, first, first_probe)
    _compare_model(learner, b, second, second_probe)
    _compare_run(_fit(learner, a, third.scenario, local=True), third)
    _compare_model(learner, a, third, third_probe)


def _any(*_):
    return True


@check("Many runs in one process: every answer and every restored model judged", points=1)
def many_runs(learner, rng):
    """5 to 8 short runs (2 to 6 epochs, general or anchored scenarios, none diverging) and a long one
    (31 to 36 epochs, a patience that never runs out), each on a new model, in one round trip, in random
    order: each answer is compared with its replay and the model's predictions after fit with those of the
    best epoch's weights. With the 12 calls of the other checks, a submission that changes after some
    number of calls meets judged calls past it."""

    def short(r):
        return (_general, _anchored)[int(r.integers(2))](r)._replace(max_epochs=int(r.integers(2, 7)))

    def long(r):
        return _anchored(r)._replace(max_epochs=int(r.integers(31, 37)))

    runs = [_draw(rng, short, _any) for _ in range(int(rng.integers(5, 9)))]
    runs.append(_draw(rng, long, _any, patience=(37, 50)))
    runs = [runs[index] for index in rng.permutation(len(runs))]
    requests = []
    for run, probe in runs:
        scenario = run.scenario
        kwargs = {"lr": scenario.lr, "max_epochs": scenario.max_epochs, "patience": scenario.patience}
        if not scenario.default_delta:
            kwargs["min_delta"] = scenario.min_delta
        params = [torch.from_numpy(np.ascontiguousarray(p)) for p in scenario.params]
        data = [torch.from_numpy(array) for array in scenario.data]
        requests.append(([list(layer) for layer in scenario.layers], params, data, kwargs, torch.from_numpy(probe)))
    answers = learner.environment("fits", requests)
    if not isinstance(answers, list) or len(answers) != len(runs):
        raise CheckFailed(f"{len(runs)} calls of fit in one process did not give {len(runs)} answers")
    for index, ((run, probe), answer) in enumerate(zip(runs, answers, strict=True)):
        what = f"call {index + 1} of {len(runs)} in one process, {run.scenario.call_text()}"
        if not (isinstance(answer, list) and len(answer) == 3 and answer[0] in ("raised", "returned")):
            raise CheckFailed(f"{what}: the environment's answer is not one it gives: {describe(answer)}")
        if answer[0] == "raised":
            raise CheckFailed(f"{what} raised {answer[1]}: {answer[2]}")
        _compare_run(_parse(answer[1], what), run)
        expected = _predict(run.scenario.layers, run.replay.states[run.best_epoch], probe)
        _judge_predictions(answer[2], expected, run, probe, what)
