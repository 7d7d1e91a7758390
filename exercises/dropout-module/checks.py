"""Hidden checks for the hand-written dropout module.

The module lives in the learner's process; the checks build it there with ``learner.new`` and call it
with tensors that cross the boundary as data. Autograd and reseeding must happen in that process too,
so a small support module (below) does them there and sends back plain tensors. Every verdict is
decided here, from those tensors: the kept/dropped pattern is read off the output, and the output and
the gradient are checked entry by entry against what ``torch.nn.Dropout`` computes for that pattern.

The one thing that cannot be read off values is *how* the output was made: a PyTorch function mode
records which torch functions the forward pass calls, and a call to a built-in dropout fails the
check. That record can only ever fail a submission, never make a wrong one pass.

Random behaviour is tested by properties and distributions with fixed seeds (each check first calls
``torch.manual_seed`` in the learner's process, so the draws depend on the submission alone), never
by comparing with the reference's own draws. Each statistical test states its bound; there are 5,
each with a false-rejection rate of at most 1e-8 (5e-8 in all).

The device half of "keeps the input's dtype and device" is not checked: this PyTorch build is
CPU-only, and the data-less ``meta`` device costs ~0.7 s of CPU to set up on first use.
"""

import math

import numpy as np
import torch

from grader.harness import CheckFailed, LearnerError, assert_close, binomial_bounds, check

ALPHA = 1e-8

SUPPORT = """
import random

import numpy as np
import torch
from torch.overrides import TorchFunctionMode


class _Recorder(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.names = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.append(str(getattr(func, "__name__", func)))
        return func(*args, **(kwargs or {}))


def forward_recording_calls(module, x):
    with _Recorder() as recorder:
        out = module(x)
    return out, sorted(set(recorder.names))


def forward_and_input(module, x):
    out = module(x)
    return out, x


def forward_backward(module, x, upstream):
    x = x.clone().requires_grad_(True)
    out = module(x)
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        return out, None
    if not out.requires_grad:
        return out.detach(), None
    # (out * g).sum().backward() gives x.grad = g * d(out)/dx; out.backward(g) would cost ~0.3 s of
    # first-use set-up in this PyTorch build.
    (out * upstream).sum().backward()
    return out.detach(), None if x.grad is None else x.grad.detach()


def seeded_forward(module, x, torch_seed, other_seed):
    random.seed(other_seed)
    np.random.seed(other_seed)
    torch.manual_seed(torch_seed)
    return module(x)
"""

# Built-in dropout functions, as a torch function mode names them (F.dropout, torch.dropout,
# nn.Dropout, torch.native_dropout, F.dropout1d/2d/3d, F.alpha_dropout, their in-place variants...).
FORBIDDEN_SUFFIXES = ("dropout", "dropout_", "dropout1d", "dropout2d", "dropout3d")

# Relative tolerance when comparing kept entries with x / (1 - p), by dtype.
RTOL = {torch.float16: 2e-3, torch.float32: 1e-6, torch.float64: 1e-12}


def _build(learner, *args):
    what = f"Dropout({', '.join(map(repr, args))})"
    try:
        return learner.new("Dropout", *args), what
    except LearnerError as error:
        raise CheckFailed(f"{what} raised {error.type}: {error.message}") from None


def _support(learner):
    learner.support(SUPPORT)


def _seed_torch(learner, seed):
    # The draws then depend on the submission alone, not on the job's seed: checks are reproducible.
    learner.support(f"import torch\n\ntorch.manual_seed({int(seed)})\n")


def _tensor(value, what, shape=None, dtype=torch.float64):
    if not isinstance(value, torch.Tensor):
        raise CheckFailed(f"{what}: expected a torch.Tensor, got {type(value).__name__}")
    if value.dtype != dtype:
        raise CheckFailed(f"{what}: expected dtype {dtype} (the input's), got {value.dtype}")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise CheckFailed(f"{what}: expected shape {tuple(shape)} (the input's), got {tuple(value.shape)}")
    return value


def _forward(layer, what, x):
    try:
        out = layer.call("forward", x)
    except LearnerError as error:
        shape = tuple(x.shape)
        raise CheckFailed(f"{what}: forward(x of shape {shape}) raised {error.type}: {error.message}") from None
    return _tensor(out, f"{what}: forward(x of shape {tuple(x.shape)}, dtype {x.dtype})", x.shape, x.dtype)


