"""Hidden checks for one step of Adam (L2 in the gradient) and AdamW (decoupled weight decay).

The trusted recomputation, ``_expected``, is plain float64 NumPy in the order of PyTorch's
``_single_tensor_adam`` (``torch/optim/adam.py``, torch 2.13, which serves both ``torch.optim.Adam``
and ``torch.optim.AdamW``): ``param.mul_(1 - lr * wd)`` (decoupled) or ``grad + wd * param``;
``exp_avg.lerp_(grad, 1 - beta1)``; ``exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)``;
``denom = sqrt(exp_avg_sq) / sqrt(1 - beta2 ** t) + eps``; ``param.addcdiv_(exp_avg, denom,
value=-lr / (1 - beta1 ** t))``. During development it was compared with ``torch.optim.Adam`` and
``torch.optim.AdamW`` in float64 (foreach on and off, 400 runs of up to 60 steps, every
hyperparameter range below): the largest difference was a few float64 roundings (under 4e-12
relative even where the result nearly cancels; within a third of the bounds below everywhere).

Tolerances are bounds on float64 rounding, not margins for approximations. ``_bounds`` propagates
``K`` units of rounding through each operation, to first order, for any reasonable order of the
operations: the textbook formula of the statement, PyTorch's lerp/addcmul/addcdiv, ``expm1`` for the
bias corrections, or the "step size" form ``lr * sqrt(bc2) / bc1`` with ``eps * sqrt(bc2)``. It keeps
what rounding can amplify: cancellation in ``grad + wd * param``, ``1 - beta ** t`` near 0 (relative
error ``beta ** t / (1 - beta ** t)``), the square root of a second moment that is 0 or tiny, and a
denominator that is only ``eps``. Over 12,000 random steps (tens of thousands of entries each way,
cancellations included) these orders stayed within ``3.4 / K`` of the bound (3.75 / K in the
gradings below). The bound is about
``K * 2.2e-16`` relative to the magnitudes an entry was computed from; float32, a missing or
misplaced bias correction, ``eps`` inside the square root or before the bias correction, or a
weight decay left out, are orders of magnitude above it in the cases drawn to show them (see the
attacks in ``tests/security/exercises/adamw_step.py``, each rejected in every grading).

The long run (``long_run_follows_the_trajectory``) also compares the learner's parameter, fed back
step after step, with the trusted trajectory computed alongside, within ``TRAJECTORY_RTOL`` of
``|param| + lr * t``. Its gradients do not depend on the parameter, hyperparameters stay where the
map from one step to the next is well conditioned (``lr <= 0.1``, ``wd <= 0.3``, ``eps <= 1e-3`` below
gradients of at least ``1e-2``), so rounding does not grow faster than linearly: over 3,000 runs of
60 to 160 steps, the honest orders above drifted by at most ``270 * 2.2e-16 * (|param| + lr * t)``,
some 1,500 times below ``TRAJECTORY_RTOL``.

Every hidden case is drawn from ``rng``, seeded from a secret fresh for each grading: shapes (0-d to
4-d with 10 to 400 entries, so that a mistake always has a non-zero entry to show on; one large array
of 6,000 to 20,000 entries per mode; a 0-d parameter and arrays with no entries among the edge
cases), values (gradients of 1e-3 to 1e3 per case, or 1e-10 to 1e-8 with weights as small, exact
zeros in the gradient, the weights and the moments), saved moments, ``t`` and hyperparameters. In
the single-step checks each hyperparameter is drawn from every one of its strata (``STRATA``,
``_settings``), so every grading reaches every range in both modes: ``lr`` 1e-5 to 1,
``weight_decay`` 1e-4 to 1,000 (with ``lr * weight_decay <= 0.5``, except one step per mode from 0.6 to
0.99, at that step's lr, the smallest: weight_decay up to about 1e5), ``beta1`` 0 to 0.999, ``beta2`` 0.5
to 0.99999, ``eps`` 1e-12 to 0.1, ``t`` 1, 2-10, 10-1,000 and 1,000-100,000. Dedicated checks add
late steps with ``beta2 ** t`` between e ** -10 and 0.9 (``t`` up to 100,000, the last always above
30,000), and ``eps`` between a tenth of and ten times the typical ``sqrt(v_hat)``. A submission
cannot recognise or memorise a case; a failure message names the case, the first entry that differs
and the inputs there.

Array arguments are read-only in the learner's process (a write there fails the check) or, at random,
writable as a caller's own arrays are, and every call but those of ``many_calls`` (one batch of 70 to
90 more steps, so that a result right only for the first calls of a process fails) is made with
``call_and_read_args``: after each call this side also reads the arguments back
from the memory it shares with that process, so an input modified in place is seen on any call.
State kept between calls cannot pass: ``t`` and the moments of each call are its own (single steps at
random ``t`` from saved moments, two runs of the same shape stepped alternately, one fed back the
learner's own moments and one fed the trusted moments).

Nothing is statistical, so no check has a false-rejection rate: a correct float64 solution could be
rejected only by rounding beyond the bounds above, which no honest order came near. Run in-process
as the learner, ``torch.optim.Adam``/``AdamW`` in float64 and four NumPy orders (the reference, the
textbook formula, ``expm1`` corrections, the step-size form) went through 500 gradings each (2,500
in all) without a rejection, the largest difference being 0.12 of its bound (3.75 units of rounding).
"""

