"""Hidden checks for training with early stopping.

The model lives in the learner's process: a support module (``SUPPORT``, below) builds it there from
weights chosen here and reads its parameters back after ``fit``. Nothing that process reports is
believed: every check replays a trusted reference training here, from the same initial weights and
data, and compares the returned losses and epochs and the model's final parameters with that replay.

The data sets are built so that every early-stopping decision has a wide margin: the smallest gap
between a validation loss and the threshold it is compared with is above 1e-3 of the loss, far beyond
the float32 rounding by which two correct implementations (``optimizer.step()`` or a hand-written
update, ``F.mse_loss`` or a hand-written mean) differ. The tolerances below only absorb that rounding.

Whether the validation loss is computed under ``torch.no_grad()`` cannot be read off values, so one
check uses a trap instead: its model adds 1000 to its output when it runs on the validation rows while
autograd is recording. A submission that follows the statement never triggers it; a submission could
disarm it by tampering with the model, which lets it skip ``no_grad`` and nothing else: every other
requirement is still decided by the replay.
"""

import math
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from grader.harness import CheckFailed, assert_close, check, describe

LOSS_RTOL, LOSS_ATOL = 1e-4, 1e-7
PARAM_RTOL, PARAM_ATOL = 1e-4, 1e-6
TRAP_OFFSET = 1000.0

SUPPORT = """
import torch


def build_model(layers, params):
    modules = []
    for layer in layers:
        if layer[0] == "linear":
            modules.append(torch.nn.Linear(layer[1], layer[2], bias=layer[3]))
        else:
            modules.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*modules)
    with torch.no_grad():
        for parameter, value in zip(model.parameters(), params, strict=True):
            parameter.copy_(torch.as_tensor(value, dtype=torch.float32))
    return model


class GradTrap(torch.nn.Module):
    # Adds an offset to its output on the validation rows whenever autograd is recording.
    def __init__(self, inner, trap_rows, offset):
        super().__init__()
        self.inner = inner
        self.trap_rows = trap_rows
        self.offset = offset

    def forward(self, x):
        out = self.inner(x)
        if torch.is_grad_enabled() and x.shape[0] == self.trap_rows:
            out = out + self.offset
        return out


def build_trapped_model(layers, params, trap_rows, offset):
    return GradTrap(build_model(layers, params), trap_rows, offset)


def parameter_values(model):
    return [parameter.detach().clone() for parameter in model.parameters()]


def keep(value):
    return value
"""

# The same builder makes the replay's model here, so both sides start from identical modules.
_TRUSTED: dict = {}
exec(compile(SUPPORT, "support.py", "exec"), _TRUSTED)


class Scenario(NamedTuple):
    story: str
    layers: tuple
    params: tuple
    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor
    lr: float
    max_epochs: int
    patience: int
    min_delta: float = 0.0

    def call_text(self) -> str:
        shapes = ", ".join(
            f"{name} {tuple(t.shape)}"
            for name, t in zip(("X_train", "y_train", "X_val", "y_val"), self.tensors(), strict=True)
        )
        return (
            f"fit(model, {shapes}, lr={self.lr}, max_epochs={self.max_epochs}, patience={self.patience}, "
            f"min_delta={self.min_delta}) [{self.story}]"
        )

    def tensors(self) -> tuple:
        return self.X_train, self.y_train, self.X_val, self.y_val


class Replay(NamedTuple):
    losses: list  # validation loss after every one of max_epochs epochs, ignoring early stopping
    states: list  # parameters after every epoch (NumPy arrays)
    best_epoch: int
    stopped_epoch: int


class Answer(NamedTuple):
    val_losses: np.ndarray
    best_epoch: int
    stopped_epoch: int


# Data sets. Hadamard columns are exactly orthogonal, so each weight of a linear model converges (or
# diverges) at its own known rate: 1 - 2 * lr * scale**2 per epoch for the MSE loss.


def _hadamard(rows: int) -> np.ndarray:
    matrix = np.ones((1, 1))
    while matrix.shape[0] < rows:
        matrix = np.block([[matrix, matrix], [matrix, -matrix]])
    return matrix


def _tensor(values) -> torch.Tensor:
    return torch.tensor(np.asarray(values), dtype=torch.float32)


def _linear_data(rows: int, scales: list, coef: list, intercept: float) -> tuple:
    X = _hadamard(rows)[:, 1 : 1 + len(scales)] * np.asarray(scales)
    return _tensor(X), _tensor((X @ np.asarray(coef) + intercept)[:, None])


