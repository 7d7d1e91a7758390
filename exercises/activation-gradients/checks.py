"""Hidden checks for activation functions and their gradients.

Every expected value comes from PyTorch (``torch.sigmoid`` and autograd in float64), computed here in
the trusted worker. Nothing here is random.
"""

import numpy as np
import torch

from grader.harness import CheckFailed, LearnerError, assert_close, check, describe

RTOL, ATOL = 1e-9, 1e-12
FUNCTIONS = ("sigmoid", "sigmoid_grad", "tanh_grad", "relu_grad", "leaky_relu_grad")
X_TYPICAL = np.array([[-6.0, -2.5, -1.0, -0.3, 0.0], [0.2, 0.7, 1.5, 3.0, 8.0]])
X_LARGE = np.array([-1e4, -1000.0, -745.5, -710.0, -700.0, -50.0, -30.0, 0.0, 30.0, 50.0, 700.0, 710.0, 1000.0, 1e4])

# Loaded into the learner's process: calls a learner function with NumPy's default error handling
# (overflow, division by zero and invalid operations warn; underflow is silent), but every warning
# raised as an exception, so a check sees it as a LearnerError. Only the exception decides anything;
# the values themselves are recomputed here.
STRICT_SUPPORT = """
import sys
import warnings

import numpy as np


def call_strictly(name, *args):
    function = getattr(sys.modules["submission"], name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            return function(*args)
"""


def _expected(name, x, negative_slope=0.01):
    """The PyTorch value of ``name`` at ``x`` (float64): the function itself or its autograd derivative."""
    tensor = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    if name == "sigmoid":
        return torch.sigmoid(tensor).detach().numpy()
    forward = {
        "sigmoid_grad": torch.sigmoid,
        "tanh_grad": torch.tanh,
        "relu_grad": torch.relu,
        "leaky_relu_grad": lambda t: torch.nn.functional.leaky_relu(t, negative_slope),
    }[name]
    forward(tensor).sum().backward()
    return tensor.grad.numpy()


def _result(value, x, what):
    """The learner's answer as an array of x's shape; a NumPy scalar (or Python float) is fine for 0-d x."""
    if x.ndim == 0 and isinstance(value, (bool, int, float, np.generic)):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what}: expected a NumPy array, got {type(value).__name__}: {describe(value)}")
    if value.dtype != np.float64:
        raise CheckFailed(f"{what}: expected a float64 array, got dtype {value.dtype}")
    if value.shape != x.shape:
        raise CheckFailed(f"{what}: expected shape {x.shape} (the shape of x), got shape {value.shape}")
    return value


def _compare(learner, name, x, label, **kwargs):
    value = learner.call(name, x.copy(), **kwargs)
    arguments = ", ".join(["x", *(f"{key}={val!r}" for key, val in kwargs.items())])
    what = f"{name}({arguments}) with x = {label}"
    expected = _expected(name, x, **kwargs)
    assert_close(_result(value, x, what), expected, what=what, rtol=RTOL, atol=ATOL)


@check("sigmoid matches torch.sigmoid on ordinary inputs", points=1, public=True)
def sigmoid_typical(learner):
    _compare(learner, "sigmoid", X_TYPICAL, describe(X_TYPICAL))


@check("sigmoid_grad matches PyTorch autograd", points=2)
def sigmoid_grad_matches(learner):
    _compare(learner, "sigmoid_grad", X_TYPICAL, describe(X_TYPICAL))
    x = np.linspace(-12.0, 12.0, 49)
    _compare(learner, "sigmoid_grad", x, "np.linspace(-12, 12, 49)")


@check("tanh_grad matches PyTorch autograd", points=2)
def tanh_grad_matches(learner):
    _compare(learner, "tanh_grad", X_TYPICAL, describe(X_TYPICAL))
    x = np.linspace(-6.0, 6.0, 49)
    _compare(learner, "tanh_grad", x, "np.linspace(-6, 6, 49)")


@check("relu_grad is 1 where x > 0 and 0 where x <= 0 (0 at x = 0, as in PyTorch)", points=2, public=True)
def relu_grad_matches(learner):
    x = np.array([-3.0, -1e-300, -0.0, 0.0, 1e-300, 0.5, 7.0])
    _compare(learner, "relu_grad", x, describe(x))
    _compare(learner, "relu_grad", X_TYPICAL, describe(X_TYPICAL))


@check("leaky_relu_grad is 1 where x > 0 and negative_slope where x <= 0 (default 0.01)", points=2, public=True)
def leaky_relu_grad_matches(learner):
    x = np.array([-3.0, -1e-300, -0.0, 0.0, 1e-300, 0.5, 7.0])
    _compare(learner, "leaky_relu_grad", x, describe(x))
    for slope in (0.2, 0.05):
        _compare(learner, "leaky_relu_grad", x, describe(x), negative_slope=slope)
    # The slope may also be passed positionally.
    value = learner.leaky_relu_grad(x.copy(), 0.3)
    what = f"leaky_relu_grad(x, 0.3) with x = {describe(x)}"
    assert_close(_result(value, x, what), _expected("leaky_relu_grad", x, 0.3), what=what, rtol=RTOL, atol=ATOL)


@check("Large inputs (|x| up to 1e4) give finite, correct values with no NumPy warning", points=3)
def large_inputs_are_stable(learner):
    learner.support(STRICT_SUPPORT)
    for name in FUNCTIONS:
        try:
            value = learner.support_call("call_strictly", name, X_LARGE.copy())
        except LearnerError as error:
            message = f"{name}(x) with x = {describe(X_LARGE)} raised {error.type}: {error.message}"
            if error.type in ("RuntimeWarning", "FloatingPointError"):
                message += (
                    " (NumPy warnings are turned into errors here: an overflow or invalid-value warning means "
                    "the formula is not numerically stable; e.g. np.exp(-x) overflows for x = -1e4)"
                )
            raise CheckFailed(message) from None
        what = f"{name}(x) with x = {describe(X_LARGE)}"
        value = _result(value, X_LARGE, what)
        if not np.isfinite(value).all():
            index = int(np.argwhere(~np.isfinite(value))[0][0])
            raise CheckFailed(f"{what}: at x = {X_LARGE[index]!r} got {value[index]!r}; every value must be finite")
        assert_close(value, _expected(name, X_LARGE), what=what, rtol=RTOL, atol=ATOL)


@check("Works for any shape: 0-d, 1-d, 3-d and empty arrays", points=1)
def any_shape(learner):
    cases = [
        (np.array(-0.75), "np.array(-0.75) (0-d)"),
        (np.array(1.25), "np.array(1.25) (0-d)"),
        (np.array([0.4]), "np.array([0.4])"),
        (np.linspace(-2.0, 2.0, 24).reshape(2, 3, 4), "np.linspace(-2, 2, 24).reshape(2, 3, 4)"),
        (np.zeros((2, 0)), "np.zeros((2, 0)) (empty)"),
    ]
    for x, label in cases:
        for name in FUNCTIONS:
            _compare(learner, name, x, label)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner):
    x = np.array([[-2.0, -0.5, 0.0], [0.5, 2.0, 9.0]])
    for name in FUNCTIONS:
        _, args = learner.call_echo(name, x.copy())
        assert_close(args[0], x, what=f"x after {name}(x)", rtol=0, atol=0)
    _, args = learner.call_echo("leaky_relu_grad", x.copy(), 0.2)
    assert_close(args[0], x, what="x after leaky_relu_grad(x, 0.2)", rtol=0, atol=0)
