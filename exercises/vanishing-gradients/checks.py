"""Hidden checks for per-layer gradient norms.

Every expected norm is recomputed here, in the trusted worker, by a float64 NumPy backward pass written
for the checks (PyTorch's conventions: the sigmoid's derivative from its output, ``(1 - h) * h``,
tanh's as ``1 - h * h``, and ReLU's gradient 0 where its input is exactly 0). On the networks drawn
here it agrees with PyTorch autograd to about 1e-13 relative, far inside the tolerance; autograd itself
is not used because its per-operation cost would dominate the grading time.

Hidden networks are drawn from ``rng`` (seeded from a secret fresh for each grading): depths from 1 to
25 layers, every width from 1 to 24 drawn independently, batches from 1 to 12, weight scales that make
gradients vanish (deep sigmoid and tanh stacks) or explode (deep ReLU stacks with large weights), and
ReLU units whose input is exactly 0 (a zero row of a weight matrix, a whole zero layer, or an output
unit that reads only dead units, which no pattern in the weights or inputs gives away); each such case
is drawn again until a gradient of 1 at exactly 0 would change some norm. One architecture is called
twice with different weights, so an answer remembered by shape cannot pass. Public checks use the
fixed networks of the statement.

Pre-activations are kept where the answer is well defined in float64: a network is drawn again if a
sigmoid or tanh pre-activation exceeds 12 in magnitude (saturation, where equally correct formulas
differ by more than the tolerance), if a ReLU pre-activation is non-zero but within 1e-9 of the
magnitude of its terms (its sign could depend on the summation order), or if a layer's gradient norm is
below 1e-5 of the magnitude of its terms (``|grad_z|.T @ |inputs|``: terms that nearly cancel, where
another summation order moves the norm by more than the tolerance).

Every call but those of ``many_calls`` reads ``weights`` and ``x`` back from the memory they share with
the learner's process, so an input changed in place is seen from outside, whatever that process reports
(the harness also maps array arguments read-only there, so a write usually fails at once; either way the
check fails). Nothing here is statistical: no check can fail a correct solution by chance. Norms must
match to ``rtol = 1e-8``.
"""

import itertools

import numpy as np

from grader.harness import CheckFailed, Writable, check, describe, drawing, figure

ENVIRONMENT = """
def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T is.
    return x.T
"""

RTOL = 1e-8
ACTIVATIONS = ("sigmoid", "tanh", "relu")


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _expected(weights, x, activation, relu_grad_at_zero=0.0, sizes=None):
    """The Frobenius norm of dLoss/dW_l for every layer, and every pre-activation (for the screens).
    ``relu_grad_at_zero`` other than PyTorch's 0 tells whether a case would catch the other convention.
    ``sizes``, a list, receives for every layer (input first) the norm of the sum of its products' magnitudes,
    ``|grad_z|.T @ |inputs|``: the scale of that layer's rounding (see Network.well_defined)."""
    inputs, derivatives, pre_activations = [], [], []
    h = x
    for w in weights:
        inputs.append(h)
        z = h @ w.T
        pre_activations.append(z)
        if activation == "sigmoid":
            h = _sigmoid(z)
            derivatives.append((1.0 - h) * h)
        elif activation == "tanh":
            h = np.tanh(z)
            derivatives.append(1.0 - h * h)
        else:
            h = np.maximum(z, 0.0)
            derivatives.append((z > 0) + relu_grad_at_zero * (z == 0))
    grad_h = np.ones_like(h)  # the loss is the sum of every entry of the last h
    norms = np.zeros(len(weights))
    for layer in reversed(range(len(weights))):
        grad_z = grad_h * derivatives[layer]
        norms[layer] = np.linalg.norm(grad_z.T @ inputs[layer])
        if sizes is not None:
            sizes.insert(0, float(np.linalg.norm(np.abs(grad_z).T @ np.abs(inputs[layer]))))
        grad_h = grad_z @ weights[layer]
    return norms, pre_activations


class Network:
    """One case: the weights, the inputs, the activation, the expected norms, and how to describe it."""

    def __init__(self, weights, x, activation, description):
        self.weights, self.x, self.activation, self.description = weights, x, activation, description
        self.sizes = []
        self.expected, self.pre_activations = _expected(weights, x, activation, sizes=self.sizes)

    def well_defined(self):
        """False when float64 cannot settle the answer to the tolerance (see the module docstring)."""
        # A layer's gradient is a sum over the batch (and, for the norm, over its entries): where those terms
        # nearly cancel (a layer of one unit fed by one, over a batch of two, say), summing them in another order
        # moves the norm by more than the tolerance.
        if any(0 < norm < 1e-5 * size for norm, size in zip(self.expected, self.sizes, strict=True)):
            return False
        if self.activation != "relu":
            return max(float(np.abs(z).max()) for z in self.pre_activations) <= 12.0
        h = self.x
        for w, z in zip(self.weights, self.pre_activations, strict=True):
            magnitude = np.abs(h) @ np.abs(w).T
            if ((z != 0) & (np.abs(z) <= 1e-9 * magnitude)).any():
                return False
            h = np.maximum(z, 0.0)
        return True