def _u_shaped() -> Scenario:
    # The first weight is shared by both sets and learnt fast; the second is true only of the
    # training set and learnt slowly, so the validation loss falls, then rises: overfitting.
    X_train, y_train = _linear_data(16, [math.sqrt(2.0), 0.5], [1.0, 2.0], 0.5)
    X_val, y_val = _linear_data(8, [1.0, 1.0], [1.0, 0.0], 0.5)
    return Scenario(
        "linear model; the validation loss falls until epoch 4, then rises",
        (("linear", 2, 1, True),),
        (np.array([[-2.0, 0.0]], np.float32), np.array([0.0], np.float32)),
        X_train,
        y_train,
        X_val,
        y_val,
        lr=0.1,
        max_epochs=20,
        patience=3,
    )


def _slow_decline() -> Scenario:
    # The validation loss shrinks by a factor 0.64 every epoch: ever smaller improvements.
    X_train, y_train = _linear_data(8, [1.0], [1.0], 0.0)
    X_val, y_val = _linear_data(4, [1.0], [1.0], 0.0)
    return Scenario(
        "linear model without bias; the validation loss shrinks by a factor 0.64 every epoch",
        (("linear", 1, 1, False),),
        (np.array([[0.0]], np.float32),),
        X_train,
        y_train,
        X_val,
        y_val,
        lr=0.1,
        max_epochs=30,
        patience=3,
        min_delta=0.02,
    )


def _zigzag() -> Scenario:
    # The first weight overshoots back and forth around its optimum, so the validation loss goes
    # down, up, down, up... while trending down: no two epochs in a row fail to improve.
    X_train, y_train = _linear_data(16, [math.sqrt(8.0), math.sqrt(0.75)], [1.0, 2.0], 0.0)
    X_val, y_val = _linear_data(8, [math.sqrt(8.0), math.sqrt(0.75)], [1.3, 2.0], 0.0)
    return Scenario(
        "linear model; the validation loss zigzags down: every other epoch is no improvement",
        (("linear", 2, 1, True),),
        (np.array([[0.0, -1.0]], np.float32), np.array([0.0], np.float32)),
        X_train,
        y_train,
        X_val,
        y_val,
        lr=0.1,
        max_epochs=12,
        patience=2,
    )


def _exploding() -> Scenario:
    # The second feature's scale makes its weight grow 10^4-fold per epoch (the learning rate is far
    # too large for it), from 3e-13: the loss improves, then overflows to inf, then becomes NaN.
    # Each feature has its own rows, so float32 rounding of one cannot feed the other.
    def rows(per_feature: int, scales: list) -> tuple:
        X = np.zeros((2 * per_feature, 2))
        signs = np.tile([1.0, -1.0], per_feature // 2)
        X[:per_feature, 0] = signs * scales[0]
        X[per_feature:, 1] = signs * scales[1]
        return _tensor(X), _tensor((X @ np.array([1.0, 0.0]))[:, None])

    X_train, y_train = rows(4, [math.sqrt(0.6 / 0.25), math.sqrt(10001 / 0.25)])
    X_val, y_val = rows(2, [1.0, 1.0])
    return Scenario(
        "linear model without bias; the learning rate is too large for one weight, so training "
        "diverges and the validation loss goes to inf, then NaN",
        (("linear", 2, 1, False),),
        (np.array([[-2.0, 3e-13]], np.float32),),
        X_train,
        y_train,
        X_val,
        y_val,
        lr=0.25,
        max_epochs=20,
        patience=10,
    )


def _mlp() -> Scenario:
    # A small tanh network on noisy training targets: it starts fitting the noise after epoch 15.
    rng = np.random.default_rng(6)
    X_train, X_val = rng.standard_normal((20, 3)), rng.standard_normal((12, 3))

    def target(X: np.ndarray) -> np.ndarray:
        return np.sin(X[:, 0]) + 0.5 * X[:, 1]

    y_train = target(X_train) + 0.8 * rng.standard_normal(20)
    y_val = target(X_val)
    params = (rng.standard_normal((6, 3)) * 0.5, np.zeros(6), rng.standard_normal((1, 6)) * 0.5, np.zeros(1))
    return Scenario(
        "3-6-1 tanh network on noisy training targets; the best epoch is 15",
        (("linear", 3, 6, True), ("tanh",), ("linear", 6, 1, True)),
        tuple(np.asarray(p, np.float32) for p in params),
        _tensor(X_train),
        _tensor(y_train[:, None]),
        _tensor(X_val),
        _tensor(y_val[:, None]),
        lr=0.3,
        max_epochs=40,
        patience=4,
    )


# The trusted side


def _early_stopping(losses: list, patience: int, min_delta: float) -> tuple[int, int]:
    """(best_epoch, stopped_epoch) with Keras's rule: best starts at +inf, NaN never improves."""
    best, best_epoch, wait = math.inf, None, 0
    for epoch, loss in enumerate(losses):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses) - 1


