"""Hidden checks for the batch normalisation forward pass.

The expected values come from ``torch.nn.functional.batch_norm`` itself (float64 tensors, the running
buffers copied first because PyTorch updates them in place). Nothing here is random on the learner's
side, so there is no statistical test; the inputs are fixed arrays or come from seeded generators in
this trusted process.
"""

from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F

from grader.harness import CheckFailed, LearnerError, assert_array, assert_close, check, describe

# float64 on both sides: only rounding separates a correct answer from PyTorch's. A wrong epsilon
# placement (sqrt(var) + eps) already differs by about 5e-6 relative for a unit variance.
RTOL, ATOL = 1e-9, 1e-10


def _data(seed, n, d, scale=1.0, offset=0.0):
    rng = np.random.default_rng(seed)
    x = offset + scale * rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d)
    gamma = rng.uniform(0.5, 2.0, size=d)
    beta = rng.normal(size=d)
    running_mean = rng.normal(size=d)
    running_var = rng.uniform(0.5, 2.0, size=d)
    return x, gamma, beta, running_mean, running_var


@contextmanager
def _one_torch_thread():
    # batch_norm's CPU kernel opens an OpenMP region even for tiny inputs; on a busy host a second
    # thread waiting for a core has cost 100+ ms per call, inside the sandbox's wall-clock window.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _torch(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """PyTorch's answer: (out, running_mean, running_var) after the call, as NumPy arrays."""
    mean_t = torch.tensor(running_mean, dtype=torch.float64)
    var_t = torch.tensor(running_var, dtype=torch.float64)
    with torch.no_grad(), _one_torch_thread():
        out = F.batch_norm(
            torch.tensor(x, dtype=torch.float64),
            mean_t,
            var_t,
            weight=torch.tensor(gamma, dtype=torch.float64),
            bias=torch.tensor(beta, dtype=torch.float64),
            training=training,
            momentum=momentum,
            eps=eps,
        )
    return out.numpy(), mean_t.numpy(), var_t.numpy()


def _call(learner, args, training, **options):
    x = args[0]
    call = ", ".join([f"x of shape {x.shape}", "gamma", "beta", "running_mean", "running_var", f"training={training}"])
    call += "".join(f", {key}={value}" for key, value in options.items())
    what = f"batchnorm_forward({call})"
    result = learner.batchnorm_forward(*args, training, **options)
    if not (isinstance(result, (tuple, list)) and len(result) == 3):
        raise CheckFailed(
            f"{what} must return a tuple (out, new_running_mean, new_running_var); got {type(result).__name__}"
        )
    n, d = x.shape
    out = assert_array(result[0], what=f"{what}: out", shape=(n, d))
    new_mean = assert_array(result[1], what=f"{what}: new_running_mean", shape=(d,))
    new_var = assert_array(result[2], what=f"{what}: new_running_var", shape=(d,))
    return what, out, new_mean, new_var


def _inputs(args):
    names = ("x", "gamma", "beta", "running_mean", "running_var")
    return "Inputs: " + "; ".join(f"{name} = {describe(value, 200)}" for name, value in zip(names, args, strict=True))


def _compare(learner, args, training, rtol=RTOL, atol=ATOL, parts=(0, 1, 2), **options):
    what, *got = _call(learner, args, training, **options)
    expected = _torch(*args, training, **options)
    names = ("out", "new_running_mean", "new_running_var")
    for index in parts:
        try:
            label = f"{what}: {names[index]} (compared with PyTorch)"
            assert_close(got[index], expected[index], what=label, rtol=rtol, atol=atol)
        except CheckFailed as failure:
            raise CheckFailed(f"{failure}\n{_inputs(args)}") from None


@check("Training output matches torch.nn.functional.batch_norm on the worked example", points=2, public=True)
def worked_example_training(learner):
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    _compare(learner, (x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2)), True, parts=(0,))


@check("Training normalises each feature with the batch mean and biased variance", points=2)
def training_output(learner):
    for seed, n, d in ((1, 8, 3), (2, 32, 5), (3, 3, 4)):
        _compare(learner, _data(seed, n, d), True, parts=(0,))


