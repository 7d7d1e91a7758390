"""Hidden checks for the hand-written dropout module.

The module lives in the learner's process: the checks build it there with ``learner.new`` and call it
(``layer(x)``, through ``__call__``) with tensors that live in memory shared with that process. Every
verdict is decided here, from values: the kept/dropped pattern is read off the output, and each entry
is compared with what ``torch.nn.Dropout`` computes for that pattern. Every hidden case (shapes,
dtypes, drop rates, values, seeds, the order of calls) is drawn from ``rng``, fresh for each grading.

- The built-in dropout cannot be used: the ``ENVIRONMENT`` (loaded before the learner's code) registers
  refusing kernels for every dropout operator at PyTorch's dispatcher, and replaces PyTorch's Python
  reference implementations of dropout, so any call to them raises with a clear message. No recorder
  or trap is consulted: the refusal is simply how the process is.
- In-place edits are seen from outside: after every ``layer(x)`` this side reads ``x`` back from the
  shared memory; where autograd needs the input inside the learner's process, the input's values after
  the call come back and are compared with what was sent.
- Gradients are asked of autograd's engine (the call ``torch.autograd.grad`` makes, taken before the
  learner's code loads) for a leaf the environment creates upstream of the layer, never read from
  ``.grad``, and compared with ``g / (1 - p)`` on the entries the returned output kept, 0 elsewhere.
- "Draw the mask from PyTorch's generator" is checked across processes: the same ``torch.manual_seed``
  must give the same sequence of masks in a fresh process (whose NumPy, ``random`` and PyTorch
  generators are seeded differently), whichever of two layer instances is called, while an extra draw
  from PyTorch's generator, another seed, or simply the next call must change the mask.

- Inputs are not all alike: the statistics and the seed check send inputs of every dtype, of ranks 1 to
  4, of 1 to 200,000 entries, some requiring grad (as activations do while training), some views not in
  memory order, at rates from 0.001 to 0.999, mixed in random order, so a layer that misbehaves only on
  some kind of input meets it among the tested ones. Outputs are read again once a batch has run: an
  output that a later call overwrites (a reused buffer) is seen.

False-rejection budget for a correct solution, at a nominal ``ALPHA`` = 1e-9 per test: 36 tests in the
statistics check (31 on four large masks, 2 exact binomial tests at extreme rates, 3 on the repeated
calls) and up to 5 exact binomial tests in the seed check: 41 tests, 4.1e-8 nominal. The chi-square
approximations' true tails are within a factor of about 2 of the nominal ones (measured) except the
test of neighbours at rates near 0.05, which may overstate its level about tenfold: it runs at
``ALPHA`` / 100. Below 1e-7 in all; coincidences of independent masks of at least 400 entries (below
0.7**400 each) add nothing.
"""

import math

import numpy as np
import torch
from scipy import stats

from grader.harness import (
    CheckFailed,
    LearnerError,
    assert_close,
    binomial_bounds,
    check,
    describe,
    drawing,
    exact_binomial_bounds,
    figure,
    neighbours,
)

ENVIRONMENT = '''
import warnings

import torch
import torch._decomp
import torch._decomp.decompositions
import torch._refs.nn.functional

REFUSAL = (
    "PyTorch's built-in dropout (torch.nn.Dropout, torch.nn.functional.dropout, torch.dropout and their "
    "variants) is switched off in this exercise: build the mask yourself (torch.rand or torch.bernoulli)"
)


def _refuse(*args, **kwargs):
    raise RuntimeError(REFUSAL)


_IMPLICIT = (
    "dropout", "dropout_", "feature_dropout", "feature_dropout_", "alpha_dropout", "alpha_dropout_",
    "feature_alpha_dropout", "feature_alpha_dropout_",
)
# Each operator at the key that holds its kernel (torch._C._dispatch_dump): the composite ones at
# CompositeImplicitAutograd; native_dropout on CPU, where every path to it ends (with or without
# autograd, in inference mode); its out= form at CompositeExplicitAutograd.
_KERNELS = [(name, "CompositeImplicitAutograd") for name in _IMPLICIT]
_KERNELS += [("native_dropout", "CPU"), ("native_dropout.out", "CompositeExplicitAutograd")]
# Module-level, so it lives as long as the process: a Library that is collected undoes its kernels.
_LIBRARY = torch.library.Library("aten", "IMPL")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "Overriding a previously registered kernel" would reach the output
    for _name, _key in _KERNELS:
        _LIBRARY.impl(_name, _refuse, _key)
_OVERLOADS = [getattr(torch.ops.aten, name).default for name in _IMPLICIT] + [
    torch.ops.aten.native_dropout.default,
    torch.ops.aten.native_dropout.out,
    torch.ops.aten._fused_dropout.default,
    torch.ops.aten._fused_dropout.out,
]
for _op in _OVERLOADS:
    # The Python dispatcher's kernels, used instead of the ones above when it is switched on.
    for _key in list(_op.py_kernels):
        _op.py_kernels[_key] = _refuse
    _op._dispatch_cache.clear()
    # PyTorch's Python references of dropout compute it from torch.rand: they go too.
    for _table in torch._decomp.global_decomposition_table.values():
        if _op in _table:
            _table[_op] = _refuse
for _module, _names in (
    (torch._refs.nn.functional, ("dropout", "alpha_dropout", "_dropout_helper")),
    (torch._decomp.decompositions, ("dropout", "native_dropout", "_fused_dropout_decomposition")),
):
    for _name in _names:
        setattr(_module, _name, _refuse)


# What the measurements below use, taken before the learner's code loads: reassigning torch.rand,
# torch.autograd.grad or Tensor.clone afterwards changes the learner's code, not these.
_MANUAL_SEED, _RAND = torch.manual_seed, torch.rand
_CLONE, _DETACH, _PERMUTE = torch.Tensor.clone, torch.Tensor.detach, torch.Tensor.permute
_RUN_BACKWARD = torch.autograd.Variable._execution_engine.run_backward
_TENSOR = torch.Tensor


def _copy(value):
    return _CLONE(_DETACH(value)) if isinstance(value, _TENSOR) else value


def _call_with_gradient(layer, x, upstream, given, outputs):
    """(out, the input after the call, d<out, upstream>/d leaf or None, why not).

    The input is ``leaf * 1``, ``leaf`` a new leaf holding x's values: the gradient is asked of
    autograd's engine from upstream of the layer (as torch.autograd.grad does), whatever the layer does
    with its input's ``.grad`` or hooks. Values are copied before the backward pass, so nothing it runs
    can change them.
    """
    leaf = _CLONE(x).requires_grad_(True)
    given.append(leaf * 1)
    out = layer(given[-1])
    outputs.append(out)
    seen = _copy(out), _copy(given[-1])
    if not isinstance(out, _TENSOR):
        return (*seen, None, "the output is not a tensor")
    if not out.requires_grad:
        return (*seen, None, "the output does not require grad: it is not connected to x in the autograd graph")
    try:
        (gradient,) = _RUN_BACKWARD((out,), (upstream,), False, False, (leaf,), False, accumulate_grad=False)
    except RuntimeError as error:
        return (*seen, None, str(error).splitlines()[0])
    return (*seen, gradient, "")


def run(template, steps):
    """Run ``steps`` in order; return what each "call" and "grad" step gave, in order, the inputs of
    those steps as they are once all steps have run, and their outputs as they are then.

    ("build", args, kwargs): a new layer, type(template)(*args, **kwargs), referred to by later steps
    by its index among the layers built. ("seed", s): torch.manual_seed(s). ("draw", n): torch.rand(n).
    ("mode", layer, training): layer.train(training). ("call", layer, x): layer(a copy of x), returned
    with the copy as it is right after the call. ("call", layer, xt, True): the same on a view not in
    memory order (xt, a copy of x with its axes reversed, with its axes reversed back). ("grad", layer,
    x, g): see _call_with_gradient.
    """
    built, results, given, outputs = [], [], [], []
    for kind, *args in steps:
        if kind == "build":
            built.append(type(template)(*args[0], **args[1]))
        elif kind == "seed":
            _MANUAL_SEED(*args)
        elif kind == "draw":
            _RAND(*args)
        else:
            layer = built[args[0]] if type(args[0]) is int else args[0]
            if kind == "mode":
                layer.train(args[1])
            elif kind == "call":
                x = _CLONE(args[1])
                given.append(_PERMUTE(x, tuple(reversed(range(x.dim())))) if len(args) > 2 and args[2] else x)
                out = layer(given[-1])
                outputs.append(out)
                results.append((_copy(out), _copy(given[-1])))
            else:
                results.append(_call_with_gradient(layer, *args[1:], given, outputs))
    return results, [_copy(tensor) for tensor in given], [_copy(out) for out in outputs]


def inside_a_model(module):
    """The layer as the second child of an nn.Sequential, which its train() and eval() reach."""
    return torch.nn.Sequential(torch.nn.Identity(), module)
'''

