"""Hidden checks for L1/L2 penalties, SGD with weight decay and soft thresholding.

Gradients are compared with PyTorch autograd, ``sgd_step`` with ``torch.optim.SGD`` itself and
``soft_threshold`` with ``torch.nn.functional.softshrink`` (float64 tensors throughout). Nothing is
random on the learner's side; the test data come from seeded generators in this trusted process.
"""

import numbers
from contextlib import contextmanager

import numpy as np
import torch

from grader.harness import CheckFailed, assert_array, assert_close, check, describe

RTOL, ATOL = 1e-10, 1e-12

EXAMPLE = [np.array([[1.0, -2.0], [0.0, 3.0]]), np.array([0.5, -0.5])]


def _weights(seed):
    """A matrix, a bias vector, a 0-d scalar and a 3-d array, with a few exact zeros."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(4, 3)), rng.normal(size=3), np.array(rng.normal()), rng.normal(size=(2, 2, 2))]
    weights[0][1, 2] = 0.0
    weights[3][0, 1, 0] = 0.0
    return weights


def _show(weights):
    return "[" + ", ".join(describe(w, 160) for w in weights) + "]"


def _scalar(value, what):
    """A penalty: a real number (Python or NumPy scalar, or a 0-d array)."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        return float(value)
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    raise CheckFailed(f"{what}: expected a single number (float), got {type(value).__name__}: {describe(value)}")


def _array(value, what, shape):
    """An array of ``shape``; for a 0-d input, a NumPy or Python float is accepted too."""
    if shape == () and isinstance(value, (float, np.floating)):
        value = np.asarray(value, dtype=float)
    return assert_array(value, what=what, shape=shape)


def _grad_list(value, what, weights):
    if not isinstance(value, (list, tuple)) or len(value) != len(weights):
        raise CheckFailed(
            f"{what}: expected a list of {len(weights)} arrays (one per weight array), "
            f"got {type(value).__name__}: {describe(value)}"
        )
    return [_array(g, f"{what}[{i}]", w.shape) for i, (g, w) in enumerate(zip(value, weights, strict=True))]


@contextmanager
def _one_torch_thread():
    # Keep PyTorch off its OpenMP pool: on a busy host a second thread waiting for a core can cost
    # far more than these tiny computations, inside the sandbox's wall-clock window.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _autograd(weights, lam, kind):
    """Gradient of lam * sum(w**2) or lam * sum(|w|) over every array, by PyTorch autograd."""
    tensors = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    if not tensors:
        return []
    with _one_torch_thread():
        total = sum(((t**2).sum() if kind == "l2" else t.abs().sum()) for t in tensors)
        (lam * total).backward()
    return [t.grad.numpy() for t in tensors]


def _torch_sgd(w, grad, lr, weight_decay):
    parameter = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))
    parameter.grad = torch.tensor(grad, dtype=torch.float64)
    with _one_torch_thread():
        torch.optim.SGD([parameter], lr=lr, weight_decay=weight_decay).step()
    return parameter.detach().numpy()


def _check_penalty(learner, name, weights, lam):
    expected = lam * sum(float(np.sum(w**2 if name == "l2_penalty" else np.abs(w))) for w in weights)
    what = f"{name}(weights={_show(weights)}, lam={lam})"
    got = _scalar(learner.call(name, weights, lam), what)
    assert_close(got, expected, what=what, rtol=RTOL, atol=ATOL)


def _check_grad(learner, name, weights, lam):
    expected = _autograd(weights, lam, "l2" if name == "l2_penalty_grad" else "l1")
    what = f"{name}(weights={_show(weights)}, lam={lam})"
    got = _grad_list(learner.call(name, weights, lam), what, weights)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert_close(g, e, what=f"{what}[{i}] (compared with PyTorch autograd)", rtol=RTOL, atol=ATOL)


def _check_sgd(learner, w, grad, lr, weight_decay=None):
    if weight_decay is None:
        what = f"sgd_step(w={describe(w, 160)}, grad={describe(grad, 160)}, lr={lr})"
        got = learner.sgd_step(w, grad, lr)
        weight_decay = 0.0
    else:
        what = f"sgd_step(w={describe(w, 160)}, grad={describe(grad, 160)}, lr={lr}, weight_decay={weight_decay})"
        got = learner.sgd_step(w, grad, lr, weight_decay)
    got = _array(got, what, np.shape(w))
    expected = _torch_sgd(w, grad, lr, weight_decay)
    assert_close(got, expected, what=f"{what} (compared with torch.optim.SGD)", rtol=RTOL, atol=ATOL)
    return got


def _check_soft(learner, w, threshold):
    what = f"soft_threshold(w={describe(w, 200)}, threshold={threshold})"
    got = _array(learner.soft_threshold(w, threshold), what, np.shape(w))
    with _one_torch_thread():
        expected = torch.nn.functional.softshrink(torch.tensor(w, dtype=torch.float64), threshold).numpy()
    assert_close(got, expected, what=f"{what} (compared with torch.nn.functional.softshrink)", rtol=RTOL, atol=ATOL)
    small = np.abs(w) <= threshold
    if np.any(got[small] != 0.0):
        index = tuple(int(i) for i in np.argwhere(small & (got != 0.0))[0])
        raise CheckFailed(
            f"{what}: w{list(index)} = {w[index]!r} has magnitude <= threshold, so the result must be exactly 0; "
            f"got {got[index]!r}"
        )