@check("Running mean and variance move by momentum, using the unbiased batch variance", points=2, public=True)
def running_statistics(learner):
    _compare(learner, _data(4, 6, 3), True, parts=(1, 2))
    _compare(learner, _data(5, 10, 4), True, parts=(1, 2), momentum=0.3)


@check("Default arguments are momentum=0.1 and eps=1e-5", points=1)
def default_arguments(learner):
    _compare(learner, _data(6, 7, 3), True)


@check("Other momentum and eps values, including momentum 0 and 1", points=1)
def momentum_and_eps(learner):
    args = _data(7, 9, 4)
    for momentum, eps in ((0.0, 1e-5), (1.0, 1e-5), (0.25, 1e-3), (0.1, 0.5)):
        _compare(learner, args, True, momentum=momentum, eps=eps)


@check("Evaluation normalises with the running statistics and returns them unchanged", points=2, public=True)
def evaluation_mode(learner):
    args = _data(8, 5, 3)
    _compare(learner, args, False)
    _compare(learner, args, False, momentum=0.5, eps=1e-3)


@check("eps is added to the variance inside the square root", points=1)
def eps_inside_sqrt(learner):
    # Features with variances around 1e-6: sqrt(var + eps) and sqrt(var) + eps differ by a factor ~3.
    args = _data(9, 12, 3, scale=1e-3)
    _compare(learner, args, True, parts=(0,))
    eval_args = (*args[:3], args[3], np.array([1e-6, 4e-6, 2.5e-7]))
    _compare(learner, eval_args, False, parts=(0,))


@check("A constant feature gives beta, not NaN", points=1)
def constant_feature(learner):
    x = np.array([[2.0, 1.0], [2.0, -1.0], [2.0, 3.0], [2.0, 0.5]])
    _compare(learner, (x, np.array([1.5, 1.0]), np.array([0.25, 0.0]), np.zeros(2), np.ones(2)), True)


@check("Accurate when a feature has a large mean and a small spread", points=1)
def large_offset(learner):
    # Mean 1e6, spread ~1e-2: E[x^2] - E[x]^2 loses every significant digit in float64, centring first
    # does not. The tolerance allows the rounding of x itself (1e6 * 2.2e-16 relative to a 1e-2 spread).
    args = _data(10, 16, 3, scale=1e-2, offset=1e6)
    _compare(learner, args, True, rtol=1e-6, atol=1e-6, parts=(0, 2))


@check("Training with one example raises ValueError; evaluation with one example works", points=1)
def single_example(learner):
    x, gamma, beta, running_mean, running_var = _data(11, 1, 3)
    try:
        learner.batchnorm_forward(x, gamma, beta, running_mean, running_var, True)
    except LearnerError as error:
        if error.type != "ValueError":
            raise CheckFailed(
                "batchnorm_forward(x of shape (1, 3), ..., training=True) should raise ValueError, "
                f"but raised {error.type}: {error.message}"
            ) from None
    else:
        raise CheckFailed(
            "batchnorm_forward(x of shape (1, 3), ..., training=True) should raise ValueError as PyTorch does "
            "(one example has no variance), but it returned"
        )
    _compare(learner, (x, gamma, beta, running_mean, running_var), False)


@check("Smallest shapes: two examples, one feature", points=1)
def smallest_shapes(learner):
    x = np.array([[0.5], [-1.5]])
    args = (x, np.array([2.0]), np.array([-1.0]), np.array([0.3]), np.array([0.7]))
    _compare(learner, args, True)
    _compare(learner, args, False)


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner):
    args = _data(12, 6, 4)
    names = ("x", "gamma", "beta", "running_mean", "running_var")
    for training in (True, False):
        _, after = learner.call_echo("batchnorm_forward", *(a.copy() for a in args), training)
        for name, before, now in zip(names, args, after, strict=False):
            assert_close(now, before, what=f"{name} after batchnorm_forward(..., training={training})", rtol=0, atol=0)
