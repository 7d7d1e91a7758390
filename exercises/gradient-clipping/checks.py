"""Hidden checks for gradient clipping by norm and by value.

Every hidden case is drawn from ``rng`` (seeded from a secret fresh for each grading): one to a dozen
arrays of 0 to 4 dimensions, each at its own scale (1e-4 to 1e3), zero arrays among them; norm types
2 (the default), 1, inf and other p in [1, 6], passed by keyword and by position; ``max_norm`` far
below, just below or above (1e-6 to 1e-2 relative) and far above the total norm, and tiny norms where
the 1e-6 in ``max_norm / (total_norm + 1e-6)`` decides; a training loop of calls with the same shapes
and new values; clip values that leave entries exactly on the bounds. Public checks (the examples
learners run) use fixed inputs.

The expected values are recomputed here by ``_expected_norm`` and ``_expected_value``, the rules of
``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_`` (the total norm is the norm of the
per-array norms, as PyTorch computes it). ``total_norm`` and the scaled arrays are compared with a
relative tolerance of ``RTOL`` (different summation orders differ by about 1e-15); arrays that are not
scaled, and clamped values, must come back exactly. Cases closer than ``MARGIN`` (relative) to the
clipping threshold, where rounding could decide, are drawn again.

Every call but those of ``many_calls`` is made with ``call_and_read_args``: the gradient arrays live in
memory shared with the learner's process and are read back here after the call, so an array changed in place is seen
whatever that process reports.

Nothing is statistical: a correct solution is never rejected.
"""

import math

import numpy as np

from grader.harness import CheckFailed, Writable, assert_array, assert_close, check, describe, drawing, figure

ENVIRONMENT = """
def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T is.
    return x.T
"""

RTOL = 1e-10
MARGIN = 1e-9
G_SIMPLE = [np.array([3.0, 4.0]), np.array([[12.0]])]  # total 2-norm 13, inf-norm 12, 1-norm 19


def _per_array_norms(grads, norm_type):
    return np.array([np.linalg.norm(np.ravel(g), ord=norm_type) for g in grads])


def _total_norm(grads, norm_type):
    if not grads:
        return 0.0
    return float(np.linalg.norm(_per_array_norms(grads, norm_type), ord=norm_type))


def _expected_norm(grads, max_norm, norm_type):
    """(clipped arrays, total norm, whether they were scaled), as clip_grad_norm_ computes them."""
    total = _total_norm(grads, norm_type)
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        return [g * coef for g in grads], total, True
    return [g.copy() for g in grads], total, False


def _expected_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]


def _label(grads):
    shapes = ", ".join(str(g.shape) for g in grads)
    text = "[" + ", ".join(describe(g, limit=100) for g in grads) + "]"
    return f"{len(grads)} arrays of shapes [{shapes}]: {text if len(text) < 600 else text[:597] + '...'}"


def _unchanged(grads, after, call):
    """Fail unless every gradient array, as read back from shared memory, is what was sent."""
    for index, (before, now) in enumerate(zip(grads, after, strict=True)):
        if not np.array_equal(now, before):
            where = tuple(int(i) for i in np.argwhere(now != before)[0])
            raise CheckFailed(
                f"{call} changed grads[{index}] in place: at index {where} it held {before[where]!r} before the "
                f"call and {now[where]!r} after. Return new arrays and leave the inputs as they were."
            )


def _arrays(value, grads, what):
    """The learner's list of arrays, each float64 and of the shape of the matching gradient."""
    if not isinstance(value, list):
        raise CheckFailed(f"{what}: expected a list of arrays, got {type(value).__name__}: {describe(value)}")
    if len(value) != len(grads):
        raise CheckFailed(f"{what}: expected a list of {len(grads)} arrays (one per gradient), got {len(value)}")
    arrays = []
    for index, (item, grad) in enumerate(zip(value, grads, strict=True)):
        if grad.ndim == 0 and isinstance(item, (float, np.floating)):
            item = np.asarray(item)  # a NumPy scalar is fine for a 0-d gradient
        arrays.append(assert_array(item, what=f"{what}[{index}]", shape=grad.shape, dtype=np.float64))
    return arrays


def _sent(grads, writable):
    """The list as the learner's function receives it: ``writable`` passes the arrays writable, as a caller's
    own gradients are, so a change made only then is seen too."""
    return [Writable(g) for g in grads] if writable else list(grads)


