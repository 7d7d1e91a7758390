"""Hidden checks for gradient clipping by norm and by value.

Every expected value comes from PyTorch itself: ``torch.nn.utils.clip_grad_norm_`` and
``clip_grad_value_`` are run here, in the trusted worker, on float64 parameters whose ``.grad`` holds
the same arrays. Only finite gradients are used. Nothing here is random.
"""

import numpy as np
import torch

from grader.harness import CheckFailed, assert_array, assert_close, check, describe

RTOL = 1e-10
G_SIMPLE = [np.array([3.0, 4.0]), np.array([[12.0]])]  # total 2-norm 13, inf-norm 12, 1-norm 19


SHAPES = [(4, 3), (5,), (2, 3, 2), (), (1, 1)]


class Grads(list):
    """A list of gradient arrays that knows how to describe itself in a failure message."""

    def __init__(self, arrays, label=None):
        super().__init__(arrays)
        self.label = label or "[" + ", ".join(describe(g, limit=120) for g in arrays) + "]"


def _random_grads(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(rng.normal(size=shape) * scale) for shape in SHAPES]  # np.asarray keeps 0-d as arrays
    label = f"[np.asarray(rng.normal(size=s) * {scale:g}) for s in {SHAPES}], rng = np.random.default_rng({seed})"
    return Grads(arrays, label)


def _label(grads):
    return grads.label if isinstance(grads, Grads) else Grads(grads).label


def _torch_params(grads):
    params = []
    for g in grads:
        param = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        param.grad = torch.tensor(g, dtype=torch.float64)
        params.append(param)
    return params


def _expected_norm(grads, max_norm, norm_type):
    params = _torch_params(grads)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    return [p.grad.numpy().copy() for p in params], float(total)


def _expected_value(grads, clip_value):
    params = _torch_params(grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    return [p.grad.numpy().copy() for p in params]


def _arrays(value, grads, what):
    """The learner's list of arrays, each checked against the shape of the matching gradient."""
    if not isinstance(value, list):
        raise CheckFailed(f"{what}: expected a list of arrays, got {type(value).__name__}: {describe(value)}")
    if len(value) != len(grads):
        raise CheckFailed(f"{what}: expected a list of {len(grads)} arrays (one per gradient), got {len(value)}")
    arrays = []
    for index, (item, grad) in enumerate(zip(value, grads, strict=True)):
        if grad.ndim == 0 and isinstance(item, (float, np.floating)):
            item = np.asarray(item)  # a NumPy scalar is fine for a 0-d gradient
        arrays.append(assert_array(item, what=f"{what}[{index}]", shape=grad.shape, kinds="f"))
    return arrays


def _clip_norm(learner, grads, max_norm, norm_type=None, positional=False):
    args = [[g.copy() for g in grads], max_norm]
    if norm_type is None:
        result = learner.clip_grad_norm(*args)
        call = f"clip_grad_norm(grads, max_norm={max_norm!r})"
        norm_type = 2.0
    elif positional:
        result = learner.clip_grad_norm(*args, norm_type)
        call = f"clip_grad_norm(grads, {max_norm!r}, {norm_type!r})"
    else:
        result = learner.clip_grad_norm(*args, norm_type=norm_type)
        call = f"clip_grad_norm(grads, max_norm={max_norm!r}, norm_type={norm_type!r})"
    what = f"{call} with grads = {_label(grads)}"
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"{what}: must return a tuple (clipped_arrays, total_norm); got {describe(result)}")
    clipped, total = result
    arrays = _arrays(clipped, grads, f"{what}: clipped_arrays")
    if isinstance(total, np.ndarray) and total.ndim == 0:
        total = total[()]
    if isinstance(total, (bool, np.bool_)) or not isinstance(total, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"{what}: total_norm must be a float, got {type(total).__name__}: {describe(total)}")
    expected_arrays, expected_total = _expected_norm(grads, max_norm, norm_type)
    assert_close(float(total), expected_total, what=f"{what}: total_norm (measured before clipping)", rtol=RTOL, atol=0)
    for index, (actual, expected) in enumerate(zip(arrays, expected_arrays, strict=True)):
        assert_close(actual, expected, what=f"{what}: clipped_arrays[{index}]", rtol=RTOL, atol=0)


def _clip_value(learner, grads, clip_value):
    what = f"clip_grad_value(grads, clip_value={clip_value!r}) with grads = {_label(grads)}"
    arrays = _arrays(learner.clip_grad_value([g.copy() for g in grads], clip_value), grads, what)
    for index, (actual, expected) in enumerate(zip(arrays, _expected_value(grads, clip_value), strict=True)):
        assert_close(actual, expected, what=f"{what}[{index}]", rtol=RTOL, atol=0)


@check("Below max_norm the arrays come back unchanged, with their total norm", points=1, public=True)
def below_max_norm(learner):
    _clip_norm(learner, G_SIMPLE, 20.0)
    _clip_norm(learner, G_SIMPLE, 13.5)
    _clip_norm(learner, _random_grads(1), 100.0)


