"""Hidden checks for per-layer gradient norms.

Every expected norm comes from PyTorch autograd in float64, computed here in the trusted worker on
the same weights and inputs. The networks are built from fixed seeds; nothing here is random.
"""

import itertools

import numpy as np
import torch

from grader.harness import CheckFailed, assert_close, check, describe

RTOL = 1e-8
ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


def _network(seed, widths, batch, scale=1.0):
    """Weights N(0, scale^2 / d_in) of shape (d_out, d_in) and inputs N(0, 1), drawn in that order."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(d_out, d_in)) * scale / np.sqrt(d_in) for d_in, d_out in itertools.pairwise(widths)]
    x = rng.normal(size=(batch, widths[0]))
    label = (
        f"rng = np.random.default_rng({seed}); widths {list(widths)}; "
        f"weights = [rng.normal(size=(d_out, d_in)) * {scale} / np.sqrt(d_in) for each layer]; "
        f"x = rng.normal(size=({batch}, {widths[0]}))"
    )
    return weights, x, label


def _expected(weights, x, activation):
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    h = torch.tensor(x, dtype=torch.float64)
    for w in params:
        h = ACTIVATIONS[activation](h @ w.T)
    h.sum().backward()
    return np.array([torch.linalg.norm(w.grad).item() for w in params])


def _norms(learner, weights, x, activation, label):
    what = f"layer_gradient_norms(weights, x, {activation!r}) with {label}"
    result = learner.layer_gradient_norms([w.copy() for w in weights], x.copy(), activation)
    if not isinstance(result, list):
        raise CheckFailed(f"{what}: expected a list of floats, got {type(result).__name__}: {describe(result)}")
    if len(result) != len(weights):
        raise CheckFailed(
            f"{what}: expected one norm per layer ({len(weights)}), got a list of {len(result)}: {describe(result)}"
        )
    values = []
    for index, value in enumerate(result):
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise CheckFailed(f"{what}: entry {index} should be a float, got {type(value).__name__}: {describe(value)}")
        values.append(float(value))
    return np.array(values), what


def _compare(learner, weights, x, activation, label):
    actual, what = _norms(learner, weights, x, activation, label)
    expected = _expected(weights, x, activation)
    assert_close(actual, expected, what=f"{what} (first layer first)", rtol=RTOL, atol=0)


@check("A single sigmoid layer matches PyTorch autograd", points=1, public=True)
def single_sigmoid_layer(learner):
    w = np.array([[0.5, -1.0, 0.25, 2.0], [1.5, 0.0, -0.5, 0.75], [-0.25, 0.5, 1.0, -1.0]])
    x = np.array([[1.0, 2.0, -1.0, 0.5], [-0.5, 0.0, 1.5, 2.0]])
    _compare(learner, [w], x, "sigmoid", f"weights = [{describe(w)}], x = {describe(x)}")


@check("The worked example: sigmoid gradients shrink towards the input, tanh's do not", points=1, public=True)
def worked_example(learner):
    weights, x, label = _network(0, [10] * 7, 4)
    for activation in ("sigmoid", "tanh"):
        _compare(learner, weights, x, activation, label)


@check("Matches PyTorch for sigmoid, tanh and relu with layers of different widths", points=3)
def mixed_widths(learner):
    for seed, widths, batch in ((1, [5, 8, 3, 6, 2], 7), (2, [12, 4, 9], 3), (3, [3, 16, 16, 16, 1], 5)):
        weights, x, label = _network(seed, widths, batch)
        for activation in ACTIVATIONS:
            _compare(learner, weights, x, activation, label)


@check("A 20-layer sigmoid network: tiny first-layer gradients still match PyTorch", points=2)
def deep_vanishing(learner):
    weights, x, label = _network(4, [12] * 21, 6)
    _compare(learner, weights, x, "sigmoid", label)
    weights, x, label = _network(5, [8] * 16, 4, scale=0.5)
    _compare(learner, weights, x, "tanh", label)


@check("A 12-layer ReLU network with large weights: exploding gradients match PyTorch", points=2)
def deep_exploding(learner):
    weights, x, label = _network(6, [16] * 13, 8, scale=2.5)
    _compare(learner, weights, x, "relu", label)


@check("Edge sizes: a single layer, a batch of one, layers one unit wide", points=2)
def edge_sizes(learner):
    for seed, widths, batch in ((7, [4, 3], 5), (8, [6, 5, 4, 3], 1), (9, [1, 1, 1, 1], 3), (10, [1, 5, 1], 1)):
        weights, x, label = _network(seed, widths, batch)
        for activation in ACTIVATIONS:
            _compare(learner, weights, x, activation, label)


@check("A dead ReLU unit (pre-activation exactly 0) passes no gradient, as in PyTorch", points=2)
def dead_relu_unit(learner):
    weights, x, label = _network(11, [5, 6, 4, 3], 4)
    weights[0][2] = 0.0  # unit 2 of the first hidden layer gets pre-activation exactly 0 for every row
    _compare(learner, weights, x, "relu", label + "; then weights[0][2] = 0 (a dead unit)")
    w = np.zeros((3, 4))
    x = np.array([[1.0, -2.0, 0.5, 3.0], [0.25, 1.0, -1.5, 2.0]])
    _compare(learner, [w], x, "relu", f"weights = [np.zeros((3, 4))], x = {describe(x)}")


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner):
    weights, x, _ = _network(12, [4, 5, 3], 3)
    for activation in ACTIVATIONS:
        _, args = learner.call_echo("layer_gradient_norms", [w.copy() for w in weights], x.copy(), activation)
        after_weights, after_x = args[0], args[1]
        if not isinstance(after_weights, list) or len(after_weights) != len(weights):
            raise CheckFailed(f"the weights list passed to layer_gradient_norms(..., {activation!r}) was changed")
        for index, (after, before) in enumerate(zip(after_weights, weights, strict=True)):
            assert_close(after, before, what=f"weights[{index}] after the call ({activation})", rtol=0, atol=0)
        assert_close(after_x, x, what=f"x after the call ({activation})", rtol=0, atol=0)