# The first torch.optim step in a process costs about a second of imports; pay it here, while the
# checks module loads, not inside the sandbox run's wall-clock window.
_torch_sgd(np.zeros(1), np.zeros(1), 0.1, 0.1)


@check("Worked example: both penalties and their gradients", points=1, public=True)
def worked_example_penalties(learner):
    for name in ("l2_penalty", "l1_penalty"):
        _check_penalty(learner, name, EXAMPLE, 0.1)
    for name in ("l2_penalty_grad", "l1_penalty_grad"):
        _check_grad(learner, name, EXAMPLE, 0.1)


@check("Worked example: sgd_step and soft_threshold", points=1, public=True)
def worked_example_steps(learner):
    _check_sgd(learner, np.array([1.0, -2.0]), np.array([0.5, 0.5]), 0.1, 0.01)
    _check_soft(learner, np.array([-2.0, -0.5, 0.0, 0.3, 1.5]), 0.5)


@check("L2 penalty: lam times the sum of squares of every entry of every array", points=1)
def l2_penalty_values(learner):
    for seed, lam in ((1, 0.01), (2, 1.5), (3, 0.0)):
        _check_penalty(learner, "l2_penalty", _weights(seed), lam)


@check("L2 gradient is 2 * lam * w for every array", points=1)
def l2_gradient(learner):
    for seed, lam in ((4, 0.05), (5, 2.0)):
        _check_grad(learner, "l2_penalty_grad", _weights(seed), lam)


@check("L1 penalty: lam times the sum of absolute values of every array", points=1)
def l1_penalty_values(learner):
    for seed, lam in ((6, 0.01), (7, 1.5), (8, 0.0)):
        _check_penalty(learner, "l1_penalty", _weights(seed), lam)


@check("L1 gradient is lam * sign(w), and 0 where w is 0", points=1)
def l1_gradient(learner):
    for seed, lam in ((9, 0.05), (10, 2.0)):
        _check_grad(learner, "l1_penalty_grad", _weights(seed), lam)
    _check_grad(learner, "l1_penalty_grad", [np.zeros((2, 3)), np.array(0.0), np.array([-0.0, 1e-300])], 0.5)


@check("An empty list of weights has penalty 0 and an empty gradient list", points=1)
def empty_weights(learner):
    for name in ("l2_penalty", "l1_penalty"):
        _check_penalty(learner, name, [], 0.3)
    for name in ("l2_penalty_grad", "l1_penalty_grad"):
        _check_grad(learner, name, [], 0.3)


@check("sgd_step matches torch.optim.SGD, with and without weight decay", points=2)
def sgd_matches_torch(learner):
    rng = np.random.default_rng(11)
    for shape in ((5,), (3, 4), ()):
        w, grad = np.asarray(rng.normal(size=shape)), np.asarray(rng.normal(size=shape))
        _check_sgd(learner, w, grad, 0.05)  # default weight_decay
        for lr, weight_decay in ((0.1, 0.0), (0.1, 0.01), (0.5, 0.3), (1e-3, 5e-4)):
            _check_sgd(learner, w, grad, lr, weight_decay)


@check("Weight decay alone shrinks w by the factor (1 - lr * weight_decay) per step", points=1)
def decay_only_run(learner):
    # With a zero loss gradient, ten steps must give w * (1 - lr * wd) ** 10, as torch.optim.SGD does.
    w0 = np.array([[2.0, -1.0], [0.5, -4.0]])
    w = w0.copy()
    for _ in range(10):
        w = _check_sgd(learner, w, np.zeros_like(w), 0.1, 0.2)
    assert_close(w, w0 * (1 - 0.1 * 0.2) ** 10, what="w after 10 sgd_step calls, zero grad, lr=0.1, wd=0.2", rtol=1e-9)


@check("soft_threshold shrinks by threshold and gives exact zeros (softshrink)", points=2)
def soft_threshold_values(learner):
    rng = np.random.default_rng(12)
    w = rng.normal(size=(6, 5))
    w[0, :3] = [0.4, -0.4, 0.0]  # exactly at the threshold and at zero
    _check_soft(learner, w, 0.4)
    _check_soft(learner, rng.normal(size=7), 1.0)
    _check_soft(learner, np.array(-0.3), 0.1)


@check("soft_threshold: threshold 0 keeps w, a large threshold zeroes everything", points=1)
def soft_threshold_extremes(learner):
    w = np.array([[-3.0, 0.0, 2.5], [1e-8, -1e-8, 7.0]])
    _check_soft(learner, w, 0.0)
    _check_soft(learner, w, 10.0)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner):
    weights = _weights(13)
    for name in ("l2_penalty", "l2_penalty_grad", "l1_penalty", "l1_penalty_grad"):
        _, after = learner.call_echo(name, [w.copy() for w in weights], 0.5)
        for i, (before, now) in enumerate(zip(weights, after[0], strict=True)):
            assert_close(now, before, what=f"weights[{i}] after {name}(weights, 0.5)", rtol=0, atol=0)
    w, grad = weights[0], weights[0][::-1].copy()
    _, after = learner.call_echo("sgd_step", w.copy(), grad.copy(), 0.1, 0.01)
    assert_close(after[0], w, what="w after sgd_step(w, grad, 0.1, 0.01)", rtol=0, atol=0)
    assert_close(after[1], grad, what="grad after sgd_step(w, grad, 0.1, 0.01)", rtol=0, atol=0)
    _, after = learner.call_echo("soft_threshold", w.copy(), 0.5)
    assert_close(after[0], w, what="w after soft_threshold(w, 0.5)", rtol=0, atol=0)