def _set_mode(layer, what, mode):
    try:
        layer.call(mode, discard=True)
    except LearnerError as error:
        raise CheckFailed(
            f"{what}.{mode}() raised {error.type}: {error.message}; Dropout must subclass torch.nn.Module "
            "and call super().__init__()"
        ) from None


def _kept(out, x, p, what):
    """The kept entries of a training-mode output; fails unless each entry is 0 or x / (1 - p)."""
    out64, x64 = out.double().numpy(), x.double().numpy()
    if np.any(x64 == 0):
        raise AssertionError("checks must use inputs without zeros")
    kept = out64 != 0
    scale = 1.0 / (1.0 - p)
    expected = np.where(kept, x64 * scale, 0.0)
    assert_close(
        out64,
        expected,
        what=f"{what}: every entry must be 0 (dropped) or x / (1 - p) = x * {scale:g} (kept)",
        rtol=RTOL[out.dtype],
        atol=0,
    )
    return kept


def _distinct_input(shape, dtype=torch.float64):
    # Non-zero entries, so a dropped entry (0) is told apart from a kept one.
    count = math.prod(shape)
    values = (np.arange(count) % 97 + 1.0) * np.where(np.arange(count) % 2, -1.0, 1.0)
    return torch.tensor(values.reshape(shape), dtype=dtype)


@check("Evaluation mode returns the input unchanged", points=1, public=True)
def evaluation_is_identity(learner):
    _seed_torch(learner, 30)
    x = _distinct_input((3, 4))
    layer, what = _build(learner, 0.4)
    _set_mode(layer, what, "eval")
    out = _forward(layer, f"{what} in eval mode", x)
    expected = torch.nn.Dropout(0.4).eval()(x)
    assert_close(out.numpy(), expected.numpy(), what=f"{what} in eval mode: output", rtol=0, atol=0)


@check("Training: each entry is 0 or x / (1 - p)", points=2, public=True)
def training_scales_kept_entries(learner):
    _seed_torch(learner, 31)
    x = _distinct_input((6, 8))
    for p in (0.2, 0.5, 0.75):
        layer, what = _build(learner, p)
        out = _forward(layer, f"{what} in training mode", x)
        _kept(out, x, p, f"{what} in training mode")


@check("A p outside [0, 1] raises ValueError when the layer is built", points=1, public=True)
def invalid_p_raises(learner):
    for p in (-0.1, 1.5, -1e-6, 1.000001):
        try:
            torch.nn.Dropout(p)
        except ValueError:
            pass
        else:
            raise AssertionError(f"torch.nn.Dropout accepts p={p}: fix the check")
        try:
            learner.new("Dropout", p)
        except LearnerError as error:
            if error.type != "ValueError":
                raise CheckFailed(
                    f"Dropout({p}) should raise ValueError, but raised {error.type}: {error.message}"
                ) from None
            continue
        raise CheckFailed(f"Dropout({p}) should raise ValueError (p must be in [0, 1]), but built a layer")
    for p in (0.0, 1.0):
        _build(learner, p)


@check("Drop rate matches p, and p defaults to 0.5 (binomial test)", points=2)
def drop_rate_matches_p(learner):
    _seed_torch(learner, 32)
    x = torch.ones((200, 500), dtype=torch.float64)
    for args, p in (((0.1,), 0.1), ((), 0.5), ((0.8,), 0.8)):
        layer, what = _build(learner, *args)
        out = _forward(layer, f"{what} in training mode", x)
        dropped = int((out.numpy() == 0).sum())
        low, high = binomial_bounds(x.numel(), p, ALPHA)
        if not low <= dropped <= high:
            raise CheckFailed(
                f"{what} in training mode on {x.numel()} entries dropped {dropped} ({dropped / x.numel():.4f}); "
                f"with p={p} a correct layer drops between {low} and {high} "
                f"(Hoeffding bound, false-rejection rate {ALPHA:g})"
            )