ALPHA = 1e-9
DTYPES = (np.float16, np.float32, np.float64)
# Relative tolerance on kept entries against x / (1 - p) (and on gradients), by dtype: a few roundings.
RTOL = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-12}
X_PUBLIC = np.array([[1.5, -2.0, 3.25, 0.5], [-4.0, 2.5, -0.75, 6.0], [7.0, -8.5, 9.0, -1.25]])


# Building, calling and reading the layer. Inputs are NumPy arrays here, sent as tensors.


def _arguments(p, keyword):
    """(args, kwargs, description) of Dropout(...) with p, keyword or positional; None means no argument."""
    if p is None:
        return (), {}, "Dropout()"
    return ((), {"p": p}, f"Dropout(p={p!r})") if keyword else ((p,), {}, f"Dropout({p!r})")


def _build(learner, p=None, keyword=False):
    args, kwargs, what = _arguments(p, keyword)
    try:
        return learner.new("Dropout", *args, **kwargs), what
    except LearnerError as error:
        raise CheckFailed(f"{what} raised {error.type}: {error.message}") from None


def _set_mode(layer, what, mode):
    try:
        layer.call(mode, discard=True)
    except LearnerError as error:
        raise CheckFailed(
            f"{what}.{mode}() raised {error.type}: {error.message}; Dropout must subclass torch.nn.Module "
            "and call super().__init__()"
        ) from None


def _case(x):
    return f"x of shape {x.shape} and dtype torch.{x.dtype}"


def _output(value, what, x):
    """The returned tensor as a NumPy array, after checking it is a tensor of x's dtype and shape."""
    if not isinstance(value, torch.Tensor):
        raise CheckFailed(f"{what}: expected a torch.Tensor, got {type(value).__name__}: {describe(value)}")
    value = value.numpy()
    if value.dtype != x.dtype:
        raise CheckFailed(f"{what}: expected dtype torch.{x.dtype} (the input's), got torch.{value.dtype}")
    if value.shape != x.shape:
        raise CheckFailed(f"{what}: expected shape {x.shape} (the input's), got {value.shape}")
    return value


def _untouched(after, x, what):
    after = np.asarray(after)
    if after.shape != x.shape or not np.array_equal(after, x):
        changed = int((after != x).sum()) if after.shape == x.shape else "all"
        raise CheckFailed(
            f"{what} modified its input in place ({changed} of {x.size} entries changed): never write into x; "
            "build a new tensor (out = x * mask, not x.mul_(mask) or x[...] = 0)"
        )


def _forward(layer, what, x):
    """layer(x) through __call__, as a model calls it; x is read back from the shared memory after the call."""
    call = f"{what}(x) on {_case(x)}"
    try:
        out, after = layer.call_and_read_args("__call__", torch.from_numpy(x))
    except LearnerError as error:
        raise CheckFailed(f"{call} raised {error.type}: {error.message}") from None
    _untouched(after[0], x, call)
    return _output(out, call, x)


def _kept(out, x, p, what):
    """The kept entries of a training-mode output; fails unless each entry is 0 or x / (1 - p)."""
    out64, x64 = out.astype(np.float64), x.astype(np.float64)
    if np.any(x64 == 0):
        raise AssertionError("checks must use inputs without zeros")
    kept = out64 != 0
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    assert_close(
        out64,
        np.where(kept, x64 * scale, 0.0),
        what=f"{what}: every entry must be 0 (dropped) or x / (1 - p) = x * {scale:.6g} (kept)",
        rtol=RTOL[out.dtype.type],
        atol=0,
    )
    return kept


def _identity(out, x, what):
    assert_close(out, x, what=f"{what}: output (must equal x)", rtol=0, atol=0)


# Inputs