import math
from typing import NamedTuple

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, assert_array, check, describe

EPS = float(np.finfo(np.float64).eps)
# Units of rounding allowed per operation in _bounds (honest orders measured within 3.75 units).
K = 32.0
TINY = 1e-300
TRAJECTORY_RTOL = 1e-10
LN10 = math.log(10.0)

OUTPUTS = ("new_param", "new_m", "new_v")


class Step(NamedTuple):
    """The arguments of one call of adam_step (a NamedTuple: checks.py is not an importable module)."""

    param: np.ndarray
    grad: np.ndarray
    m: np.ndarray
    v: np.ndarray
    t: int
    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    decoupled: bool

    def args(self):
        return (self.param, self.grad, self.m, self.v, self.t, self.lr, (self.beta1, self.beta2), self.eps)

    def describe(self):
        mode = "AdamW, decoupled" if self.decoupled else "Adam, L2 in the gradient"
        return (
            f"adam_step(param of shape {self.param.shape}, grad, m, v, t={self.t}, lr={self.lr!r}, "
            f"betas=({self.beta1!r}, {self.beta2!r}), eps={self.eps!r}, weight_decay={self.weight_decay!r}, "
            f"decoupled={self.decoupled}) [{mode}]"
        )


# The trusted recomputation and its rounding bounds


def _expected(s):
    """(new_param, new_m, new_v) in the order of torch.optim.Adam/AdamW (_single_tensor_adam)."""
    param, grad = s.param, s.grad
    if s.weight_decay != 0:
        if s.decoupled:
            param = param * (1.0 - s.lr * s.weight_decay)
        else:
            grad = grad + s.weight_decay * param
    weight = 1.0 - s.beta1
    # torch.lerp: start + w * (end - start) for w < 0.5, else end - (end - start) * (1 - w).
    new_m = s.m + weight * (grad - s.m) if weight < 0.5 else grad - (grad - s.m) * (1.0 - weight)
    new_v = s.v * s.beta2 + (1.0 - s.beta2) * grad * grad
    bias_correction1 = 1.0 - s.beta1 ** float(s.t)
    bias_correction2 = 1.0 - s.beta2 ** float(s.t)
    denom = np.sqrt(new_v) / bias_correction2**0.5 + s.eps
    new_param = param + (-s.lr / bias_correction1) * (new_m / denom)
    # Arithmetic on 0-d arrays gives NumPy scalars: keep arrays, which may be fed to the next step.
    return np.asarray(new_param), np.asarray(new_m), np.asarray(new_v)