def _clip_norm(learner, grads, max_norm, norm_type=None, positional=False, draw=False, writable=False):
    """Call clip_grad_norm (norm_type omitted when None) and compare everything with the reference;
    ``draw`` attaches the norms before and after clipping, yours beside the expected, as a figure."""
    extra, options = [], {}
    if norm_type is not None:
        if positional:
            extra = [norm_type]
        else:
            options = {"norm_type": norm_type}
    call = f"clip_grad_norm(grads, max_norm={max_norm!r}"
    call += f", {norm_type!r})" if extra else f", norm_type={norm_type!r})" if options else ")"
    result, after = learner.call_and_read_args("clip_grad_norm", _sent(grads, writable), max_norm, *extra, **options)
    _unchanged(grads, after[0], call)
    _judge_norm(call, result, grads, max_norm, norm_type, draw)


def _judge_norm(call, result, grads, max_norm, norm_type=None, draw=False):
    """Compare clip_grad_norm's answer (``call`` describes it) with the reference."""
    expected_arrays, expected_total, scaled = _expected_norm(grads, max_norm, 2.0 if norm_type is None else norm_type)
    coef = max_norm / (expected_total + 1e-6)
    state = f"scaled by max_norm / (total_norm + 1e-6) = {coef!r}" if scaled else f"unchanged (coef = {coef!r} >= 1)"
    try:
        if not (isinstance(result, tuple) and len(result) == 2):
            raise CheckFailed(f"must return a tuple (clipped_arrays, total_norm); got {describe(result)}")
        clipped, total = result
        arrays = _arrays(clipped, grads, "clipped_arrays")
        if draw:
            with drawing():
                _draw_norms(grads, expected_arrays, arrays, max_norm, 2.0 if norm_type is None else norm_type)
        if isinstance(total, np.ndarray) and total.ndim == 0:
            total = total[()]
        if isinstance(total, (bool, np.bool_)) or not isinstance(total, (int, float, np.integer, np.floating)):
            raise CheckFailed(f"total_norm must be a float, got {type(total).__name__}: {describe(total)}")
        assert_close(float(total), expected_total, what="total_norm (measured before clipping)", rtol=RTOL, atol=0)
        for index, (actual, expected) in enumerate(zip(arrays, expected_arrays, strict=True)):
            label = f"clipped_arrays[{index}], expected {state}"
            assert_close(actual, expected, what=label, rtol=RTOL if scaled else 0, atol=0)
    except CheckFailed as failure:
        # The inputs are described only when something failed: describing arrays is slow.
        raise CheckFailed(f"{call} with grads = {_label(grads)}: {failure}") from None


def _draw_norms(grads, expected_arrays, arrays, max_norm, norm_type):
    """Per-array and total norms: before clipping, after (expected) and after (the learner's arrays)."""

    def with_total(norms):
        return [*norms, float(np.linalg.norm(norms, ord=norm_type))]

    with np.errstate(invalid="ignore", over="ignore"):
        series = [
            ("before clipping", _per_array_norms(grads, norm_type), False),
            ("after, expected", _per_array_norms(expected_arrays, norm_type), False),
            ("after, yours", _per_array_norms(arrays, norm_type), True),
        ]
    norms = {name: with_total(values) for name, values, _ in series}
    figure(
        "bars",
        {
            "x_label": "array",
            "y_label": f"{norm_type:g}-norm",
            "categories": [*(f"grads[{i}]" for i in range(len(grads))), "all together"],
            "series": [{"name": name, "values": norms[name], "learner": mine} for name, _, mine in series],
            "lines": [{"value": max_norm, "label": "max_norm"}],
        },
        f"Norms of each array and of all together, with max_norm = {max_norm:g}: "
        + "; ".join(f"{name}: {', '.join(f'{v:.4g}' for v in values)}" for name, values in norms.items()),
    )


def _clip_value(learner, grads, clip_value, writable=False):
    call = f"clip_grad_value(grads, clip_value={clip_value!r})"
    result, after = learner.call_and_read_args("clip_grad_value", _sent(grads, writable), clip_value)
    _unchanged(grads, after[0], call)
    _judge_value(call, result, grads, clip_value)


def _judge_value(call, result, grads, clip_value):
    try:
        arrays = _arrays(result, grads, "the list returned")
        for index, (actual, expected) in enumerate(zip(arrays, _expected_value(grads, clip_value), strict=True)):
            assert_close(actual, expected, what=f"the list returned, [{index}]", rtol=0, atol=0)
    except CheckFailed as failure:
        raise CheckFailed(f"{call} with grads = {_label(grads)}: {failure}") from None


# Fresh cases