def _random_shape(rng, max_entries):
    ndim = int(rng.integers(0, 5))
    while True:
        shape = tuple(int(n) for n in rng.integers(1, 30, size=ndim))
        if math.prod(shape) <= max_entries:
            return shape


def _values(rng, shape, dtype):
    # Non-zero values of both signs and several magnitudes (in [0.01, 100], where x / (1 - p) neither
    # overflows float16 nor falls to its subnormals), so a dropped entry (0) is never ambiguous.
    signed = rng.uniform(1.0, 10.0, size=shape) * (2 * rng.integers(0, 2, size=shape) - 1)
    return np.asarray(signed * 10.0 ** rng.integers(-2, 2, size=shape), dtype=dtype)


def _dtype(rng, choices=DTYPES):
    return choices[int(rng.integers(0, len(choices)))]


def _rate(rng, low=0.05, high=0.95):
    return round(float(rng.uniform(low, high)), 4)


def _seed(rng):
    return int(rng.integers(0, 2**62))


# Public checks: fixed examples


@check("Evaluation mode returns the input unchanged", points=1, public=True)
def evaluation_is_identity(learner, rng):
    layer, what = _build(learner, 0.4)
    _set_mode(layer, what, "eval")
    _identity(_forward(layer, f"{what} in eval mode", X_PUBLIC), X_PUBLIC, f"{what} in eval mode")


@check("Training: each entry is 0 or x / (1 - p)", points=2, public=True)
def training_scales_kept_entries(learner, rng):
    x = np.arange(1.0, 49.0).reshape(6, 8)
    for p in (0.2, 0.5, 0.75):
        layer, what = _build(learner, p)
        _kept(_forward(layer, f"{what} in training mode", x), x, p, f"{what} in training mode")


@check("A p outside [0, 1] raises ValueError when the layer is built", points=1, public=True)
def invalid_p_raises(learner, rng):
    _expect_value_errors(learner, (-0.1, 1.5, -1e-6, 1.000001))
    for p in (0.0, 1.0):
        _build(learner, p)


def _expect_value_errors(learner, rates):
    for p in rates:
        try:
            learner.new("Dropout", p)
        except LearnerError as error:
            if not error.is_a("ValueError"):
                raise CheckFailed(
                    f"Dropout({p!r}) should raise ValueError, but raised {error.type}: {error.message}"
                ) from None
            continue
        raise CheckFailed(f"Dropout({p!r}) should raise ValueError (p must be in [0, 1]), but built a layer")


# Hidden checks: cases drawn from rng. Calls whose order does not matter to the learner's process go
# in one environment request (a batch), to keep grading fast; its layers are built there, as instances
# of the class of a layer built by learner.new.


class _Batch:
    """Steps for the environment's ``run``; arrays are NumPy arrays here and go as tensors."""

    def __init__(self, process):
        self.process = process
        self.steps = []
        self.layers = 0

    def layer(self, p=None, keyword=False):
        """A new layer, built in the batch: (its reference for later steps, its description)."""
        args, kwargs, what = _arguments(p, keyword)
        self.steps.append(("build", list(args), kwargs))
        self.layers += 1
        return self.layers - 1, what

    def add(self, *step):
        self.steps.append(step)

    def run(self, what):
        """The results of the "call" and "grad" steps, once every input is known to be unchanged.

        Each input must hold the values sent right after its call, and still once all steps have run
        (an input changed in place later, e.g. at the next call, is seen too).
        """
        template = _build(self.process, 0.5)[0].handle if self.layers else None
        wire = []
        for step in self.steps:
            if step[0] == "call" and len(step) > 3 and step[3]:
                # A view not in memory order, as x.t() or x.permute(...) is: its axes reversed there.
                step = (*step[:2], np.ascontiguousarray(step[2].transpose()), True)
            wire.append([torch.from_numpy(item) if isinstance(item, np.ndarray) else item for item in step])
        try:
            results, inputs, outputs = self.process.environment("run", template, wire)
        except LearnerError as error:
            raise CheckFailed(f"{what} raised {error.type}: {error.message}") from None
        sent = [step[2] for step in self.steps if step[0] in ("call", "grad")]
        if len(inputs) != len(sent) or len(results) != len(sent) or len(outputs) != len(sent):
            raise CheckFailed(f"{what}: the environment's answer does not match the calls made")
        for index, (x, result) in enumerate(zip(sent, results, strict=True)):
            _untouched(result[1], x, f"{what}: call {index + 1}, on {_case(x)},")
        for index, (x, after) in enumerate(zip(sent, inputs, strict=True)):
            _untouched(after, x, f"{what}: once all calls had run, the input of call {index + 1} showed that a call")
        # An output must keep its values after later calls (a buffer reused from call to call does not).
        for index, (result, final) in enumerate(zip(results, outputs, strict=True)):
            early = result[0]
            same = isinstance(early, torch.Tensor) and isinstance(final, torch.Tensor) and early.shape == final.shape
            if same and not torch.equal(torch.nan_to_num(early), torch.nan_to_num(final)):
                raise CheckFailed(
                    f"{what}: the output of call {index + 1} changed after later calls: return a new tensor "
                    "at every call, never one the layer writes into again"
                )
        return results


def _called(result, x, call):
    """The output of a "call" step, after checking it and that the input came back unchanged."""
    out, after = result
    _untouched(after, x, call)
    return _output(out, call, x)


@check("New inputs of any shape and dtype: each entry is 0 or x / (1 - p); eval mode returns x", points=2)
def any_shape_and_dtype(learner, rng):
    cases, batch = [], _Batch(learner)
    for index, dtype in enumerate([*(DTYPES[i] for i in rng.permutation(3)), _dtype(rng)]):
        x = _values(rng, () if index == 0 else _random_shape(rng, 4000), dtype)  # the first is 0-d
        p = _rate(rng)
        layer, what = batch.layer(p, keyword=bool(rng.integers(0, 2)))
        cases.append((x, p, what))
        batch.add("call", layer, x)
        batch.add("mode", layer, False)
        batch.add("call", layer, x)
    results = iter(batch.run("Dropout layers in training, then in eval mode, on new inputs"))
    for x, p, what in cases:
        call = f"{what} in training mode"
        _kept(_called(next(results), x, call), x, p, f"{call} on {_case(x)}")
        call = f"{what} in eval mode"
        _identity(_called(next(results), x, call), x, f"{call} on {_case(x)}")