def _bounds(s, new_m, new_v):
    """Elementwise bounds on |any honest float64 order - _expected| for (new_param, new_m, new_v)."""
    size = np.abs(s.grad) + (0.0 if s.decoupled else s.weight_decay * np.abs(s.param))
    bound_m = K * EPS * (np.abs(s.m) + size) + TINY
    bound_v = K * EPS * (s.v + (1.0 - s.beta2) * size * size) + TINY
    power1, power2 = s.beta1 ** float(s.t), s.beta2 ** float(s.t)
    bc1, bc2 = 1.0 - power1, 1.0 - power2
    relative_bc1, relative_bc2 = K * EPS * (1.0 + power1 / bc1), K * EPS * (1.0 + power2 / bc2)
    root = np.sqrt(new_v / bc2)
    # sqrt is Lipschitz away from 0 and Hoelder-1/2 at 0: take the smaller of the two bounds.
    with np.errstate(divide="ignore"):
        from_v = np.minimum(bound_v / (2.0 * np.sqrt(new_v)), np.sqrt(bound_v)) / math.sqrt(bc2)
    denom = root + s.eps
    error_denom = from_v + root * (relative_bc2 / 2.0 + K * EPS) + K * EPS * denom
    lowest = np.maximum(denom - error_denom, s.eps)
    step = s.lr / bc1
    update = step * np.abs(new_m) / denom
    error_update = step * (np.abs(new_m) + bound_m) * (1.0 / lowest - 1.0 / denom)
    error_update += step * bound_m / denom + update * (relative_bc1 + K * EPS)
    bound_param = K * EPS * (np.abs(s.param) * (1.0 + s.lr * s.weight_decay) + update) + error_update + TINY
    return bound_param, bound_m, bound_v


# Calling the learner and judging what came back


def _call(learner, rng, s, how):
    """Call adam_step with ``how`` = "positional", "keyword" (all but param by keyword) or "mixed"."""
    args = s.args()
    if how == "positional":
        call_args, kwargs = [*args, s.weight_decay, s.decoupled], {}
    elif how == "keyword":
        names = ("grad", "m", "v", "t", "lr", "betas", "eps")
        call_args = [s.param]
        kwargs = dict(zip(names, args[1:], strict=True)) | {"weight_decay": s.weight_decay, "decoupled": s.decoupled}
    else:
        call_args, kwargs = list(args), {"weight_decay": s.weight_decay, "decoupled": s.decoupled}
    try:
        # Each positional array is passed writable (as a caller's own array is) or read-only, at random: code
        # that changes an input in place only where it can is seen on about half of the calls.
        sent = [Writable(a) if isinstance(a, np.ndarray) and rng.random() < 0.5 else a for a in call_args]
        result, after = learner.call_and_read_args("adam_step", *sent, **kwargs)
    except LearnerError as error:
        if error.is_a("MemoryError"):
            raise  # the runner reports memory_limit_exceeded
        raise CheckFailed(f"{s.describe()} raised {error.type}: {error.message}") from None
    # Positional arrays are read back here; arrays passed by keyword are read-only there all the same.
    for name, before, now in zip(("param", "grad", "m", "v"), call_args, after, strict=False):
        _unchanged(s, name, before, now)
    return result


def _unchanged(s, name, before, now):
    if isinstance(before, np.ndarray) and not np.array_equal(before, now):
        index = tuple(int(i) for i in np.argwhere(before != now)[0])
        raise CheckFailed(
            f"{s.describe()} modified its argument {name} in place: entry {index} was {float(before[index])!r} "
            f"before the call and {float(now[index])!r} after. Never modify an input; return new arrays"
        )


def _outputs(s, result):
    """The learner's (new_param, new_m, new_v), each a float64 array of param's shape."""
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise CheckFailed(
            f"{s.describe()}: expected a tuple (new_param, new_m, new_v), got {type(result).__name__}: "
            f"{describe(result)}"
        )
    arrays = []
    for name, value in zip(OUTPUTS, result, strict=True):
        if s.param.shape == () and isinstance(value, (float, np.floating)):
            value = np.asarray(value)
        arrays.append(assert_array(value, what=f"{s.describe()}: {name}", shape=s.param.shape, dtype=np.float64))
    return tuple(arrays)


def _judge(s, got):
    """Compare new_m, new_v, then new_param with the trusted values; return the trusted values."""
    expected_param, expected_m, expected_v = _expected(s)
    bounds = _bounds(s, expected_m, expected_v)
    expected = (expected_param, expected_m, expected_v)
    for index in (1, 2, 0):
        _within(s, OUTPUTS[index], got[index], expected[index], bounds[index])
    return expected


def _within(s, name, got, expected, bound):
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(got - expected) <= bound
    ok |= got == expected
    if ok.all():
        return
    index = tuple(int(i) for i in np.argwhere(~ok)[0])
    there = ", ".join(f"{key}={float(getattr(s, key)[index])!r}" for key in ("param", "grad", "m", "v"))
    raise CheckFailed(
        f"{s.describe()}: {name} at index {index} expected {float(expected[index])!r}, got {float(got[index])!r} "
        f"(allowed difference {float(bound[index]):.3g}: float64 rounding only; {int((~ok).sum())} of {ok.size} "
        f"entries differ). Inputs at that index: {there}"
    )