def _shape(rng, longest=(1, 60, 30, 12, 6)):
    """0 to 4 dimensions, each of length 1 to ``longest[ndim]``."""
    ndim = int(rng.choice([0, 1, 1, 2, 2, 3, 4]))
    return tuple(int(n) for n in rng.integers(1, longest[ndim] + 1, size=ndim))


def _grads(rng, count=None, zero_share=0.1, small=False):
    """A list of gradient arrays, each at its own scale, some of them all zeros; ``small``: at most 3
    arrays of at most 8 entries each."""
    if count is None:
        count = int(rng.integers(1, 4)) if small else int(rng.choice([1, 2, 3, int(rng.integers(1, 13))]))
    grads = []
    for _ in range(count):
        shape = _shape(rng, (1, 8, 3, 2, 2)) if small else _shape(rng)
        scale = 10.0 ** rng.uniform(-4, 3)
        g = scale * rng.standard_normal(shape) * rng.uniform(0.2, 1.0, size=shape)
        grads.append(np.zeros(shape) if rng.random() < zero_share else np.asarray(g, dtype=np.float64))
    return grads


def _norm_type(rng):
    return float(rng.choice([1.0, 2.0, math.inf, float(rng.uniform(1, 6)), float(rng.integers(3, 7))]))


def _max_norm(rng, grads, norm_type, ratio):
    """max_norm = ratio * total norm, unless that lands within MARGIN of the clipping threshold
    (max_norm = total + 1e-6), where rounding could decide; then None."""
    total = _total_norm(grads, norm_type)
    max_norm = float(ratio * total) if total > 0 else float(ratio * 1e-6)
    if abs(max_norm - (total + 1e-6)) <= MARGIN * max(max_norm, total + 1e-6):
        return None
    return max_norm


def _case(rng, ratio_low, ratio_high, norm_type=2.0, **grads_options):
    """Gradients and a max_norm whose ratio to the total norm is log-uniform in [ratio_low, ratio_high]."""
    while True:
        grads = _grads(rng, **grads_options)
        ratio = math.exp(rng.uniform(math.log(ratio_low), math.log(ratio_high)))
        max_norm = _max_norm(rng, grads, norm_type, ratio)
        if max_norm is not None and max_norm > 0:
            return grads, max_norm


# Public checks (fixed inputs)


@check("Below max_norm the arrays come back unchanged, with their total norm", points=1, public=True)
def below_max_norm(learner, rng):
    _clip_norm(learner, G_SIMPLE, 20.0)
    _clip_norm(learner, G_SIMPLE, 13.5)


@check("Above max_norm every array is scaled by max_norm / (total_norm + 1e-6)", points=2, public=True)
def above_max_norm(learner, rng):
    _clip_norm(learner, G_SIMPLE, 6.5, draw=True)
    _clip_norm(learner, G_SIMPLE, 6.5, float("inf"))


@check("clip_grad_value clamps every entry to [-clip_value, clip_value]", points=1, public=True)
def clip_by_value(learner, rng):
    _clip_value(learner, G_SIMPLE, 3.5)
    _clip_value(learner, [np.array([-2.0, -0.5, 0.5, 2.0]), np.array(-7.0), np.array([[0.25]])], 0.5)


# Hidden checks (fresh cases from rng)


@check("Sixty to a hundred calls of each function in a row, one array a view not in C order", points=1)
def many_calls(learner, rng):
    """For each function, 60 to 100 small cases in one round trip (one to three arrays of 0 to 4
    dimensions; ``max_norm`` from 1e-2 to 1e2 times the total norm, so about half the cases are scaled;
    every norm type, passed by position or left to its default; clip values from 0.1 to 0.9 times the largest
    entry), the arrays of about half of them
    writable, and one array of several rows and columns (in a case at a random place) a transposed view: a
    submission whose behaviour changes with the memory layout of its arrays meets a judged call. The first
    hidden check: every later check's calls come after these, so behaviour that changes after some number
    of calls (up to 60 or more of each function) meets judged calls too."""
    for name in ("clip_grad_norm", "clip_grad_value"):
        count = int(rng.integers(60, 101))
        cases = []
        for _ in range(count):
            if name == "clip_grad_value":
                grads = _grads(rng, small=True)
                largest = max(float(np.abs(g).max()) for g in grads)
                cases.append((grads, largest * float(rng.uniform(0.1, 0.9)) or 1.0, None))
                continue
            norm_type = _norm_type(rng) if rng.random() < 0.7 else None
            cases.append((*_case(rng, 1e-2, 1e2, 2.0 if norm_type is None else norm_type, small=True), norm_type))
        viewed = int(rng.integers(count))
        cases[viewed][0][0] = rng.standard_normal((int(rng.integers(2, 5)), int(rng.integers(2, 5))))
        if name == "clip_grad_norm":  # max_norm again, for the new array
            cases[viewed] = (cases[viewed][0], _max_norm(rng, cases[viewed][0], 2.0, 0.5), None)
        calls = []
        for index, ((grads, bound, norm_type), writable) in enumerate(zip(cases, rng.random(count) < 0.5, strict=True)):
            sent = _sent(grads, writable)
            if index == viewed:
                sent[0] = learner.environment("transposed", np.ascontiguousarray(grads[0].T), as_handle=True).handle
            calls.append((sent, bound) if norm_type is None or name == "clip_grad_value" else (sent, bound, norm_type))
        replies = learner.map(name, calls)
        for index, ((grads, bound, norm_type), reply) in enumerate(zip(cases, replies, strict=True)):
            layout = ", grads[0] a transposed view" if index == viewed else ""
            if name == "clip_grad_value":
                _judge_value(
                    f"call {index + 1} of {count} in a row{layout}: clip_grad_value(grads, {bound!r})",
                    reply.value,
                    grads,
                    bound,
                )
                continue
            step = "" if norm_type is None else f", {norm_type!r}"
            call = f"call {index + 1} of {count} in a row{layout}: clip_grad_norm(grads, {bound!r}{step})"
            _judge_norm(call, reply.value, grads, bound, norm_type)