@check("Invalid p raises ValueError on new values", points=1)
def invalid_p_on_new_values(learner, rng):
    _expect_value_errors(
        learner,
        [
            -float(rng.uniform(1e-9, 1e-3)),
            1.0 + float(rng.uniform(1e-9, 1e-3)),
            -float(rng.uniform(1, 50)),
            float(rng.uniform(1.5, 50)),
        ],
    )


@check("Drop rate matches p, p defaults to 0.5, and entries are dropped independently", points=3)
def dropout_statistics(learner, rng):
    """The masks of one batch of calls, in random order, each test at false-rejection rate ``ALPHA``:

    - four masks of about ``LARGE`` entries (a low random p, the default p = 0.5, a high and a middle
      random p; ranks 1 to 4, every dtype, two inputs requiring grad, one a view not in memory order),
      values of both signs and magnitudes 0.01 to 100: a two-sided binomial test of the number dropped
      (catches p used as the keep probability, a wrong default, a rate off for some dtype, rank or kind
      of input); along every axis a chi-square dispersion test of the drop counts per index (positions
      dropped more or less often than others) and a chi-square test of independence of neighbours (a
      mask shared along an axis, e.g. across the batch); tests of independence of an entry's fate and
      its sign, and its magnitude above the median (a mask that depends on the values) (31 tests);
    - two masks of 30,000 to 60,000 entries at rates 10^-U(1, 3) and 1 - 10^-U(1, 3) (the latter on
      float32 or float64, where uniforms are fine enough near 1): exact binomial tests (catches rates near
      0 or 1 rounded to 0 or 1) (2 tests);
    - 100 to 499 calls of one layer on inputs of 400 entries (four shapes of ranks 1 to 4, mixed; every
      dtype; some requiring grad, some views), among which the calls above fall: no call drops the same
      entries as the last call of its shape (a mask kept between calls), a chi-square dispersion test of
      the numbers dropped (an exact number dropped per call, a layer that stops dropping after some
      calls), a test of independence of successive masks of a shape, entry by entry, and a binomial test
      of a large mask drawn by that layer after all of them (3 tests).

    Gradients of the inputs requiring grad are compared with 1 / (1 - p) on the kept entries, 0 elsewhere.
    """
    batch, large = _Batch(learner), []
    ranks, grads = rng.permutation([1, 2, 3, 4]), rng.permutation([True, True, False, False])
    dtypes = [DTYPES[int(i)] for i in rng.permutation([0, 1, 2, int(rng.integers(3))])]
    rates = (_rate(rng, 0.05, 0.3), None, _rate(rng, 0.7, 0.95), _rate(rng, 0.3, 0.7))
    for p, ndim, dtype, grad in zip(rates, ranks, dtypes, grads, strict=True):
        layer, what = batch.layer(p)
        x = _values(rng, _statistics_shape(rng, int(ndim)), dtype)
        large.append([layer, what, x, 0.5 if p is None else p, bool(grad), False])
    # One input that does not require grad, with several axes, goes as a view not in memory order.
    large[int(rng.choice([k for k, case in enumerate(large) if not case[4] and case[2].ndim > 1]))][5] = True
    extremes = []
    for high in (False, True):
        p = _extreme_rate(rng, high)
        layer, what = batch.layer(p)
        shape = _shape_of_size(rng, int(rng.integers(30_000, 60_000)), int(rng.integers(1, 5)))
        x = _unit_values(rng, shape, _dtype(rng, DTYPES[1:] if high else DTYPES))
        extremes.append([layer, what, x, p, bool(rng.integers(2)), False])
    small_p = _rate(rng, 0.3, 0.7)
    small, small_what = batch.layer(small_p)
    shapes = [SHAPES_400[ndim][int(rng.integers(len(SHAPES_400[ndim])))] for ndim in (1, 2, 3, 4)]
    repeated = []
    for _ in range(int(rng.integers(100, 500))):
        x = _values(rng, shapes[int(rng.integers(4))], _dtype(rng))
        grad = bool(rng.random() < 0.25)
        repeated.append([small, small_what, x, small_p, grad, not grad and x.ndim > 1 and rng.random() < 0.25])
    # The large calls fall among the repeated ones, at random places: a layer or class that changes its
    # behaviour after some number of calls meets them there.
    order = [("repeated", k) for k in range(len(repeated))]
    for k in rng.permutation(len(large) + len(extremes)):
        order.insert(int(rng.integers(len(order) + 1)), ("large", int(k)))
    final = [small, small_what, _values(rng, _statistics_shape(rng, int(rng.integers(1, 5))), _dtype(rng))]
    final += [small_p, bool(rng.integers(2)), False]
    order.append(("final", 0))
    groups = {"repeated": repeated, "large": large + extremes, "final": [final]}
    upstreams = []
    for group, k in order:
        layer, _, x, _, grad, view = groups[group][k]
        upstreams.append(_add_training_call(batch, layer, x, grad, view))
    results = batch.run("Dropout layers in training mode on large inputs and on many small inputs")
    kept = {}
    for (group, k), result, upstream in zip(order, results, upstreams, strict=True):
        _, what, x, p, grad, view = groups[group][k]
        kept[group, k] = _judged(result, x, p, _training_call(what, x, grad, view), upstream)
    drawn = False
    for k, (_, what, x, p, grad, view) in enumerate(large):
        what = _training_call(what, x, grad, view)
        mask = kept["large", k]
        dropped = ~mask
        if x.ndim > 1 and not drawn:
            drawn = True
            with drawing():
                _draw_kept_per_row(mask, p, what)
        _binomial(dropped, p, what)
        for axis in range(x.ndim):
            if x.ndim > 1:
                others = tuple(other for other in range(x.ndim) if other != axis)
                counts = dropped.sum(axis=others)
                _dispersion(
                    counts, dropped.size // x.shape[axis], p, f"{what}: the number dropped per index of axis {axis}"
                )
            # Both margins near p: the chi-square approximation is at its worst here (see the module's budget).
            _independent(
                *neighbours(mask, axis), f"{what}: whether neighbours along axis {axis} are kept", level=ALPHA / 100
            )
        _independent(mask, x > 0, f"{what}: whether an entry is kept and whether it is positive")
        magnitude = np.abs(x.astype(np.float64))
        _independent(
            mask, magnitude > np.median(magnitude), f"{what}: whether an entry is kept and whether |x| is large"
        )
    for k, (_, what, x, p, grad, view) in enumerate(extremes, start=len(large)):
        _exact_binomial(int((~kept["large", k]).sum()), x.size, p, _training_call(what, x, grad, view))
    call = f"{small_what} in training mode"
    last, firsts, seconds, counts = {}, [], [], []
    for number, (_, _, x, _, _, _) in enumerate(repeated):
        mask = kept["repeated", number]
        counts.append(int((~mask).sum()))
        if x.shape in last:
            before, previous = last[x.shape]
            # Two independent masks of 400 entries at p in [0.3, 0.7] coincide with probability below 0.58**400.
            if np.array_equal(previous, mask):
                raise CheckFailed(
                    f"calls {before + 1} and {number + 1} of {call}, both on inputs of shape {x.shape} (in a series of "
                    f"{len(repeated)} calls), dropped the same entries: draw a fresh mask on every call"
                )
            firsts.append(previous.ravel())
            seconds.append(mask.ravel())
        last[x.shape] = number, mask
    _dispersion(
        np.array(counts),
        400,
        small_p,
        f"over {len(repeated)} calls of {call} on inputs of 400 entries, the number dropped per call",
    )
    _independent(
        np.concatenate(firsts),
        np.concatenate(seconds),
        f"over {len(repeated)} calls of {call} on inputs of 400 entries, whether an entry is kept at a call and at "
        "the next call on that shape",
    )
    _, _, x, _, grad, view = final
    _binomial(~kept["final", 0], small_p, f"after those calls, {_training_call(small_what, x, grad, view)}")