def _step(learner, rng, s, how="positional"):
    """One call, judged; returns (the learner's outputs, the trusted outputs)."""
    got = _outputs(s, _call(learner, rng, s, how))
    return got, _judge(s, got)


# Cases


def _log_uniform(rng, low, high):
    return float(math.exp(LN10 * rng.uniform(low, high)))


def _shape(rng, max_entries=400):
    """0-d to 4-d, at most ``max_entries`` entries."""
    ndim = int(rng.integers(0, 5))
    if ndim == 0:
        return ()
    return tuple(int(n) for n in rng.integers(1, max(2, int(max_entries ** (1 / ndim))) + 1, size=ndim))


def _telling_shape(rng):
    """A shape of 10 to 400 entries: an array whose every entry is 0 (each is with probability 0.05),
    where a mistake could not show, has probability below 1e-13."""
    while True:
        shape = _shape(rng)
        if math.prod(shape) >= 10:
            return shape


def _large_shape(rng):
    rows = int(rng.integers(60, 141))
    return (rows, int(rng.integers(100, 141)))


def _strata(rng, count, strata):
    """``count`` draws, one stratum each, every stratum used once before any is used again."""
    order = np.concatenate([rng.permutation(len(strata)) for _ in range(-(-count // len(strata)))])
    return [strata[int(i)](rng) for i in order[:count]]


STRATA = {
    "lr": [lambda r, a=a: _log_uniform(r, a, a + 1) for a in (-5, -4, -3, -2, -1)],
    "weight_decay": [lambda r, a=a: _log_uniform(r, a, a + 1) for a in (-4, -3, -2, -1)]
    + [lambda r: _log_uniform(r, 0, 3)],
    "beta1": [
        lambda r: 0.0,
        lambda r: float(r.uniform(0.0, 0.9)),
        lambda r: float(r.uniform(0.9, 0.99)),
        lambda r: float(1.0 - _log_uniform(r, -3, -2)),
    ],
    "beta2": [
        lambda r: float(r.uniform(0.5, 0.99)),
        lambda r: float(1.0 - _log_uniform(r, -3, -2)),
        lambda r: float(1.0 - _log_uniform(r, -5, -3)),
    ],
    "eps": [lambda r, a=a: _log_uniform(r, a, a + 3) for a in (-12, -9, -6, -4)],
    "t": [
        lambda r: 1,
        lambda r: int(r.integers(2, 11)),
        lambda r: round(_log_uniform(r, 1, 3)),
        lambda r: round(_log_uniform(r, 3, 5)),
    ],
}


def _settings(rng, count, decoupled, **fixed):
    """``count`` hyperparameter sets; each hyperparameter reaches every one of its strata when
    ``count`` is at least the number of strata. ``fixed`` overrides (e.g. weight_decay=0.0)."""
    columns = {name: _strata(rng, count, strata) for name, strata in STRATA.items()}
    settings = []
    for i in range(count):
        row = {name: values[i] for name, values in columns.items()} | {"decoupled": decoupled} | fixed
        row["weight_decay"] = min(row["weight_decay"], 0.5 / row["lr"])  # lr * weight_decay <= 0.5
        settings.append(row)
    return settings


def _values(rng, shape, scale, zeros=0.05):
    values = np.array(rng.standard_normal(shape) * scale, dtype=np.float64)  # 0-d: an array, not a scalar
    if values.size:
        values[rng.random(shape) < zeros] = 0.0
    return values


def _moments(rng, shape, scale, t, beta1):
    """Saved moments after step t - 1: zeros before the first step; otherwise m of either sign (0 when
    beta1 = 0) and v of the gradient's scale squared, at least m ** 2, with entries where both are 0."""
    if t == 1:
        return np.zeros(shape), np.zeros(shape)
    m = np.array(rng.standard_normal(shape) * scale * rng.uniform(0.0, 1.0, size=shape), dtype=np.float64)
    v = np.array((rng.standard_normal(shape) * scale) ** 2 * rng.uniform(0.2, 2.0, size=shape) + m * m)
    if beta1 == 0.0:
        m = np.zeros(shape)
    if m.size:
        zero = rng.random(shape) < 0.03
        m[zero], v[zero] = 0.0, 0.0
    return m, v


def _case(rng, shape, row, scale=None, param_scale=None):
    """One step's arguments: gradients of ``scale`` (1e-3 to 1e3 unless given), weights of
    ``param_scale`` (1e-2 to 10 unless given), moments to match."""
    scale = _log_uniform(rng, -3, 3) if scale is None else scale
    param = _values(rng, shape, _log_uniform(rng, -2, 1) if param_scale is None else param_scale)
    grad = _values(rng, shape, scale)
    m, v = _moments(rng, shape, scale, row["t"], row["beta1"])
    return Step(param=param, grad=grad, m=m, v=v, **row)


def _single_steps(learner, rng, decoupled):
    """Eight single steps of one mode: random shapes, every stratum of every hyperparameter, the last
    one a large array; positional, keyword and mixed calls."""
    rows = _settings(rng, 8, decoupled)
    # The row of the smallest lr decays hard: lr * weight_decay from 0.6 to 0.99 (weight_decay 6,000 to 99,000).
    low = min(rows, key=lambda row: row["lr"])
    low["weight_decay"] = float(rng.uniform(0.6, 0.99)) / low["lr"]
    shapes = [_telling_shape(rng) for _ in range(7)] + [_large_shape(rng)]
    for i, (shape, row) in enumerate(zip(shapes, rows, strict=True)):
        _step(learner, rng, _case(rng, shape, row), ("positional", "keyword", "mixed")[i % 3])


# Public check: the worked example

EXAMPLE_PARAM = np.array([1.0, 1.0, -2.0])
EXAMPLE_GRAD = np.array([0.0, 10.0, 0.5])


@check("Worked example: two steps of Adam with L2 and of AdamW", points=2, public=True)
def worked_example(learner, rng):
    for decoupled in (False, True):
        s = Step(EXAMPLE_PARAM, EXAMPLE_GRAD, np.zeros(3), np.zeros(3), 1, 0.1, 0.9, 0.999, 1e-8, 0.1, decoupled)
        for t in (1, 2):
            got, _ = _step(learner, rng, s._replace(t=t))
            s = s._replace(param=got[0], m=got[1], v=got[2])


# Hidden checks


@check("Adam with L2 in the gradient (decoupled=False): single steps on new inputs", points=2)
def adam_l2_single_steps(learner, rng):
    _single_steps(learner, rng, decoupled=False)


@check("AdamW, decoupled weight decay (decoupled=True): single steps on new inputs", points=2)
def adamw_single_steps(learner, rng):
    _single_steps(learner, rng, decoupled=True)


@check("weight_decay = 0: both modes take the same plain Adam step", points=1)
def no_weight_decay(learner, rng):
    for row in _settings(rng, 3, False, weight_decay=0.0):
        # The same inputs in both modes, each compared with the plain Adam step.
        s = _case(rng, _telling_shape(rng), row)
        _step(learner, rng, s, "mixed")
        _step(learner, rng, s._replace(decoupled=True), "keyword")


@check("Bias correction with t counted from 1: first steps from zero moments, and late steps", points=2)
def bias_correction(learner, rng):
    """Three first steps from zero moments in each mode (beta1 and beta2 close to 1, so the corrections
    are large), fed back the learner's own outputs; then late steps (t from 100 to 100,000) where
    1 - beta2 ** t is still far from 1."""
    for decoupled in (False, True):
        row = _settings(rng, 1, decoupled)[0] | {
            "beta1": float(rng.uniform(0.9, 0.999)),
            "beta2": float(1.0 - _log_uniform(rng, -4, -2)),
            "t": 1,
        }
        s = _case(rng, _telling_shape(rng), row)
        for t in (1, 2, 3):
            got, _ = _step(learner, rng, s._replace(t=t), "keyword" if t == 2 else "positional")
            s = s._replace(param=got[0], grad=_values(rng, s.param.shape, float(rng.uniform(0.1, 10))))
            s = s._replace(m=got[1], v=got[2])
    # Late steps, the last with t from 30,000 to 100,000: 1 - beta2 is between 0.1 / t and 10 / t, so
    # beta2 ** t is between e ** -10 and 0.9, and with lr >= 1e-3 a correction dropped for large t moves
    # new_param by more than 1e-8 * lr, far above rounding.
    late = ((False, 2.0, 4.5), (True, 2.0, 4.5), (bool(rng.random() < 0.5), 4.5, 5.0))
    for decoupled, low, high in late:
        t = round(_log_uniform(rng, low, high))
        beta2 = float(1.0 - _log_uniform(rng, -1, 1) / t)
        row = _settings(rng, 1, decoupled)[0] | {"beta2": beta2, "t": t, "lr": _log_uniform(rng, -3, 0)}
        row["weight_decay"] = min(row["weight_decay"], 0.5 / row["lr"])
        _step(learner, rng, _case(rng, _telling_shape(rng), row))


@check("eps is added after the square root of the bias-corrected v", points=1)
def eps_placement(learner, rng):
    """eps between 0.1 and 10 times the typical sqrt(v_hat), at t from 2 to 50 with beta2 from 0.99 to
    0.9999 (so sqrt(1 - beta2 ** t) is far from 1, and eps before or after the correction differ), and
    lr >= 1e-3, in both modes: with gradients and weights of 1e-10 to 1e-8 (so eps is about 1e-11 to
    3e-7), and with ordinary ones (1e-3 to 1e3)."""
    tiny = (-10.0, -8.0)
    for decoupled, scales in ((False, tiny), (True, tiny), (False, (-3.0, 3.0)), (True, (-3.0, 3.0))):
        row = _settings(rng, 1, decoupled)[0] | {
            "t": int(rng.integers(2, 51)),
            "beta2": float(1.0 - _log_uniform(rng, -4, -2)),
            "lr": _log_uniform(rng, -3, 0),
        }
        row["weight_decay"] = min(row["weight_decay"], 0.5 / row["lr"])
        scale = _log_uniform(rng, *scales)
        s = _case(rng, _telling_shape(rng), row, scale, scale if scales == tiny else None)
        grad = s.grad + (0.0 if decoupled else s.weight_decay * s.param)
        v_hat = (s.beta2 * s.v + (1.0 - s.beta2) * grad * grad) / (1.0 - s.beta2**s.t)
        typical = float(np.median(np.sqrt(v_hat))) if v_hat.size else 0.0
        _step(learner, rng, s._replace(eps=(typical or scale) * _log_uniform(rng, -1, 1)), "mixed")


@check("Consecutive steps t = 1..T, fed back your own moments or the exact ones, two arrays in turn", points=2)
def consecutive_steps(learner, rng):
    """Two parameter arrays of the same shape and settings (two layers of one parameter group), each with
    its own values and moments, stepped alternately from t = 1 in one mode: run A is fed back the
    learner's own outputs (each checked before), run B the trusted outputs. Every step is compared with
    the trusted recomputation from the inputs it received; a result remembered from the other array's
    call with the same shape, t and settings is wrong."""
    shape = _telling_shape(rng)
    row = _settings(rng, 1, bool(rng.random() < 0.5))[0] | {"t": 1}
    runs = [_case(rng, shape, row), _case(rng, shape, row)]
    for t in range(1, int(rng.integers(5, 9)) + 1):
        for which in (0, 1):
            s = runs[which]._replace(t=t)
            got, expected = _step(learner, rng, s, ("positional", "keyword")[(t + which) % 2])
            state = got if which == 0 else expected
            grad = _values(rng, shape, float(np.std(s.grad)) or 1.0)
            runs[which] = s._replace(param=state[0], m=state[1], v=state[2], grad=grad)


@check("A run of 80 to 100 steps follows the trusted trajectory", points=2)
def long_run_follows_the_trajectory(learner, rng):
    """80 to 100 steps of one mode on one array, fed back the learner's own outputs; each step is
    checked against the recomputation from its inputs, and the parameter against the trusted
    trajectory (TRAJECTORY_RTOL of |param| + lr * t) at every step. Gradients are a fixed mean per
    entry plus noise, with scales from 1e-2 to 1e2 per entry (so the adaptive denominators differ)."""
    shape = (int(rng.integers(20, 200)),)
    scale = np.exp(LN10 * rng.uniform(-2, 2, size=shape))
    mean, noise = rng.standard_normal(shape) * scale, scale * rng.uniform(0.1, 2.0, size=shape)
    decoupled = bool(rng.random() < 0.5)
    s = Step(
        param=rng.standard_normal(shape),
        grad=np.zeros(shape),
        m=np.zeros(shape),
        v=np.zeros(shape),
        t=1,
        lr=_log_uniform(rng, -4, -1),
        beta1=float(rng.uniform(0.0, 0.99)),
        beta2=float(1.0 - _log_uniform(rng, -4, -1)),
        eps=_log_uniform(rng, -10, -3),
        weight_decay=_log_uniform(rng, -3, math.log10(0.3)),
        decoupled=decoupled,
    )
    trusted = (s.param, s.m, s.v)
    for t in range(1, int(rng.integers(80, 101)) + 1):
        grad = mean + noise * rng.standard_normal(shape)
        s = s._replace(grad=grad, t=t)
        got, _ = _step(learner, rng, s, "positional")
        trusted = _expected(s._replace(param=trusted[0], m=trusted[1], v=trusted[2]))
        drift = np.abs(got[0] - trusted[0])
        allowed = TRAJECTORY_RTOL * (np.abs(trusted[0]) + s.lr * t)
        if not (drift <= allowed).all():
            index = int(np.argmax(drift > allowed))
            raise CheckFailed(
                f"{s.describe()}: after step t={t} of a run from zero moments, your parameter (fed back step "
                f"after step) has drifted from the trusted trajectory: at index {index} expected "
                f"{float(trusted[0][index])!r}, got {float(got[0][index])!r} (allowed {float(allowed[index]):.3g})"
            )
        s = s._replace(param=got[0], m=got[1], v=got[2])


@check("Edge cases: zero gradients, weights and moments, beta1 = 0, a 0-d parameter, no entries", points=1)
def edge_cases(learner, rng):
    for decoupled in (False, True):
        row = _settings(rng, 1, decoupled)[0] | {"beta1": 0.0, "t": int(rng.integers(1, 20))}
        shape = _telling_shape(rng)
        s = _case(rng, shape, row)
        flat = [a.reshape(-1) for a in (s.param, s.grad, s.m, s.v)]
        picks = rng.choice(s.param.size, size=6, replace=False)
        flat[1][picks[:3]] = 0.0  # zero gradients ...
        flat[0][picks[1:4]] = 0.0  # ... zero weights, both at picks[1:3] ...
        flat[2][picks[2:]], flat[3][picks[2:]] = 0.0, 0.0  # ... and zero moments
        _step(learner, rng, s, "keyword")
        scalar = _case(rng, (), _settings(rng, 1, decoupled)[0])
        _step(learner, rng, scalar._replace(param=np.where(scalar.param == 0, 1.0, scalar.param)), "mixed")
        empty = ((0,), (int(rng.integers(1, 5)), 0))[int(decoupled)]
        _step(learner, rng, _case(rng, empty, _settings(rng, 1, decoupled)[0]))


@check("Inputs are never modified in place", points=1)
def inputs_untouched(learner, rng):
    # Every call of every check reads its positional array arguments back; these two calls pass all
    # four arrays by position, in both modes, with every weight and gradient non-zero.
    for decoupled in (False, True):
        row = _settings(rng, 1, decoupled)[0] | {"t": int(rng.integers(2, 100))}
        s = _case(rng, _telling_shape(rng), row)
        s = s._replace(param=np.where(s.param == 0, 1.0, s.param), grad=np.where(s.grad == 0, 1.0, s.grad))
        _step(learner, rng, s, "positional")


@check("Many calls in a row, over every range of the hyperparameters", points=1)
def many_calls(learner, rng):
    """70 to 90 single steps in one batch, on small arrays (4 to 12 entries), each from its own draw of
    every stratum of ``STRATA`` (weight_decay up to 1,000, capped so that lr * weight_decay <= 0.5), in
    either mode: a result that is right only for the first calls of a process, or only in part of the
    ranges, fails. Each step is judged as the other checks judge it."""
    n = int(rng.integers(70, 91))
    steps = []
    for row in _settings(rng, n, False):
        row["decoupled"] = bool(rng.random() < 0.5)
        steps.append(_case(rng, (int(rng.integers(4, 13)),), row))
    replies = learner.map("adam_step", [(*s.args(), s.weight_decay, s.decoupled) for s in steps])
    for s, reply in zip(steps, replies, strict=True):
        _judge(s, _outputs(s, reply.value_in(s.describe())))