def _random_network(rng, widths, batch, scale, activation, change=None, keep=None):
    """Weights ``N(0, scale^2 / d_in)`` of shape ``(d_out, d_in)`` and inputs ``N(0, 1)``, then ``change``
    (which edits the network and says how); drawn again until the answer is well defined and ``keep``
    (if given) accepts the network."""
    batch, scale = int(batch), float(scale)
    for _ in range(1000):
        weights = [rng.normal(size=(d_out, d_in)) * scale / np.sqrt(d_in) for d_in, d_out in itertools.pairwise(widths)]
        x = rng.normal(size=(batch, widths[0]))
        description = (
            f"{len(weights)} layer(s) of widths {list(widths)}, batch {batch}, weights N(0, ({scale:.3g})^2 / d_in), "
            "x N(0, 1)"
        )
        if change is not None:
            description += change(weights, x)
        network = Network(weights, x, activation, description)
        if network.well_defined() and (keep is None or keep(network)):
            return network
    raise AssertionError(f"no usable network of widths {list(widths)} in 1000 draws")  # a bug of the checks


def _compare(learner, network, answered=None, writable=False):
    """Call the learner on ``network``; compare its norms with the recomputation, and its inputs with
    what they were before the call (read back from shared memory). ``answered(norms)`` sees the
    learner's norms before they are judged (to draw them). ``writable`` passes ``weights`` and ``x``
    writable, as a caller's own arrays are: a change made only then is seen too."""
    weights, x, activation = network.weights, network.x, network.activation
    what = f"layer_gradient_norms(weights, x, {activation!r}) with {network.description}"
    sent = ([Writable(w) for w in weights], Writable(x)) if writable else (weights, x)
    result, after = learner.call_and_read_args("layer_gradient_norms", *sent, activation)
    for index, (before, now) in enumerate(zip([*weights, x], [*after[0], after[1]], strict=True)):
        if not np.array_equal(before, now):
            name = "x" if index == len(weights) else f"weights[{index}]"
            entry = tuple(int(i) for i in np.argwhere(before != now)[0])
            where = f"{name}[{', '.join(map(str, entry))}]"
            raise CheckFailed(
                f"{what}: the call changed {name} in place ({where} was {float(before[entry])!r}, then "
                f"{float(now[entry])!r}); leave weights and x as they are"
            )
    _judge(what, result, network, answered)


def _judge(what, result, network, answered=None):
    """Compare the learner's norms with the recomputation; ``answered(norms)`` sees them first (to draw them)."""
    actual, expected = _norms(result, len(network.weights), what), network.expected
    if answered is not None:
        with drawing():
            answered(actual)
    with np.errstate(invalid="ignore", over="ignore"):
        close = (np.abs(actual - expected) <= RTOL * np.abs(expected)) | (actual == expected)
    if not close.all():
        layer = int(np.argwhere(~close)[0][0])
        raise CheckFailed(
            f"{what}: layer {layer} (counting from 0 at the input) should have norm {float(expected[layer])!r}, got "
            f"{float(actual[layer])!r} (relative tolerance {RTOL:g}).\nExpected {describe(expected)}\nGot      "
            f"{describe(actual)}"
        )


def _norms(result, layers, what):
    """The answer as an array of ``layers`` floats, after checking it is a list of numbers."""
    if not isinstance(result, list):
        raise CheckFailed(f"{what}: expected a list of floats, got {type(result).__name__}: {describe(result)}")
    if len(result) != layers:
        raise CheckFailed(f"{what}: expected one norm per layer ({layers}), got a list of {len(result)}")
    values = []
    for index, value in enumerate(result):
        if type(value).__module__.startswith("torch") and hasattr(value, "numpy"):
            value = value.numpy()  # a 0-d tensor, rebuilt from bytes by the protocol
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise CheckFailed(f"{what}: entry {index} should be a float, got {type(value).__name__}: {describe(value)}")
        values.append(float(value))
    return np.array(values)


def _widths(rng, depth, low, high):
    return [int(n) for n in rng.integers(low, high + 1, size=depth + 1)]