@check("Below max_norm the arrays come back unchanged, with their total norm, on new gradients", points=1)
def below_max_norm_fresh(learner, rng):
    for low, high in ((1.5, 1e3), (1 + 1e-6, 1.01), (1.01, 1.5)):
        _clip_norm(learner, *_case(rng, low, high))


@check("Above max_norm every array is scaled by the same coefficient, on new gradients", points=2)
def above_max_norm_fresh(learner, rng):
    for low, high in ((1e-3, 0.5), (0.99, 1 - 1e-6), (0.5, 0.99)):
        _clip_norm(learner, *_case(rng, low, high))


@check("One total norm over all arrays together, not one per array", points=2)
def one_total_norm(learner, rng):
    # Several arrays, each of norm below max_norm, whose total norm is above it (for a finite p: the
    # inf-norm of all entries is the largest per-array one).
    for norm_type in (2.0, float(rng.choice([1.0, rng.uniform(1, 6)]))):
        grads = _grads(rng, count=int(rng.integers(3, 9)), zero_share=0.0)
        # Comparable per-array norms (between 0.3 and 1 times a common scale), so the total is clearly
        # above the largest of them.
        scale = 10.0 ** rng.uniform(-2, 2)
        norms = _per_array_norms(grads, norm_type)
        grads = [g * (scale * rng.uniform(0.3, 1.0) / n) for g, n in zip(grads, norms, strict=True)]
        largest, total = float(_per_array_norms(grads, norm_type).max()), _total_norm(grads, norm_type)
        # Above the largest per-array norm, and far more than MARGIN below total + 1e-6: always scaled.
        max_norm = float(rng.uniform(largest, total) * (1 + 2 * MARGIN))
        _clip_norm(learner, grads, max_norm, norm_type, positional=bool(rng.random() < 0.5))


@check("norm_type 1, inf and other p, passed by keyword or by position", points=3)
def other_norm_types(learner, rng):
    for norm_type in (1.0, math.inf, float(rng.uniform(1, 6)), float(rng.integers(3, 7))):
        for low, high in ((1e-3, 0.9), (1.1, 1e3)):
            grads, max_norm = _case(rng, low, high, norm_type, zero_share=0.0)
            if norm_type == math.inf:
                # The entry of largest magnitude is negative: the inf-norm takes absolute values.
                largest = int(np.argmax([np.max(np.abs(g)) for g in grads]))
                where = np.unravel_index(int(np.argmax(np.abs(grads[largest]))), grads[largest].shape)
                grads[largest][where] = -abs(grads[largest][where])
            _clip_norm(learner, grads, max_norm, norm_type, positional=low > 1)


@check("Clips exactly when max_norm / (total_norm + 1e-6) < 1: tiny norms and norms just below max_norm", points=2)
def threshold_rule(learner, rng):
    """Total norms from 1e-7 to 1e-3, with max_norm between total_norm and total_norm + 1e-6 (where
    PyTorch still scales) or just above total_norm + 1e-6 (where it does not)."""
    for above_eps in (False, True, bool(rng.random() < 0.5)):
        norm_type = _norm_type(rng)
        while True:
            grads = _grads(rng, zero_share=0.0)
            target = 10.0 ** rng.uniform(-7, -3)
            scale = target / _total_norm(grads, norm_type)
            grads = [g * scale for g in grads]
            total = _total_norm(grads, norm_type)
            gap = 1e-6 * (rng.uniform(1.001, 3.0) if above_eps else rng.uniform(0.001, 0.999))
            max_norm = float(total + gap)
            if abs(max_norm - (total + 1e-6)) > MARGIN * max_norm:
                break
        _clip_norm(learner, grads, max_norm, norm_type)