@check("Each entry is dropped independently (no mask shared along an axis)", points=1)
def entries_dropped_independently(learner):
    _seed_torch(learner, 33)
    x = torch.ones((400, 300), dtype=torch.float64)
    layer, what = _build(learner, 0.5)
    kept = _kept(_forward(layer, f"{what} in training mode", x), x, 0.5, f"{what} in training mode")
    # Disjoint pairs of entries (rows 2k and 2k+1, then columns 2k and 2k+1) agree with probability
    # p^2 + (1 - p)^2 = 0.5 when entries are independent; binomial test on the 60000 pairs.
    for axis, pairs in (("rows", kept[0::2] == kept[1::2]), ("columns", kept[:, 0::2] == kept[:, 1::2])):
        agree = int(pairs.sum())
        low, high = binomial_bounds(pairs.size, 0.5, ALPHA)
        if not low <= agree <= high:
            raise CheckFailed(
                f"{what} on a (400, 300) input: neighbouring {axis} agreed (both kept or both dropped) on "
                f"{agree} of {pairs.size} disjoint pairs; independent entries agree on between {low} and "
                f"{high} (Hoeffding bound, false-rejection rate {ALPHA:g}). Draw one value per entry "
                "(a mask of x's full shape), not one per row or per column."
            )


@check("p = 0 keeps everything, p = 1 drops everything (zeros, not NaN)", points=1)
def extreme_rates(learner):
    _seed_torch(learner, 34)
    x = _distinct_input((4, 5))
    layer, what = _build(learner, 0.0)
    out = _forward(layer, f"{what} in training mode", x)
    assert_close(out.numpy(), x.numpy(), what=f"{what} in training mode: output", rtol=0, atol=0)
    layer, what = _build(learner, 1.0)
    out = _forward(layer, f"{what} in training mode", x)
    assert_close(out.numpy(), np.zeros((4, 5)), what=f"{what} in training mode: output", rtol=0, atol=0)


@check("train() and eval() switch the behaviour back and forth", points=1)
def train_eval_switch(learner):
    _seed_torch(learner, 35)
    x = torch.ones((20, 30), dtype=torch.float64)
    layer, what = _build(learner, 0.5)
    for mode in ("eval", "train", "eval", "train"):
        _set_mode(layer, what, mode)
        out = _forward(layer, f"{what} after .{mode}()", x).numpy()
        dropped = int((out == 0).sum())
        if mode == "eval" and not np.array_equal(out, x.numpy()):
            raise CheckFailed(
                f"{what} after .eval() must return the input unchanged (read self.training in forward); "
                f"got {dropped} of 600 entries dropped and values {sorted(set(out.ravel().tolist()))[:4]}"
            )
        # P(no entry dropped among 600 at p = 0.5) = 2^-600: negligible.
        if mode == "train" and dropped == 0:
            raise CheckFailed(f"{what} after .train() dropped none of 600 entries: training mode must drop again")


@check("Gradient reaches x through kept entries only, scaled by 1/(1-p)", points=2)
def gradient_flows_through_kept(learner):
    _seed_torch(learner, 36)
    _support(learner)
    x = _distinct_input((5, 6))
    upstream = torch.linspace(0.5, 3.0, 30, dtype=torch.float64).reshape(5, 6)
    for p, mode in ((0.4, "train"), (0.4, "eval")):
        layer, what = _build(learner, p)
        _set_mode(layer, what, mode)
        try:
            out, grad = learner.support_call("forward_backward", layer.handle, x, upstream)
        except LearnerError as error:
            raise CheckFailed(
                f"{what} in {mode} mode: out = layer(x) with x.requires_grad, then out.backward(g), raised "
                f"{error.type}: {error.message}"
            ) from None
        out = _tensor(out, f"{what} in {mode} mode: output", x.shape)
        if grad is None:
            raise CheckFailed(
                f"{what} in {mode} mode: after out.backward(g), x.grad is None: the output is not connected to x "
                "in the autograd graph (avoid .detach(), .data, .numpy() and building a new tensor from values)"
            )
        grad = _tensor(grad, f"{what} in {mode} mode: x.grad", x.shape)
        if mode == "train":
            kept = _kept(out, x, p, f"{what} in training mode")
            expected = upstream.numpy() * kept / (1.0 - p)
        else:
            expected = upstream.numpy()
        assert_close(
            grad.numpy(),
            expected,
            what=f"{what} in {mode} mode: x.grad after out.backward(g) (g / (1 - p) where kept, 0 where dropped)",
            rtol=1e-12,
            atol=0,
        )