@check("A single sigmoid layer matches PyTorch autograd", points=1, public=True)
def single_sigmoid_layer(learner, rng):
    w = np.array([[0.5, -1.0, 0.25, 2.0], [1.5, 0.0, -0.5, 0.75], [-0.25, 0.5, 1.0, -1.0]])
    x = np.array([[1.0, 2.0, -1.0, 0.5], [-0.5, 0.0, 1.5, 2.0]])
    _compare(learner, Network([w], x, "sigmoid", f"weights = [{describe(w)}], x = {describe(x)}"))


@check("The worked example: sigmoid gradients shrink towards the input, tanh's do not", points=1, public=True)
def worked_example(learner, rng):
    example = np.random.default_rng(0)
    weights = [example.normal(size=(10, 10)) / np.sqrt(10) for _ in range(6)]
    x = example.normal(size=(4, 10))
    series = []

    def draw(network, actual):
        # Redrawn after each activation, so a failure on tanh still shows sigmoid's curves.
        name = network.activation
        series.append({"name": f"{name}, expected", "values": network.expected, "learner": False})
        series.append({"name": f"{name}, yours", "values": actual, "learner": True})
        data = {"x_label": "layer (0 = input side)", "y_label": "gradient norm of W", "log_y": True}
        figure(
            "lines",
            {**data, "x": list(range(len(weights))), "series": series},
            "Per-layer gradient norms on the worked example, yours beside the expected ones, on a log scale: "
            + "; ".join(f"{line['name']}: {_listed(line['values'])}" for line in series),
        )

    for activation in ("sigmoid", "tanh"):
        network = Network(weights, x, activation, "the statement's worked example")
        _compare(learner, network, lambda actual, network=network: draw(network, actual))


def _listed(values):
    return ", ".join(f"{float(value):.3g}" for value in values)


@check("Sixty to a hundred calls in a row, one with x a view not in C order", points=1)
def many_calls(learner, rng):
    """60 to 100 small networks in one round trip (1 to 4 layers, widths 1 to 6, batches 1 to 4, every
    activation), the arrays of about half of them writable, and x of one of them (at a random place, of
    several examples and features) a transposed view: a submission whose behaviour changes with the memory
    layout of x meets a judged call. The first hidden check: every later check's calls come after these, so
    behaviour that changes after some number of calls (up to 60 or more) meets judged calls too."""
    count = int(rng.integers(60, 101))
    viewed = int(rng.integers(count))
    networks = []
    for index in range(count):
        widths = _widths(rng, int(rng.integers(1, 5)), 2 if index == viewed else 1, 6)
        batch = rng.integers(2, 5) if index == viewed else rng.integers(1, 5)
        networks.append(_random_network(rng, widths, batch, rng.uniform(0.5, 2.0), str(rng.choice(ACTIVATIONS))))
    calls = []
    for index, (network, writable) in enumerate(zip(networks, rng.random(count) < 0.5, strict=True)):
        weights, x = network.weights, network.x
        if writable:
            weights, x = [Writable(w) for w in weights], Writable(x)
        if index == viewed:
            x = learner.environment("transposed", np.ascontiguousarray(network.x.T), as_handle=True).handle
        calls.append((weights, x, network.activation))
    replies = learner.map("layer_gradient_norms", calls)
    for index, (network, reply) in enumerate(zip(networks, replies, strict=True)):
        layout = ", x a transposed view" if index == viewed else ""
        what = (
            f"call {index + 1} of {count} in a row{layout}: layer_gradient_norms(weights, x, {network.activation!r}) "
            f"with {network.description}"
        )
        _judge(what, reply.value, network)


@check("Matches PyTorch for sigmoid, tanh and relu on new networks of any depth and width", points=3)
def new_networks(learner, rng):
    for activation in ACTIVATIONS:
        for _ in range(2):
            widths = _widths(rng, int(rng.integers(1, 9)), 1, 24)
            network = _random_network(rng, widths, rng.integers(1, 13), rng.uniform(0.5, 2.0), activation)
            _compare(learner, network, writable=bool(rng.random() < 0.5))
    # The same architecture twice, with new weights: an answer remembered by shape fails.
    widths, batch = _widths(rng, int(rng.integers(2, 7)), 2, 16), rng.integers(2, 9)
    for _ in range(2):
        _compare(learner, _random_network(rng, widths, batch, rng.uniform(0.5, 2.0), "tanh"))


@check("Deep sigmoid and tanh networks: tiny first-layer gradients still match PyTorch", points=2)
def deep_vanishing(learner, rng):
    # First-layer norms from about 1e-6 down to 1e-27 (the second network always below 1e-15).
    cases = (("sigmoid", (15, 25), (0.5, 1.5)), ("sigmoid", (20, 25), (0.3, 0.6)), ("tanh", (12, 20), (0.3, 0.7)))
    for activation, depths, scales in cases:
        widths = [int(rng.integers(4, 17))] * (int(rng.integers(depths[0], depths[1] + 1)) + 1)
        _compare(learner, _random_network(rng, widths, rng.integers(1, 9), rng.uniform(*scales), activation))