def _replay(scenario: Scenario) -> Replay:
    with torch.random.fork_rng(devices=[]):  # building modules draws from the worker's generator
        model = _TRUSTED["build_model"](scenario.layers, scenario.params)
    losses, states = [], []
    for _ in range(scenario.max_epochs):
        F.mse_loss(model(scenario.X_train), scenario.y_train).backward()
        with torch.no_grad():
            for parameter in model.parameters():
                # The update torch.optim.SGD makes without momentum or weight decay.
                parameter.add_(parameter.grad, alpha=-scenario.lr)
                parameter.grad = None
        with torch.no_grad():
            losses.append(F.mse_loss(model(scenario.X_val), scenario.y_val).item())
        states.append([p.detach().numpy().copy() for p in model.parameters()])
    best_epoch, stopped_epoch = _early_stopping(losses, scenario.patience, scenario.min_delta)
    return Replay(losses, states, best_epoch, stopped_epoch)


# Calling the learner and reading the answer


def _build(learner, scenario: Scenario, trap_rows: int | None = None):
    learner.support(SUPPORT)
    layers, params = list(scenario.layers), list(scenario.params)
    if trap_rows is None:
        return learner.support_call("build_model", layers, params, as_handle=True)
    return learner.support_call("build_trapped_model", layers, params, trap_rows, TRAP_OFFSET, as_handle=True)


def _fit(learner, scenario: Scenario, model, tensors=None) -> Answer:
    tensors = scenario.tensors() if tensors is None else tensors
    result = learner.fit(
        model.handle,
        *tensors,
        lr=scenario.lr,
        max_epochs=scenario.max_epochs,
        patience=scenario.patience,
        min_delta=scenario.min_delta,
    )
    return _parse(result, scenario)


def _parse(result, scenario: Scenario) -> Answer:
    what = scenario.call_text()
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


def _why_stopped(scenario: Scenario, replay: Replay) -> str:
    best = replay.best_epoch
    if replay.stopped_epoch == scenario.max_epochs - 1 and replay.stopped_epoch - best < scenario.patience:
        return f"never {scenario.patience} epochs in a row without improvement, so all {scenario.max_epochs} run"
    return (
        f"the best epoch is {best} (val loss {replay.losses[best]:.6g}); epochs {best + 1}..{replay.stopped_epoch} "
        f"bring no improvement of more than min_delta={scenario.min_delta}, so with patience={scenario.patience} "
        f"training stops after epoch {replay.stopped_epoch}"
    )


def _compare_run(answer: Answer, replay: Replay, scenario: Scenario) -> None:
    """The losses must follow the training, then the run must stop where the rule says."""
    what = scenario.call_text()
    ran = len(answer.val_losses)
    if ran == 0 or ran > scenario.max_epochs:
        raise CheckFailed(f"{what}: val_losses has {ran} entries; expected {replay.stopped_epoch + 1}")
    assert_close(
        answer.val_losses,
        replay.losses[:ran],
        what=f"{what}: val_losses (each epoch: one SGD step on the training MSE, then the validation MSE)",
        rtol=LOSS_RTOL,
        atol=LOSS_ATOL,
    )
    expected_ran = replay.stopped_epoch + 1
    if ran != expected_ran:
        raise CheckFailed(
            f"{what}: expected {expected_ran} epochs to run, got {ran} (val_losses has {ran} entries). "
            f"Here {_why_stopped(scenario, replay)}.\n"
            f"Expected val_losses {describe(np.array(replay.losses[:expected_ran]))}"
        )
    if answer.best_epoch != replay.best_epoch:
        got = answer.best_epoch
        detail = f" (val_losses[{got}] = {answer.val_losses[got]!r})" if 0 <= got < ran else ""
        raise CheckFailed(
            f"{what}: best_epoch should be {replay.best_epoch} (val loss {replay.losses[replay.best_epoch]!r}), "
            f"got {got}{detail}. Epochs count from 0; an epoch improves only if its loss is below "
            f"best - min_delta, and a NaN never does."
        )
    if answer.stopped_epoch != replay.stopped_epoch:
        raise CheckFailed(
            f"{what}: stopped_epoch should be {replay.stopped_epoch}, the 0-based index of the last epoch run "
            f"(val_losses has {ran} entries), got {answer.stopped_epoch}"
        )


def _parameters(learner, model, replay: Replay, scenario: Scenario) -> list[np.ndarray]:
    values = learner.support_call("parameter_values", model.handle)
    shapes = [state.shape for state in replay.states[0]]
    arrays = []
    if isinstance(values, list) and len(values) == len(shapes):
        arrays = [v.numpy() if isinstance(v, torch.Tensor) else v for v in values]
    if len(arrays) != len(shapes) or any(
        not isinstance(a, np.ndarray) or a.shape != shape for a, shape in zip(arrays, shapes, strict=True)
    ):
        raise CheckFailed(
            f"{scenario.call_text()}: after fit the model should still have {len(shapes)} parameters of shapes "
            f"{shapes}; they could not be read back"
        )
    return arrays


