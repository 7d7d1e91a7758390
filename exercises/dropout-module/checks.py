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

False-rejection budget for a correct solution: 19 statistical tests at a nominal ``ALPHA`` = 1e-9 each
(the chi-square approximations' true tails are within a factor of about 2, measured), below 1e-7 in
all; coincidences of independent masks of at least 400 entries (below 0.7**400 each) add nothing.
"""

import math

import numpy as np
import torch
from scipy import stats

from grader.harness import CheckFailed, LearnerError, assert_close, binomial_bounds, check, describe, drawing, figure

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
_CLONE, _DETACH = torch.Tensor.clone, torch.Tensor.detach
_RUN_BACKWARD = torch.autograd.Variable._execution_engine.run_backward
_TENSOR = torch.Tensor


def _copy(value):
    return _CLONE(_DETACH(value)) if isinstance(value, _TENSOR) else value


def _call_with_gradient(layer, x, upstream, given):
    """(out, the input after the call, d<out, upstream>/d leaf or None, why not).

    The input is ``leaf * 1``, ``leaf`` a new leaf holding x's values: the gradient is asked of
    autograd's engine from upstream of the layer (as torch.autograd.grad does), whatever the layer does
    with its input's ``.grad`` or hooks. Values are copied before the backward pass, so nothing it runs
    can change them.
    """
    leaf = _CLONE(x).requires_grad_(True)
    given.append(leaf * 1)
    out = layer(given[-1])
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
    """Run ``steps`` in order; return what each "call" and "grad" step gave, in order, and the inputs of
    those steps as they are once all steps have run.

    ("build", args, kwargs): a new layer, type(template)(*args, **kwargs), referred to by later steps
    by its index among the layers built. ("seed", s): torch.manual_seed(s). ("draw", n): torch.rand(n).
    ("mode", layer, training): layer.train(training). ("call", layer, x): layer(a copy of x), returned
    with the copy as it is right after the call. ("grad", layer, x, g): see _call_with_gradient.
    """
    built, results, given = [], [], []
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
                given.append(_CLONE(args[1]))
                out = layer(given[-1])
                results.append((_copy(out), _copy(given[-1])))
            else:
                results.append(_call_with_gradient(layer, *args[1:], given))
    return results, [_copy(tensor) for tensor in given]


def inside_a_model(module):
    """The layer as the second child of an nn.Sequential, which its train() and eval() reach."""
    return torch.nn.Sequential(torch.nn.Identity(), module)
'''

ALPHA = 1e-9
DTYPES = (np.float16, np.float32, np.float64)
# Relative tolerance on kept entries against x / (1 - p) (and on gradients), by dtype: a few roundings.
RTOL = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-12}
# The statistics check's large inputs.
SHAPE = (160, 200)
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
        wire = [
            [torch.from_numpy(item) if isinstance(item, np.ndarray) else item for item in step] for step in self.steps
        ]
        try:
            results, inputs = self.process.environment("run", template, wire)
        except LearnerError as error:
            raise CheckFailed(f"{what} raised {error.type}: {error.message}") from None
        sent = [step[2] for step in self.steps if step[0] in ("call", "grad")]
        if len(inputs) != len(sent) or len(results) != len(sent):
            raise CheckFailed(f"{what}: the environment's answer does not match the calls made")
        for index, (x, result) in enumerate(zip(sent, results, strict=True)):
            _untouched(result[1], x, f"{what}: call {index + 1}, on {_case(x)},")
        for index, (x, after) in enumerate(zip(sent, inputs, strict=True)):
            _untouched(after, x, f"{what}: once all calls had run, the input of call {index + 1} showed that a call")
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
    """Six tests on each of three masks of ``SHAPE`` entries (a low random p, the default p = 0.5 and a
    high random p) over inputs of random signs, and one test on many small calls, each test at
    false-rejection rate ``ALPHA`` (19 tests):

    - a two-sided binomial test of the number dropped (catches p used as the keep probability, a wrong
      default, or a rate off by more than about one point);
    - chi-square dispersion tests of the drop counts per row and per column (catches positions dropped
      more or less often than others, or a fixed number dropped per row);
    - chi-square tests of independence of horizontally and of vertically neighbouring entries (catches
      a mask shared along an axis, e.g. across the batch, or correlated neighbours), and of an entry's
      fate and its sign (catches a mask that depends on the input's values);
    - a chi-square dispersion test of the numbers dropped by 20 to 30 calls on inputs of 400 entries
      at a random p in [0.3, 0.7] (catches an exact number dropped per call, e.g. a random choice of
      round(p * n) entries), after checking that no two calls in a row drop the same entries.
    """
    cases, batch = [], _Batch(learner)
    for p in (_rate(rng, 0.05, 0.3), None, _rate(rng, 0.7, 0.95)):
        signed = rng.uniform(0.5, 2.0, size=SHAPE) * (2 * rng.integers(0, 2, size=SHAPE) - 1)
        x = np.asarray(signed, dtype=np.float32)
        layer, what = batch.layer(p)
        cases.append((x, 0.5 if p is None else p, f"{what} in training mode"))
        batch.add("call", layer, x)
    small_p = _rate(rng, 0.3, 0.7)
    small, small_what = batch.layer(small_p)
    calls = int(rng.integers(20, 31))
    inputs = [_values(rng, (400,), np.float32) for _ in range(calls)]
    for x in inputs:
        batch.add("call", small, x)
    results = batch.run(f"Dropout layers in training mode on {SHAPE} inputs and on small inputs")
    for number, ((x, p, call), result) in enumerate(zip(cases, results[:3], strict=True)):
        what = f"{call} on {_case(x)}"
        dropped = ~_kept(_called(result, x, call), x, p, what)
        if number == 0:
            with drawing():
                _draw_kept_per_row(~dropped, p, what)
        _binomial(dropped, p, what)
        for axis, name in ((1, "row"), (0, "column")):
            _dispersion(dropped.sum(axis=axis), x.shape[axis], p, f"{what}: the number dropped per {name}")
        kept = ~dropped
        for name, first, second in (("horizontal", kept[:, :-1], kept[:, 1:]), ("vertical", kept[:-1], kept[1:])):
            _independent(first, second, f"{what}: whether {name} neighbours are kept")
        _independent(kept, x > 0, f"{what}: whether an entry is kept and whether it is positive")
    call = f"{small_what} in training mode"
    dropped = [
        ~_kept(_called(result, x, call), x, small_p, call) for x, result in zip(inputs, results[3:], strict=True)
    ]
    # Two independent masks of 400 entries at p in [0.3, 0.7] coincide with probability below 0.58**400.
    for index in range(1, calls):
        if np.array_equal(dropped[index - 1], dropped[index]):
            raise CheckFailed(
                f"calls {index} and {index + 1} of {call} on inputs of shape (400,) dropped the same entries: draw a "
                "fresh mask on every call"
            )
    counts = np.array([mask.sum() for mask in dropped])
    _dispersion(
        counts, 400, small_p, f"over {calls} calls of {call} on inputs of shape (400,), the number dropped per call"
    )


def _draw_kept_per_row(kept, p, what):
    """The fraction kept in each row against the binomial band a correct layer's rows fall in."""
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


def _independent(first, second, what):
    """Pearson's chi-square test of independence on the 2x2 table (one degree of freedom)."""
    both, only_first = int(np.sum(first & second)), int(np.sum(first & ~second))
    only_second, neither = int(np.sum(~first & second)), int(np.sum(~first & ~second))
    margins = (both + only_first) * (only_second + neither) * (both + only_second) * (only_first + neither)
    if margins == 0:
        return  # an all-kept or all-dropped mask fails the binomial test instead
    statistic = first.size * (both * neither - only_first * only_second) ** 2 / margins
    if math.erfc(math.sqrt(statistic / 2)) < ALPHA:
        raise CheckFailed(
            f"{what} are not independent (2x2 table {[[both, only_first], [only_second, neither]]}, chi-square "
            f"test of independence, false-rejection rate {ALPHA:g}): draw one independent value per entry (a mask "
            "of x's full shape, not one per row or column), whatever the entry's value"
        )


@check("p = 0 keeps everything, p = 1 drops everything (zeros, not NaN)", points=1)
def extreme_rates(learner, rng):
    cases, batch = [], _Batch(learner)
    for p in (0.0, 1.0):
        layer, what = batch.layer(p)
        for _ in range(2):
            x = _values(rng, _random_shape(rng, 2000), _dtype(rng))
            cases.append((x, p, f"{what} in training mode"))
            batch.add("call", layer, x)
    results = batch.run("Dropout(0.0) and Dropout(1.0) in training mode")
    for (x, p, call), result in zip(cases, results, strict=True):
        expected = x if p == 0 else np.zeros_like(x)
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
    upstream gradient g, and compared with g / (1 - p) where the returned output kept x, 0 elsewhere."""
    cases, batch = [], _Batch(learner)
    for mode, p in (("train", _rate(rng)), ("train", _rate(rng)), ("train", 0.0), ("train", 1.0), ("eval", _rate(rng))):
        dtype = _dtype(rng, DTYPES[1:])
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
    2000 entries at p in [0.3, 0.7] coincide with probability below 0.7**2000)."""
    p = _rate(rng, 0.3, 0.7)
    x = np.asarray(rng.uniform(0.5, 2.0, size=(40, 50)), dtype=np.float32)
    s, t, k = _seed(rng), _seed(rng), int(rng.integers(1, 1000))
    here = [("seed", s), ("call", 0), ("call", 0), ("draw", k), ("call", 1), ("seed", s), ("call", 1)]
    here += [("seed", t), ("call", 0)]
    there = [("seed", s), ("call", 1), ("call", 1), ("call", 1), ("seed", t), ("call", 1)]
    a = _seeded_masks(learner, p, x, here)
    b = _seeded_masks(learner.fresh(), p, x, there)
    first, second, third = (
        f"Dropout({p}) on x of shape (40, 50): after torch.manual_seed({s}), the {n} call (of either layer)"
        for n in ("first", "second", "third")
    )
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


def _seeded_masks(process, p, x, plan):
    batch = _Batch(process)
    layers = [batch.layer(p)[0] for _ in range(2)]
    for kind, value in plan:
        batch.add(*((kind, value) if kind != "call" else (kind, layers[value], x)))
    call = f"Dropout({p})(x) on {_case(x)}"
    return [_kept(_called(result, x, call), x, p, call) for result in batch.run(call)]


@check("The input is never modified in place", points=1)
def input_untouched(learner, rng):
    """In both modes and every dtype: directly (x read back from the shared memory after the call) and on
    an input that requires grad (its values after the call compared with those sent)."""
    layer, what = _build(learner, _rate(rng))
    for mode, dtypes in (("train", DTYPES), ("eval", DTYPES[:1])):
        _set_mode(layer, what, mode)
        call = f"{what} in {mode} mode"
        for dtype in dtypes:
            _forward(layer, call, _values(rng, _random_shape(rng, 4000), dtype))
        x = _values(rng, _random_shape(rng, 4000), _dtype(rng, DTYPES[1:]))
        batch = _Batch(learner)
        batch.add("grad", layer.handle, x, np.ones_like(x))
        batch.run(f"{call} on {_case(x)} requiring grad")