# Shapes of 400 entries by rank, for the statistics check's repeated calls.
SHAPES_400 = {
    1: [(400,)],
    2: [(20, 20), (16, 25), (25, 16), (10, 40), (40, 10), (8, 50)],
    3: [(4, 10, 10), (5, 8, 10), (10, 5, 8), (2, 10, 20), (8, 5, 10)],
    4: [(2, 4, 5, 10), (4, 5, 4, 5), (5, 4, 4, 5), (2, 2, 10, 10), (10, 2, 4, 5)],
}
# About how many entries the statistics check's large inputs hold.
LARGE = 32_000


def _statistics_shape(rng, ndim):
    """A random shape with ``ndim`` axes of roughly equal length (each index then has enough entries for
    its own count), about ``LARGE`` entries in all."""
    side = LARGE ** (1 / ndim)
    return tuple(max(8, round(side * float(rng.uniform(0.8, 1.25)))) for _ in range(ndim))


def _shape_of_size(rng, size, ndim):
    """``ndim`` axes of random, roughly balanced lengths whose product is about ``size``."""
    weights = rng.dirichlet(np.full(ndim, 3.0))
    lengths = [max(1, round(size**weight)) for weight in weights[:-1]]
    # The last axis takes what the others leave, so that small sizes are not rounded away.
    return (*lengths, max(1, round(size / math.prod(lengths))))


def _unit_values(rng, shape, dtype):
    # |x| in [0.5, 2]: x / (1 - p) stays finite in float16 even at p = 0.999.
    signed = rng.uniform(0.5, 2.0, size=shape) * (2 * rng.integers(0, 2, size=shape) - 1)
    return np.asarray(signed, dtype=dtype)


def _extreme_rate(rng, high):
    """10^-U(1, 3) (from 0.001 to 0.1), or 1 minus that."""
    p = 10.0 ** -float(rng.uniform(1, 3))
    return float(f"{1 - p if high else p:.6g}")


def _training_call(what, x, grad, view):
    kind = " requiring grad" if grad else " (a view not in memory order)" if view else ""
    return f"{what} in training mode on {_case(x)}{kind}"


def _add_training_call(batch, layer, x, grad, view):
    """A "call" step (on a view if ``view``) or a "grad" step (upstream gradient of ones); the upstream
    gradient, or None."""
    if grad:
        upstream = np.ones_like(x)
        batch.add("grad", layer, x, upstream)
        return upstream
    batch.add("call", layer, x, view)
    return None


def _judged(result, x, p, call, upstream=None):
    """The kept entries of a training "call" or "grad" step's output, after checking its values and, for a
    "grad" step, the gradient (upstream / (1 - p) where kept, 0 elsewhere)."""
    kept = _kept(_called(result[:2], x, call), x, p, call)
    if upstream is not None:
        gradient, why = result[2:]
        if gradient is None:
            raise CheckFailed(
                f"{call}: torch.autograd.grad(out, x, g) failed: {why}. The output must stay connected to x "
                "(no .detach(), .data, .numpy() or new tensor built from values), whatever x's dtype"
            )
        assert_close(
            _output(gradient, f"{call}: the gradient with respect to x", x),
            upstream.astype(np.float64) * kept * (0.0 if p == 1 else 1.0 / (1.0 - p)),
            what=f"{call}: d<out, g>/dx (g / (1 - p) where kept, 0 where dropped)",
            rtol=RTOL[x.dtype.type],
            atol=0,
        )
    return kept


def _exact_binomial(count, n, p, what):
    """``count`` of ``n`` entries dropped at rate ``p``: within the exact Binomial(n, p) bounds at false-rejection
    rate ``ALPHA``."""
    low, high = exact_binomial_bounds(n, p, ALPHA)
    if not low <= count <= high:
        raise CheckFailed(
            f"{what}: {count} of {n} entries were dropped ({count / n:.4f}); with p={p} a correct layer drops "
            f"between {low} and {high} (exact binomial test, false-rejection rate {ALPHA:g}): every entry must be "
            "dropped with probability p, whatever the input's size, shape, dtype or kind"
        )


def _draw_kept_per_row(kept, p, what):
    """The fraction kept in each row (index of axis 0) against the binomial band a correct layer's rows fall in."""
    kept = kept.reshape(kept.shape[0], -1)
    rows, n = kept.shape
    low, high = binomial_bounds(n, 1 - p, ALPHA / rows)
    fractions = kept.mean(axis=1)
    inside = int(((fractions >= low / n) & (fractions <= high / n)).sum())
    figure(
        "band",
        {
            "x_label": "row",
            "y_label": "fraction of the row kept",
            "values": fractions,
            "low": low / n,
            "high": high / n,
            "expected": 1 - p,
            "band_label": "binomial band for each row",
        },
        f"{what}: the fraction of each of the {rows} rows of {n} entries that your layer kept, against the "
        f"expected 1 - p = {1 - p:.4f}. All of a correct layer's rows fall between {low / n:.4f} and {high / n:.4f} "
        f"but with probability {ALPHA:g} (binomial bounds over all rows; the check itself tests the spread of "
        f"the counts); {inside} of your rows are inside, ranging from {fractions.min():.4f} to {fractions.max():.4f}.",
    )