def _close(array: np.ndarray, expected: np.ndarray) -> bool:
    return bool(np.allclose(array, expected, rtol=PARAM_RTOL, atol=PARAM_ATOL, equal_nan=True))


def _same_parameters(arrays: list, state: list) -> bool:
    return all(_close(a, s) for a, s in zip(arrays, state, strict=True))


def _compare_parameters(arrays: list, replay: Replay, scenario: Scenario, initial: list) -> None:
    best = replay.best_epoch
    if _same_parameters(arrays, replay.states[best]):
        return
    hint = ""
    if _same_parameters(arrays, initial):
        hint = " They are still the initial parameters: train the model you were given, in place."
    else:
        for epoch in range(len(replay.states) - 1, -1, -1):
            if _same_parameters(arrays, replay.states[epoch]):
                hint = (
                    f" They are the parameters after epoch {epoch} instead. Keep a copy of the best epoch's "
                    f"parameters (model.state_dict() returns live tensors that later steps overwrite: "
                    f"copy.deepcopy it) and load it back before returning."
                )
                break
    for index, (array, expected) in enumerate(zip(arrays, replay.states[best], strict=True)):
        try:
            assert_close(array, expected, what=f"parameter {index}", rtol=PARAM_RTOL, atol=PARAM_ATOL)
        except CheckFailed as failure:
            raise CheckFailed(
                f"{scenario.call_text()}: on return the model must hold the parameters it had after its best "
                f"epoch ({best}).{hint}\n{failure}"
            ) from None


# The checks


@check("Each epoch: one SGD step on the training MSE, then the validation loss", points=2, public=True)
def one_step_per_epoch(learner):
    for max_epochs in (5, 1):
        scenario = _u_shaped()._replace(max_epochs=max_epochs)
        replay = _replay(scenario)
        answer = _fit(learner, scenario, _build(learner, scenario))
        _compare_run(answer, replay, scenario)


@check("Stops after `patience` epochs in a row without improvement", points=2, public=True)
def stops_after_patience(learner):
    scenario = _u_shaped()
    _compare_run(_fit(learner, scenario, _build(learner, scenario)), _replay(scenario), scenario)


@check("On return the model holds the parameters of its best epoch", points=3)
def restores_best_parameters(learner):
    scenario = _mlp()
    replay = _replay(scenario)
    model = _build(learner, scenario)
    _fit(learner, scenario, model)
    arrays = _parameters(learner, model, replay, scenario)
    _compare_parameters(arrays, replay, scenario, list(scenario.params))


@check("An improvement resets the patience count", points=2)
def improvement_resets_patience(learner):
    scenario = _zigzag()
    _compare_run(_fit(learner, scenario, _build(learner, scenario)), _replay(scenario), scenario)


@check("min_delta: an improvement must beat the best loss by more than min_delta", points=2)
def min_delta_is_respected(learner):
    scenario = _slow_decline()
    _compare_run(_fit(learner, scenario, _build(learner, scenario)), _replay(scenario), scenario)


@check("Diverging training: inf and NaN losses are never improvements", points=2)
def nan_is_never_an_improvement(learner):
    scenario = _exploding()
    _compare_run(_fit(learner, scenario, _build(learner, scenario)), _replay(scenario), scenario)


@check("The validation loss is computed under torch.no_grad()", points=1)
def validation_without_gradients(learner):
    scenario = _u_shaped()._replace(max_epochs=5)
    rows = scenario.X_val.shape[0]
    answer = _fit(learner, scenario, _build(learner, scenario, trap_rows=rows))
    try:
        _compare_run(answer, _replay(scenario), scenario)
    except CheckFailed as failure:
        if answer.val_losses.size and np.nanmax(answer.val_losses) > TRAP_OFFSET:
            raise CheckFailed(
                f"{failure}\nThis check's model adds {TRAP_OFFSET:g} to its output when it runs on the "
                f"{rows} validation rows while autograd is recording: compute the validation loss inside "
                f"`with torch.no_grad():`."
            ) from None
        raise


@check("X_train, y_train, X_val and y_val are not modified", points=1)
def inputs_untouched(learner):
    scenario = _u_shaped()._replace(max_epochs=5)
    model = _build(learner, scenario)
    kept = [learner.support_call("keep", t.clone(), as_handle=True) for t in scenario.tensors()]
    _fit(learner, scenario, model, tensors=[k.handle for k in kept])
    names = ("X_train", "y_train", "X_val", "y_val")
    for name, handle, original in zip(names, kept, scenario.tensors(), strict=True):
        after = learner.support_call("keep", handle.handle)
        after = after.numpy() if isinstance(after, torch.Tensor) else after
        assert_close(after, original.numpy(), what=f"{name} after {scenario.call_text()}", rtol=0, atol=0)