@check("A training loop: the same shapes at every step, new gradients, clipped or not", points=2)
def training_loop(learner, rng):
    """One max_norm and norm_type, the same parameter shapes at every step, new gradients each time
    (some above max_norm, some below): each call must depend on its own arguments only."""
    shapes = [_shape(rng) for _ in range(int(rng.integers(2, 7)))]
    norm_type, max_norm = _norm_type(rng), float(10.0 ** rng.uniform(-1, 1))
    for step in range(6):
        while True:
            grads = [rng.standard_normal(shape) * 10.0 ** rng.uniform(-1, 1) for shape in shapes]
            target = max_norm * 10.0 ** (rng.uniform(-1, -0.05) if step % 2 else rng.uniform(0.05, 1))
            grads = [np.asarray(g * (target / _total_norm(grads, norm_type))) for g in grads]
            if _max_norm(rng, grads, norm_type, max_norm / _total_norm(grads, norm_type)) is not None:
                break
        _clip_norm(learner, grads, max_norm, norm_type, writable=bool(rng.random() < 0.5))
        if step >= 4:
            clip_value = float(np.median(np.abs(np.concatenate([np.ravel(g) for g in grads]))))
            _clip_value(learner, grads, clip_value, writable=bool(rng.random() < 0.5))


@check("Zero gradients, 0-d arrays, a single array and an empty list", points=2)
def edge_cases(learner, rng):
    zeros = [np.zeros(_shape(rng)) for _ in range(int(rng.integers(1, 5)))]
    _clip_norm(learner, zeros, float(10.0 ** rng.uniform(-3, 2)), _norm_type(rng))
    scalars = [np.asarray(float(v)) for v in rng.standard_normal(int(rng.integers(1, 5))) * 10.0]
    _clip_norm(learner, scalars, float(rng.uniform(0.1, 5.0)), _norm_type(rng))
    _clip_norm(learner, *_case(rng, 1e-2, 1e2, count=1))
    result = learner.clip_grad_norm([], float(rng.uniform(0.1, 10.0)))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"clip_grad_norm([], max_norm) must return a tuple ([], 0.0); got {describe(result)}")
    clipped, total = result
    if clipped != [] or not isinstance(total, (float, np.floating)) or float(total) != 0.0:
        raise CheckFailed(f"clip_grad_norm([], max_norm): expected ([], 0.0) as in PyTorch, got {describe(result)}")
    result = learner.clip_grad_value([], float(rng.uniform(0.1, 10.0)))
    if result != []:
        raise CheckFailed(f"clip_grad_value([], clip_value): expected [], got {describe(result)}")


@check("clip_grad_value clamps every entry to [-clip_value, clip_value], on new gradients", points=2)
def clip_by_value_fresh(learner, rng):
    for _ in range(3):
        grads = _grads(rng)
        entries = np.concatenate([np.abs(np.ravel(g)) for g in grads])
        clip_value = float(np.quantile(entries, rng.uniform(0.05, 0.95))) or 1.0
        # Some entries exactly on the bounds, of either sign.
        for g in grads:
            if g.ndim and rng.random() < 0.5:
                g[tuple(int(rng.integers(n)) for n in g.shape)] = clip_value * rng.choice([-1.0, 1.0])
        _clip_value(learner, grads, clip_value, writable=bool(rng.random() < 0.5))
    _clip_value(learner, _grads(rng), float(10.0 ** rng.uniform(4, 6)))  # nothing to clamp


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    """Gradients that get scaled and clamped, passed writable (as a caller's own arrays are) and read-only;
    the values are judged too, so an answer right only for one kind of array fails."""
    grads, max_norm = _case(rng, 1e-3, 0.5, zero_share=0.0)
    clip_value = float(np.median(np.abs(np.concatenate([np.ravel(g) for g in grads]))))
    for writable in rng.permutation([True, False]):
        _clip_norm(learner, grads, max_norm, writable=bool(writable))
        _clip_norm(learner, grads, max_norm, math.inf, writable=bool(writable))
        _clip_value(learner, grads, clip_value, writable=bool(writable))