@check("Above max_norm every array is scaled by max_norm / (total_norm + 1e-6)", points=2, public=True)
def above_max_norm(learner):
    _clip_norm(learner, G_SIMPLE, 6.5)
    _clip_norm(learner, G_SIMPLE, 1.0)
    _clip_norm(learner, _random_grads(2, scale=10.0), 0.5)


@check("One total norm over all arrays together, not one per array", points=2)
def one_total_norm(learner):
    # Each array has 2-norm 3, below max_norm = 4; together they have norm sqrt(27) = 5.196 > 4.
    grads = [np.array([3.0, 0.0]), np.array([0.0, -3.0, 0.0]), np.array([[1.0, 2.0], [2.0, 0.0]])]
    _clip_norm(learner, grads, 4.0)
    _clip_norm(learner, _random_grads(3), 2.0)


@check("norm_type 1, 3 and inf match torch.nn.utils.clip_grad_norm_", points=3)
def other_norm_types(learner):
    for norm_type in (1.0, 3.0, float("inf")):
        _clip_norm(learner, G_SIMPLE, 6.5, norm_type)
        _clip_norm(learner, G_SIMPLE, 50.0, norm_type, positional=True)
        grads = _random_grads(4, scale=3.0)
        _clip_norm(learner, grads, 0.75, norm_type)
        _clip_norm(learner, grads, 1e3, norm_type, positional=True)
    _clip_norm(learner, G_SIMPLE, 6.5, 2.0, positional=True)


@check("The 1e-6 in max_norm / (total_norm + 1e-6) is kept (visible with tiny gradients)", points=2)
def epsilon_is_kept(learner):
    # Total 2-norm 1e-3: the coefficient is 1e-4 / (1e-3 + 1e-6), 0.1 % below 1e-4 / 1e-3.
    grads = [np.array([6e-4, 0.0]), np.array([[0.0, -8e-4]])]
    _clip_norm(learner, grads, 1e-4)
    _clip_norm(learner, _random_grads(5, scale=1e-3), 1e-6, float("inf"))


@check("Clips whenever max_norm / (total_norm + 1e-6) < 1, even just below max_norm", points=2)
def threshold_rule(learner):
    # Total 2-norm 0.9995e-3 < max_norm = 1e-3, but 1e-3 / (0.9995e-3 + 1e-6) < 1: PyTorch scales.
    grads = [np.array([0.6e-3 * 0.9995, 0.8e-3 * 0.9995])]
    _clip_norm(learner, grads, 1e-3)
    # Total 2-norm 0.998e-3: 1e-3 / (0.998e-3 + 1e-6) > 1, so nothing changes.
    grads = [np.array([0.6e-3 * 0.998, 0.8e-3 * 0.998])]
    _clip_norm(learner, grads, 1e-3)


@check("Zero gradients, 0-d arrays and an empty list", points=2)
def edge_cases(learner):
    _clip_norm(learner, [np.zeros((2, 3)), np.zeros(4)], 1.0)
    _clip_norm(learner, [np.array(5.0), np.array([-12.0])], 1.0)
    _clip_norm(learner, [np.array(-2.5)], 1.0, float("inf"))
    result = learner.clip_grad_norm([], 1.0)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"clip_grad_norm([], 1.0) must return a tuple ([], 0.0); got {describe(result)}")
    clipped, total = result
    if clipped != [] or not isinstance(total, (int, float, np.integer, np.floating)) or float(total) != 0.0:
        raise CheckFailed(f"clip_grad_norm([], 1.0): expected ([], 0.0) as in PyTorch, got {describe(result)}")


@check("clip_grad_value clamps every entry to [-clip_value, clip_value]", points=2, public=True)
def clip_by_value(learner):
    _clip_value(learner, G_SIMPLE, 3.5)
    _clip_value(learner, [np.array([-2.0, -0.5, 0.5, 2.0]), np.array(-7.0), np.array([[0.25]])], 0.5)
    _clip_value(learner, _random_grads(6), 0.3)
    result = learner.clip_grad_value([], 1.0)
    if result != []:
        raise CheckFailed(f"clip_grad_value([], 1.0): expected [], got {describe(result)}")


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner):
    grads = _random_grads(7, scale=5.0)
    for name, args in (
        ("clip_grad_norm", (0.5,)),
        ("clip_grad_norm", (0.5, float("inf"))),
        ("clip_grad_value", (0.1,)),
    ):
        _, echoed = learner.call_echo(name, [g.copy() for g in grads], *args)
        after = echoed[0]
        call = f"{name}(grads, {', '.join(repr(a) for a in args)})"
        if not isinstance(after, list) or len(after) != len(grads):
            raise CheckFailed(f"the grads list passed to {call} was changed")
        for index, (array, original) in enumerate(zip(after, grads, strict=True)):
            assert_close(array, original, what=f"grads[{index}] after {call}", rtol=0, atol=0)