def _binomial(dropped, p, what):
    low, high = binomial_bounds(dropped.size, p, ALPHA)
    count = int(dropped.sum())
    if not low <= count <= high:
        default = " (Dropout() must use p = 0.5)" if "Dropout()" in what else ""
        raise CheckFailed(
            f"{what}: {count} of {dropped.size} entries were dropped ({count / dropped.size:.4f}); with p={p} a "
            f"correct layer drops between {low} and {high} (binomial test, false-rejection rate {ALPHA:g}){default}"
        )


def _dispersion(counts, n, p, what):
    """Counts that should each be Binomial(n, p): their spread must match (two-sided chi-square test).

    Each term (count - np)^2 / (np(1-p)) has mean 1 and variance 2 + (1 - 6p(1-p)) / (np(1-p)), not
    quite the chi-square's 2: the sum is compared with a chi-square scaled to those two moments, whose
    tails are then within a factor of about 2 of the true ones (measured) where p(1-p)n is small.
    """
    statistic = float(((counts - n * p) ** 2).sum() / (n * p * (1 - p)))
    variance = 2 + (1 - 6 * p * (1 - p)) / (n * p * (1 - p))
    scaled, freedom = 2 * statistic / variance, 2 * counts.size / variance
    tail = stats.chi2.sf(scaled, freedom) if scaled > freedom else stats.chi2.cdf(scaled, freedom)
    if 2 * float(tail) < ALPHA:
        raise CheckFailed(
            f"{what} varies {'more' if statistic > counts.size else 'less'} than independent draws allow "
            f"(chi-square {statistic:.0f} on {counts.size} degrees of freedom, false-rejection rate {ALPHA:g}; "
            f"counts range from {int(counts.min())} to {int(counts.max())}, expected about {n * p:.0f}): every entry "
            "must be dropped with the same probability p, wherever it is"
        )


def _independent(first, second, what, level=ALPHA):
    """Pearson's chi-square test of independence on the 2x2 table (one degree of freedom), at
    false-rejection rate ``level``."""
    both, only_first = int(np.sum(first & second)), int(np.sum(first & ~second))
    only_second, neither = int(np.sum(~first & second)), int(np.sum(~first & ~second))
    margins = (both + only_first) * (only_second + neither) * (both + only_second) * (only_first + neither)
    if margins == 0:
        return  # an all-kept or all-dropped mask fails the binomial test instead
    statistic = first.size * (both * neither - only_first * only_second) ** 2 / margins
    if math.erfc(math.sqrt(statistic / 2)) < level:
        raise CheckFailed(
            f"{what} are not independent (2x2 table {[[both, only_first], [only_second, neither]]}, chi-square "
            f"test of independence, false-rejection rate {level:g}): draw one independent value per entry (a mask "
            "of x's full shape, not one per row or column), whatever the entry's value"
        )


@check("p = 0 keeps everything, p = 1 drops everything (zeros, not NaN)", points=1)
def extreme_rates(learner, rng):
    """Two training calls of Dropout(0.0) and of Dropout(1.0), then one in evaluation mode of each, which
    must return x whatever p (also p = 1)."""
    cases, batch = [], _Batch(learner)
    for p in (0.0, 1.0):
        layer, what = batch.layer(p)
        for _ in range(2):
            x = _values(rng, _random_shape(rng, 2000), _dtype(rng))
            cases.append((x, p, f"{what} in training mode"))
            batch.add("call", layer, x)
        batch.add("mode", layer, False)
        x = _values(rng, _random_shape(rng, 2000), _dtype(rng))
        cases.append((x, None, f"{what} in eval mode"))
        batch.add("call", layer, x)
    results = batch.run("Dropout(0.0) and Dropout(1.0) in training, then in eval mode")
    for (x, p, call), result in zip(cases, results, strict=True):
        expected = x if p != 1 else np.zeros_like(x)
        assert_close(_called(result, x, call), expected, what=f"{call} on {_case(x)}: output", rtol=0, atol=0)


@check("train() and eval() switch the behaviour, also from a parent module", points=2)
def train_eval_switch(learner, rng):
    """Switches the mode at random, on the layer itself and through an nn.Sequential holding it. A
    training pass over 600 entries at p in [0.3, 0.7] drops nothing with probability below 0.7**600."""
    p = _rate(rng, 0.3, 0.7)
    layer, what = _build(learner, p)
    try:
        parent = learner.environment("inside_a_model", layer.handle, as_handle=True)
    except LearnerError as error:
        raise CheckFailed(
            f"torch.nn.Sequential(torch.nn.Identity(), {what}) raised {error.type}: {error.message}; "
            "Dropout must subclass torch.nn.Module"
        ) from None
    x = _values(rng, (20, 30), np.float64)
    modes = ["eval", "train", "eval", "train"]
    # Each switch goes through the parent or the layer at random, the first two through the parent.
    targets = [True, True, *(bool(b) for b in rng.integers(0, 2, size=2))]
    batch, names = _Batch(learner), []
    for mode, via_parent in zip(modes, targets, strict=True):
        target, name = (parent, f"Sequential(Identity(), {what})") if via_parent else (layer, what)
        batch.add("mode", target.handle, mode == "train")
        batch.add("call", layer.handle, x)
        names.append(f"{what} after {name}.{mode}()")
    results = batch.run(f"{what} switched between training and eval mode")
    for mode, name, result in zip(modes, names, results, strict=True):
        out = _called(result, x, name)
        if mode == "eval":
            _identity(out, x, f"{name} (evaluation mode: read self.training, which .eval() sets, also on children)")
        elif not (~_kept(out, x, p, name)).any():
            raise CheckFailed(f"{name} dropped none of {x.size} entries: training mode must drop again")