@check("torch.manual_seed reproduces the mask; each call draws a fresh one", points=2)
def torch_seed_drives_the_mask(learner):
    _seed_torch(learner, 37)
    _support(learner)
    x = torch.ones((50, 40), dtype=torch.float64)
    layer, what = _build(learner, 0.5)

    def seeded(torch_seed, other_seed):
        try:
            out = learner.support_call("seeded_forward", layer.handle, x, torch_seed, other_seed)
        except LearnerError as error:
            raise CheckFailed(
                f"{what}.forward(x) after torch.manual_seed({torch_seed}) raised {error.type}: {error.message}"
            ) from None
        return _tensor(out, f"{what}.forward(x) after torch.manual_seed({torch_seed})", x.shape).numpy()

    one, two = _forward(layer, what, x).numpy(), _forward(layer, what, x).numpy()
    # Distinct draws of 2000 independent entries at p = 0.5 coincide with probability 2^-2000.
    if np.array_equal(one, two):
        raise CheckFailed(
            f"{what}: two forward passes in a row on a (50, 40) input dropped exactly the same entries: "
            "draw a fresh mask on every call (is a mask stored and reused?)"
        )
    first, again = seeded(5, 1), seeded(5, 2)
    if not np.array_equal(first, again):
        raise CheckFailed(
            f"{what}: two forward passes, each right after torch.manual_seed(5) (with NumPy's and Python's "
            "generators seeded differently), gave different masks: draw the mask from PyTorch's generator "
            "(torch.rand, torch.bernoulli...), not from NumPy, the random module or a generator of your own"
        )
    if np.array_equal(first, seeded(6, 1)):
        raise CheckFailed(f"{what}: torch.manual_seed(5) and torch.manual_seed(6) gave the identical mask")


@check("Output keeps the input's dtype (float16, float32, float64)", points=2)
def keeps_dtype(learner):
    _seed_torch(learner, 38)
    p = 0.2
    layer, what = _build(learner, p)
    for dtype in (torch.float16, torch.float32, torch.float64):
        x = _distinct_input((10, 12), dtype)
        _kept(_forward(layer, f"{what} in training mode", x), x, p, f"{what} in training mode on {dtype}")


@check("Works for any shape, including a 0-d tensor", points=1)
def any_shape(learner):
    _seed_torch(learner, 39)
    layer, what = _build(learner, 0.3)
    for shape in ((), (7,), (2, 3, 4, 5)):
        x = _distinct_input(shape)
        _kept(_forward(layer, f"{what} in training mode", x), x, 0.3, f"{what} in training mode, shape {shape}")


@check("The input tensor is not modified in place", points=1)
def input_untouched(learner):
    _seed_torch(learner, 40)
    _support(learner)
    x = _distinct_input((6, 7))
    for mode in ("train", "eval"):
        layer, what = _build(learner, 0.5)
        _set_mode(layer, what, mode)
        try:
            _, after = learner.support_call("forward_and_input", layer.handle, x.clone())
        except LearnerError as error:
            raise CheckFailed(f"{what}(x) in {mode} mode raised {error.type}: {error.message}") from None
        after = _tensor(after, f"x after {what}(x) in {mode} mode", x.shape)
        assert_close(after.numpy(), x.numpy(), what=f"x after {what}(x) in {mode} mode", rtol=0, atol=0)


@check("Implemented by hand, without PyTorch's built-in dropout", points=1)
def no_builtin_dropout(learner):
    _seed_torch(learner, 41)
    _support(learner)
    x = _distinct_input((4, 6))
    layer, what = _build(learner, 0.5)
    try:
        _, names = learner.support_call("forward_recording_calls", layer.handle, x)
    except LearnerError as error:
        raise CheckFailed(f"{what}(x) raised {error.type}: {error.message}") from None
    used = [name for name in names if isinstance(name, str) and name.endswith(FORBIDDEN_SUFFIXES)]
    if used:
        raise CheckFailed(
            f"{what}(x) called PyTorch's built-in {', '.join(used)}: the point of the exercise is to build the "
            "mask and the scaling yourself (torch.nn.Dropout, torch.nn.functional.dropout and torch.dropout are "
            "not allowed)"
        )