@check("Deep ReLU networks with large weights: exploding gradients match PyTorch", points=2)
def deep_exploding(learner, rng):
    for _ in range(2):
        widths = _widths(rng, int(rng.integers(10, 17)), 8, 24)
        _compare(learner, _random_network(rng, widths, rng.integers(2, 11), rng.uniform(2.0, 3.0), "relu"))


@check("Edge sizes: a single layer, a batch of one, layers one unit wide", points=2)
def edge_sizes(learner, rng):
    for activation in ACTIVATIONS:
        single = _widths(rng, 1, 1, 24)
        _compare(learner, _random_network(rng, single, rng.integers(1, 13), rng.uniform(0.5, 2.0), activation))
        one_example = _widths(rng, int(rng.integers(2, 7)), 1, 16)
        _compare(learner, _random_network(rng, one_example, 1, rng.uniform(0.5, 2.0), activation))
        narrow = _widths(rng, int(rng.integers(2, 7)), 1, 12)
        for layer in rng.choice(len(narrow), size=max(1, len(narrow) // 2), replace=False):
            narrow[int(layer)] = 1
        _compare(learner, _random_network(rng, narrow, rng.integers(1, 9), rng.uniform(0.5, 2.0), activation))


@check("A dead ReLU unit (pre-activation exactly 0) passes no gradient, as in PyTorch", points=2)
def dead_relu_units(learner, rng):
    def dead_unit(weights, x):
        # A zero row of W_l: that unit's pre-activation is exactly 0 for every example.
        layer = int(rng.integers(len(weights)))
        unit = int(rng.integers(weights[layer].shape[0]))
        weights[layer][unit] = 0.0
        return f"; then weights[{layer}][{unit}] = 0 (unit {unit} of layer {layer} is dead)"

    def zero_layer(weights, x):
        # A whole zero layer: nothing reaches the layers below it.
        layer = int(rng.integers(1, len(weights)))
        weights[layer][...] = 0.0
        return f"; then weights[{layer}] = 0"

    def fed_by_dead_units(weights, x):
        # Units 0..k-1 feeding the last layer are dead (zero rows of the weights before); an output unit
        # reads only them, so its pre-activation is exactly 0 although its weights and its input are not.
        layer, dead = len(weights) - 1, int(rng.integers(1, weights[-1].shape[1]))
        weights[layer - 1][:dead] = 0.0
        unit = int(rng.integers(weights[layer].shape[0]))
        weights[layer][unit, dead:] = 0.0
        first_alive[0] = dead
        return (
            f"; then weights[{layer - 1}][:{dead}] = 0 and weights[{layer}][{unit}, {dead}:] = 0 (output unit "
            f"{unit} reads only dead units)"
        )

    def kink_matters(network):
        # Only cases where a gradient of 1 at exactly 0 would change some norm.
        other, _ = _expected(network.weights, network.x, "relu", relu_grad_at_zero=1.0)
        return bool((np.abs(other - network.expected) > 1e-6 * np.abs(network.expected)).any())

    def output_unit_matters(network):
        # The output unit's weights get a gradient under the other convention only if some unit it
        # does not read (dead: onward) is active for some example.
        return kink_matters(network) and bool((network.pre_activations[-2][:, first_alive[0] :] > 0).any())

    first_alive = [0]  # set by fed_by_dead_units for output_unit_matters
    for change, depths in ((dead_unit, (1, 5)), (dead_unit, (2, 5)), (zero_layer, (2, 6))):
        widths = _widths(rng, int(rng.integers(depths[0], depths[1] + 1)), 2, 12)
        _compare(
            learner,
            _random_network(rng, widths, rng.integers(2, 9), rng.uniform(0.8, 2.0), "relu", change, kink_matters),
        )
    for _ in range(2):
        widths = _widths(rng, int(rng.integers(2, 6)), 3, 12)
        network = _random_network(
            rng, widths, rng.integers(2, 9), rng.uniform(0.8, 2.0), "relu", fed_by_dead_units, output_unit_matters
        )
        _compare(learner, network)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    """Every call of every check reads weights and x back; this check adds one network per activation,
    passed writable (as a caller's own arrays are)."""
    for activation in ACTIVATIONS:
        widths = _widths(rng, int(rng.integers(1, 6)), 1, 16)
        network = _random_network(rng, widths, rng.integers(1, 9), rng.uniform(0.5, 2.0), activation)
        _compare(learner, network, writable=True)