@check("Gradient reaches x through the kept entries only, scaled by 1/(1-p)", points=2)
def gradient_flows_through_kept(learner, rng):
    """Gradients are taken by torch.autograd.grad from a leaf upstream of the layer, for a random
    upstream gradient g, and compared with g / (1 - p) where the returned output kept x, 0 elsewhere, in
    every dtype. (Drop rates on inputs requiring grad are tested by the statistics check: a rate test here,
    on few entries, would fail wrong layers only sometimes, and verdicts must follow from the case seed.)"""
    cases, batch = [], _Batch(learner)
    for mode, p in (("train", _rate(rng)), ("train", _rate(rng)), ("train", 0.0), ("train", 1.0), ("eval", _rate(rng))):
        dtype = _dtype(rng)
        x = _values(rng, _random_shape(rng, 4000), dtype)
        upstream = _values(rng, x.shape, dtype)
        layer, what = batch.layer(p)
        cases.append((x, upstream, p, mode, f"{what} in {mode} mode on {_case(x)}"))
        if mode == "eval":
            batch.add("mode", layer, False)
        batch.add("grad", layer, x, upstream)
    results = batch.run("Dropout layers on inputs requiring grad")
    for (x, upstream, p, mode, call), (out, after, gradient, why) in zip(cases, results, strict=True):
        out = _called((out, after), x, call)
        if mode == "train":
            factor = _kept(out, x, p, call) * (0.0 if p == 1 else 1.0 / (1.0 - p))
        else:
            _identity(out, x, call)
            factor = 1.0
        if gradient is None:
            raise CheckFailed(
                f"{call}: torch.autograd.grad(out, x, g) failed: {why}. The output must stay connected to x "
                "(no .detach(), .data, .numpy() or new tensor built from values), even with p = 1"
            )
        assert_close(
            _output(gradient, f"{call}: the gradient with respect to x", x),
            upstream.astype(np.float64) * factor,
            what=f"{call}: d<out, g>/dx for a random g (g / (1 - p) where kept, 0 where dropped; g in eval mode)",
            rtol=RTOL[x.dtype.type],
            atol=0,
        )


@check("torch.manual_seed reproduces the masks, in a fresh process too; every call draws a new mask", points=2)
def torch_seed_drives_the_mask(learner, rng):
    """Two layers per process, built before any seeding. Here: seed s; call the first layer twice; draw
    k numbers from torch.rand; call the second layer; seed s again; call the second layer; seed t; call
    the first. In a fresh process: seed s; call the second layer three times; seed t; call the second.
    The masks must agree where the generator's state agrees and differ elsewhere (independent masks of
    2000 entries or more at p in [0.3, 0.7] coincide with probability below 0.7**2000). Those calls share
    one input of 2,000 to 4,999 entries, of random rank and dtype, each call requiring grad or not at
    random in each process.

    Probes, mixed into both processes' calls in random orders (before a seed of the plan above or at its
    end): inputs of every size from 1 to 200,000 entries (``PROBE_SIZES``), each with its own rate (one
    below 0.1 and one above 0.9, 10^-U(1, 3) from 0 or 1, on the largest), its own layer and its own
    ``torch.manual_seed``, of every rank and dtype, requiring grad or not, some views not in memory order,
    must get the same mask in both processes. The seven probes of 100 entries or more hold every dtype
    twice, every rank once and both kinds of input (requiring grad or not) three times. A layer that draws
    from another generator for a whole class of inputs passes only if every probe of the class gets the
    same mask in both processes by chance (each entry does with probability p^2 + (1-p)^2; computed over the
    bands' sizes and rates): about 4e-8 for the band of 1 to 9 entries, 5e-7 for 10 to 99 entries, below
    2e-8 for a class holding a probe of 100 entries or more (a rank), below 1e-15 for one holding two (a
    dtype, inputs requiring grad or not). Each probe's mask of 1,000 entries or more gets an exact binomial
    test (up to 5 tests).
    """
    p = _rate(rng, 0.3, 0.7)
    x = _unit_values(rng, _shape_of_size(rng, int(rng.integers(2000, 5000)), int(rng.integers(1, 5))), _dtype(rng))
    s, t, k = _seed(rng), _seed(rng), int(rng.integers(1, 1000))
    here = [("seed", s), ("call", 0), ("call", 0), ("draw", k), ("call", 1), ("seed", s), ("call", 1)]
    here += [("seed", t), ("call", 0)]
    there = [("seed", s), ("call", 1), ("call", 1), ("call", 1), ("seed", t), ("call", 1)]
    probes = _probes(rng)
    a, probes_here = _seeded_masks(learner, rng, p, x, here, probes)
    b, probes_there = _seeded_masks(learner.fresh(), rng, p, x, there, probes)
    first, second, third = (
        f"Dropout({p}) on {_case(x)}: after torch.manual_seed({s}), the {n} call (of either layer)"
        for n in ("first", "second", "third")
    )
    for number, (probe, mine, theirs) in enumerate(zip(probes, probes_here, probes_there, strict=True)):
        y, rate, grad, view, seed = probe
        if not np.array_equal(mine, theirs):
            raise CheckFailed(
                f"probe {number + 1} of {len(probes)}: after torch.manual_seed({seed}), "
                f"{_training_call(f'Dropout({rate})', y, grad, view)} dropped other entries in a fresh process "
                f"({int((mine != theirs).sum())} of {mine.size} differ): draw the mask from PyTorch's generator "
                "whatever the input's size, shape, dtype or kind, and the rate"
            )
        if y.size >= 1000:
            _exact_binomial(int((~mine).sum()), y.size, rate, _training_call(f"Dropout({rate})", y, grad, view))
    if np.array_equal(a[0], a[1]):
        raise CheckFailed(f"{first} and {second} dropped the same entries: draw a fresh mask on every call")
    for mine, theirs, when in ((a[0], b[0], first), (a[1], b[1], second)):
        if not np.array_equal(mine, theirs):
            raise CheckFailed(
                f"{when} dropped other entries in a fresh process ({int((mine != theirs).sum())} of {mine.size} "
                "differ), with another instance of the layer: draw the mask from PyTorch's generator "
                "(torch.rand, torch.bernoulli...), not from NumPy, the random module, a generator of your own or "
                "anything kept between calls"
            )
    if np.array_equal(a[2], b[2]):
        raise CheckFailed(
            f"{third} gave the same mask whether or not torch.rand({k}) was called before it: the mask must "
            "come from PyTorch's generator as it is at the call"
        )
    if not np.array_equal(a[3], a[0]):
        raise CheckFailed(
            f"calling torch.manual_seed({s}) again in the same process did not reproduce the mask of the first "
            "call after it: the mask must depend on PyTorch's generator only (is something kept between calls?)"
        )
    if not np.array_equal(a[4], b[3]):
        raise CheckFailed(f"torch.manual_seed({t}) gave different masks in two processes")
    if np.array_equal(a[4], a[0]):
        raise CheckFailed(f"torch.manual_seed({s}) and torch.manual_seed({t}) gave the same mask")


# The seed check's probes: (smallest size, largest + 1, inputs), sizes log-uniform within each band.
PROBE_SIZES = ((1, 10, 12), (10, 100, 3), (100, 1_000, 2), (1_000, 25_000, 2), (25_000, 200_000, 3))


def _probes(rng):
    """(x, p, requires grad, view, seed) of each probe: rates in [0.3, 0.7] for the smallest band, where a
    mask has few entries to differ in; in the largest band one below 0.1, one above 0.9 (not in float16),
    where only a large mask has enough dropped or kept entries to differ in, and one in [0.05, 0.95]; in
    [0.05, 0.95] elsewhere.
    The probes of 100 entries or more (the last seven) take every dtype twice, every rank once and both
    kinds of input three times, the rest at random."""
    sizes, rates = [], []
    for low, high, count in PROBE_SIZES:
        for number in range(count):
            if low == 1:
                rate = _rate(rng, 0.3, 0.7)
            elif high == PROBE_SIZES[-1][1]:
                rate = (_extreme_rate(rng, False), _extreme_rate(rng, True), _rate(rng))[number]
            else:
                rate = _rate(rng)
            sizes.append(int(np.exp(rng.uniform(np.log(low), np.log(high)))))
            rates.append(rate)
    small = len(sizes) - 7
    dtypes = [int(d) for d in rng.integers(0, 3, size=small)] + [int(d) for d in rng.permutation([0, 0, 1, 1, 2, 2, 3])]
    # The rate above 0.9 (the largest band's second probe) on float32 or float64: float16 uniforms, spaced
    # 2^-11 below 1, cannot realise 1 - p that small (torch.rand_like(x) >= p would keep up to twice as many).
    high = len(sizes) - 2
    if dtypes[high] in (0, 3):
        other = next(k for k in range(small, len(sizes)) if dtypes[k] in (1, 2))
        dtypes[high], dtypes[other] = dtypes[other], dtypes[high]
    ranks = [int(r) for r in rng.integers(1, 5, size=small)] + [int(r) for r in rng.permutation([1, 2, 3, 4, 0, 0, 0])]
    grads = [bool(g) for g in rng.integers(0, 2, size=small)] + [
        bool(g) for g in rng.permutation([1, 1, 1, 0, 0, 0, 2])
    ]
    probes = []
    for size, rate, dtype, ndim, grad in zip(sizes, rates, dtypes, ranks, grads, strict=True):
        dtype = DTYPES[dtype] if dtype < 3 else _dtype(rng)
        ndim = ndim or int(rng.integers(1, 5))
        grad = grad if grad in (True, False) else bool(rng.integers(2))
        y = _unit_values(rng, _shape_of_size(rng, size, ndim), dtype)
        view = not grad and y.ndim > 1 and min(y.shape) > 1 and bool(rng.integers(2))
        probes.append((y, rate, grad, view, _seed(rng)))
    return probes


def _seeded_masks(process, rng, p, x, plan, probes):
    """The masks of ``plan``'s calls (each requiring grad or not at random) and of the probes, each probe
    (its own seed, then its call) placed at random before a seed of the plan or at its end, in random order."""
    batch = _Batch(process)
    layers = [batch.layer(p)[0] for _ in range(2)]
    probe_layers = [batch.layer(rate)[0] for _, rate, _, _, _ in probes]
    slots = [index for index, (kind, _) in enumerate(plan) if kind == "seed"] + [len(plan)]
    placed = {slot: [] for slot in slots}
    for number in rng.permutation(len(probes)):
        placed[slots[int(rng.integers(len(slots)))]].append(int(number))
    order, upstreams = [], []
    for index in range(len(plan) + 1):
        for number in placed.get(index, []):
            y, _, grad, view, seed = probes[number]
            batch.add("seed", seed)
            upstreams.append(_add_training_call(batch, probe_layers[number], y, grad, view))
            order.append(number)
        if index == len(plan):
            break
        kind, value = plan[index]
        if kind != "call":
            batch.add(kind, value)
            continue
        upstreams.append(_add_training_call(batch, layers[value], x, bool(rng.integers(2)), False))
        order.append(None)
    masks, probe_masks = [], [None] * len(probes)
    for number, result, upstream in zip(
        order, batch.run("Dropout layers after torch.manual_seed"), upstreams, strict=True
    ):
        if number is None:
            call = _training_call(f"Dropout({p})", x, upstream is not None, False)
            masks.append(_judged(result, x, p, call, upstream))
        else:
            y, rate, grad, view, _ = probes[number]
            probe_masks[number] = _judged(result, y, rate, _training_call(f"Dropout({rate})", y, grad, view), upstream)
    return masks, probe_masks


@check("The input is never modified in place", points=1)
def input_untouched(learner, rng):
    """In both modes and every dtype: directly (x read back from the shared memory after the call), on a
    view not in memory order, and on an input that requires grad (its values after the call compared with
    those sent)."""
    layer, what = _build(learner, _rate(rng))
    for mode, dtypes in (("train", DTYPES), ("eval", DTYPES[:1])):
        _set_mode(layer, what, mode)
        call = f"{what} in {mode} mode"
        for dtype in dtypes:
            _forward(layer, call, _values(rng, _random_shape(rng, 4000), dtype))
        # A view not in memory order (x.t(), x.permute(...)), which a layer may treat apart.
        shape = _random_shape(rng, 4000)
        while len(shape) < 2 or min(shape) < 2:
            shape = _random_shape(rng, 4000)
        batch = _Batch(learner)
        batch.add("call", layer.handle, _values(rng, shape, _dtype(rng)), True)
        batch.run(f"{call} on a view not in memory order of shape {shape}")
        x = _values(rng, _random_shape(rng, 4000), _dtype(rng, DTYPES[1:]))
        batch = _Batch(learner)
        batch.add("grad", layer.handle, x, np.ones_like(x))
        batch.run(f"{call} on {_case(x)} requiring grad")
