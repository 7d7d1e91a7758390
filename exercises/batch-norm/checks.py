"""Hidden checks for the batch normalisation forward pass.

Every hidden case is drawn from ``rng`` (seeded from a secret fresh for each grading): batch sizes from
2 to a few hundred, 1 to 32 features, values at scales from 1e-3 to 1e3, random ``gamma`` (of both
signs), ``beta``, running statistics, ``momentum`` in [0, 1] (0 and 1 included) and ``eps`` from 1e-8
to 0.1. Public checks (the examples learners run) use fixed inputs.

The expected values are recomputed here in float64 by ``_reference``, the formulas of
``torch.nn.functional.batch_norm`` (centred two-pass statistics). The tolerances allow only rounding:
``RTOL`` relative, plus ``ATOL`` times the size of the terms a value is made of (``|gamma| + |beta|``
for an output) absolute. The inputs keep every feature's mean within a few standard deviations of
zero and the features of one call within a factor of 10 in scale, so rounding stays near 1e-14, while
the mistakes the checks look for (eps outside the square root, a biased running variance, Keras's
momentum, float32 arithmetic, ...) differ by 1e-6 relative or far more. The large-mean check has its
own bound, derived in its docstring.

Every call is made with ``call_and_read_args``: its array arguments live in memory shared with the
learner's process and are read back here after the call, so an input changed in place is seen
whatever that process reports. Running statistics are carried over sequences of calls (two layers
trained in turn, the statistics each call returns fed to the next, then evaluation), so a submission
that keeps its own statistics between calls instead of using its arguments is seen too.

Nothing is statistical: a correct solution is never rejected.
"""

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, assert_array, assert_close, check, describe

ENVIRONMENT = """
def transposed(x):
    # A view whose memory is not in C order, as a caller's x.T is.
    return x.T
"""

RTOL, ATOL = 1e-9, 1e-9
NAMES = ("x", "gamma", "beta", "running_mean", "running_var")


def _reference(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """torch.nn.functional.batch_norm's values: (out, new running mean, new running variance)."""
    if training:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = ((x - mean) ** 2).mean(axis=0)
        new_mean = (1.0 - momentum) * running_mean + momentum * mean
        new_var = (1.0 - momentum) * running_var + momentum * var * (n / (n - 1))
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean, running_var
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, new_mean, new_var


def _describe_call(x, training, options, positional):
    call = f"batchnorm_forward(x of shape {x.shape}, gamma, beta, running_mean, running_var, training={training}"
    if positional:
        call += "".join(f", {value!r}" for value in options.values())
    else:
        call += "".join(f", {key}={value!r}" for key, value in options.items())
    return call + ")"


def _inputs(args):
    return "Inputs: " + "; ".join(f"{name} = {describe(value, 200)}" for name, value in zip(NAMES, args, strict=True))


def _forward(learner, args, training, positional=False, writable=False, **options):
    """Call the learner; check the result's types and shapes and that no input changed. Returns
    (what, out, new_running_mean, new_running_var). ``writable`` passes every array writable, as a
    caller's own arrays are: code that writes only to writable arrays is seen too."""
    what = _describe_call(args[0], training, options, positional)
    extra = list(options.values()) if positional else []
    sent = [Writable(value.copy()) for value in args] if writable else args
    result, after = learner.call_and_read_args(
        "batchnorm_forward", *sent, training, *extra, **({} if positional else options)
    )
    for name, before, now in zip(NAMES, args, after, strict=False):
        if not np.array_equal(now, before):
            index = tuple(int(i) for i in np.argwhere(now != before)[0])
            raise CheckFailed(
                f"{what} changed its argument {name} in place: at index {index} it held {before[index]!r} before "
                f"the call and {now[index]!r} after. Return new arrays and leave every input as it was."
            )
    return (what, *_validated(what, result, args[0].shape))


def _validated(what, result, shape):
    """The result's three arrays, once their types and shapes are checked."""
    if not (isinstance(result, tuple) and len(result) == 3):
        raise CheckFailed(
            f"{what} must return a tuple (out, new_running_mean, new_running_var); got {describe(result)}"
        )
    n, d = shape
    out = assert_array(result[0], what=f"{what}: out", shape=(n, d), dtype=np.float64)
    new_mean = assert_array(result[1], what=f"{what}: new_running_mean", shape=(d,), dtype=np.float64)
    new_var = assert_array(result[2], what=f"{what}: new_running_var", shape=(d,), dtype=np.float64)
    return out, new_mean, new_var


def _compare(learner, args, training, parts=(0, 1, 2), positional=False, writable=False, **options):
    """Call the learner and compare the chosen parts with the reference; return its (validated) result."""
    what, *got = _forward(learner, args, training, positional, writable, **options)
    return _judge(what, got, args, training, parts, **options)


def _judge(what, got, args, training, parts=(0, 1, 2), **options):
    """Compare the chosen parts of a validated result with the reference; return the result."""
    expected = _reference(*args, training, **options)
    x, gamma, beta, running_mean, running_var = args
    # Rounding is relative to the size of the terms each value is made of (features share a scale
    # within a factor of 10, so one absolute tolerance per array is enough).
    atols = (
        ATOL * float(np.max(np.abs(gamma) + np.abs(beta))),
        ATOL * float(np.max(np.abs(running_mean) + np.abs(x).max(axis=0))),
        ATOL * float(np.max(running_var + (x - x.mean(axis=0)) ** 2)),
    )
    names = ("out", "new_running_mean", "new_running_var")
    for index in parts:
        try:
            if not training and index > 0:  # returned unchanged: exactly the running statistics given
                assert_close(got[index], args[index + 2], what=f"{what}: {names[index]}", rtol=0, atol=0)
            else:
                label = f"{what}: {names[index]}"
                assert_close(got[index], expected[index], what=label, rtol=RTOL, atol=atols[index])
        except CheckFailed as failure:
            raise CheckFailed(f"{failure}\n{_inputs(args)}") from None
    return got


# Fresh cases


def _shape(rng, max_n=256, max_entries=4096):
    while True:
        n = int(rng.choice([2, 3, int(rng.integers(2, 17)), int(rng.integers(2, max_n + 1))]))
        d = int(rng.choice([1, int(rng.integers(1, 9)), int(rng.integers(1, 33))]))
        if n * d <= max_entries:
            return n, d


def _layer(rng, d):
    """A layer's parameters and running statistics, and the scale and centre of its inputs."""
    scale = 10.0 ** rng.uniform(-3, 3) * rng.uniform(0.3, 3.0, size=d)
    centre = scale * rng.uniform(-3, 3, size=d)
    gamma = rng.uniform(0.25, 2.5, size=d) * rng.choice([-1.0, 1.0], size=d)
    beta = rng.uniform(-2, 2, size=d)
    running_mean = centre + scale * rng.uniform(-2, 2, size=d)
    running_var = scale**2 * rng.uniform(0.3, 3.0, size=d)
    return {"gamma": gamma, "beta": beta, "mean": running_mean, "var": running_var, "scale": scale, "centre": centre}


def _batch(rng, layer, n):
    spread = layer["scale"] * rng.uniform(0.5, 2.0, size=layer["scale"].shape)
    return layer["centre"] + spread * rng.standard_normal((n, spread.size))


def _case(rng, **shape_options):
    n, d = _shape(rng, **shape_options)
    layer = _layer(rng, d)
    return (_batch(rng, layer, n), layer["gamma"], layer["beta"], layer["mean"], layer["var"])


def _options(rng):
    momentum = float(rng.choice([0.0, 1.0, rng.uniform(0, 1), rng.uniform(0, 1)]))
    eps = float(10.0 ** rng.uniform(-8, -1))
    return {"momentum": momentum, "eps": eps}


# Public checks (fixed inputs)


def _fixed(seed, n, d):
    gen = np.random.default_rng(seed)
    x = gen.normal(size=(n, d)) * gen.uniform(0.5, 3.0, size=d) + gen.normal(size=d)
    return x, gen.uniform(0.5, 2.0, size=d), gen.normal(size=d), gen.normal(size=d), gen.uniform(0.5, 2.0, size=d)


@check("Training output matches torch.nn.functional.batch_norm on the worked example", points=2, public=True)
def worked_example_training(learner, rng):
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    _compare(learner, (x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2)), True)


@check("Running mean and variance move by momentum, using the unbiased batch variance", points=2, public=True)
def running_statistics(learner, rng):
    _compare(learner, _fixed(4, 6, 3), True, parts=(1, 2))
    _compare(learner, _fixed(5, 10, 4), True, parts=(1, 2), momentum=0.3)


@check("Evaluation normalises with the running statistics and returns them unchanged", points=2, public=True)
def evaluation_mode(learner, rng):
    _compare(learner, _fixed(8, 5, 3), False)
    _compare(learner, _fixed(8, 5, 3), False, momentum=0.5, eps=1e-3)


# Hidden checks (fresh cases from rng)


@check("Sixty to a hundred calls in a row, one with x a view not in C order", points=1)
def many_calls(learner, rng):
    """60 to 100 small cases in one round trip, training and evaluation mixed, momentum and eps drawn
    as elsewhere, and x of one of them (at a random place) a transposed view: a submission whose
    behaviour changes with the memory layout of x meets a judged call. The first hidden check: every later
    check's calls come after these, so behaviour that changes after some number of calls (up to 60 or
    more) meets judged calls too."""
    cases = [
        (_case(rng, max_n=16, max_entries=128), bool(rng.random() < 0.7), _options(rng))
        for _ in range(int(rng.integers(60, 101)))
    ]
    # A view of a single feature is in C order too: the view goes to a case of several features (each case
    # has one with probability above 0.6, so 60 cases all without one have probability below 1e-23).
    viewed = int(rng.choice([index for index, case in enumerate(cases) if case[0][0].shape[1] > 1]))
    calls = []
    for index, (args, training, options) in enumerate(cases):
        x = args[0]
        if index == viewed:
            x = learner.environment("transposed", np.ascontiguousarray(x.T), as_handle=True).handle
        calls.append((x, *args[1:], training, options["momentum"], options["eps"]))
    replies = learner.map("batchnorm_forward", calls)
    for index, ((args, training, options), reply) in enumerate(zip(cases, replies, strict=True)):
        layout = ", x a transposed view" if index == viewed else ""
        what = f"call {index + 1} of {len(cases)} in a row{layout}: {_describe_call(args[0], training, options, True)}"
        _judge(what, _validated(what, reply.value, args[0].shape), args, training, **options)


@check("Training normalises each feature with the batch mean and biased variance, on new shapes", points=2)
def training_output(learner, rng):
    for _ in range(2):
        _compare(learner, _case(rng), True, parts=(0,), **_options(rng))


@check("Running statistics move by momentum towards the batch mean and unbiased variance", points=2)
def running_statistics_fresh(learner, rng):
    for index, momentum in enumerate((float(rng.uniform(0, 1)), 0.0, 1.0)):
        options = {"momentum": momentum, "eps": float(10.0 ** rng.uniform(-8, -1))}
        _compare(learner, _case(rng), True, parts=(1, 2), positional=index == 1, **options)


@check("Default arguments are momentum=0.1 and eps=1e-5", points=1)
def default_arguments(learner, rng):
    _compare(learner, _case(rng), True)
    _compare(learner, _case(rng), False)


@check("Many training steps, then evaluation: running statistics carried from call to call", points=2)
def training_then_evaluation(learner, rng):
    """Two layers trained in turn (random order), each call given the running statistics the previous
    call of that layer returned (after they were checked), then both evaluated on new batches."""
    layers = []
    for _ in range(2):
        d = int(rng.integers(1, 17))
        layers.append({**_layer(rng, d), "options": _options(rng), "steps": int(rng.integers(4, 8))})
    order = [index for index, layer in enumerate(layers) for _ in range(layer["steps"])]
    for index in rng.permutation(order).tolist():
        layer = layers[index]
        # The inputs drift from step to step, as a layer's inputs do while the network trains.
        layer["centre"] = layer["centre"] + layer["scale"] * rng.uniform(-0.5, 0.5, size=layer["centre"].shape)
        x = _batch(rng, layer, int(rng.integers(2, 65)))
        args = (x, layer["gamma"], layer["beta"], layer["mean"], layer["var"])
        _, layer["mean"], layer["var"] = _compare(learner, args, True, **layer["options"])
    for layer in layers:
        x = _batch(rng, layer, int(rng.integers(1, 65)))
        _compare(learner, (x, layer["gamma"], layer["beta"], layer["mean"], layer["var"]), False, **layer["options"])


@check("Evaluation uses the given running statistics, returns them unchanged, and works for one example", points=2)
def evaluation_fresh(learner, rng):
    for n in (1, None):
        x, gamma, beta, running_mean, running_var = _case(rng)
        if n == 1:
            x = x[:1]
        # momentum above 0: a momentum update applied in evaluation then changes the statistics.
        options = {"momentum": float(rng.uniform(0.05, 1.0)), "eps": float(10.0 ** rng.uniform(-8, -1))}
        _compare(learner, (x, gamma, beta, running_mean, running_var), False, **options)


@check("eps is added to the variance inside the square root", points=1)
def eps_inside_sqrt(learner, rng):
    # Variances between 1e-3 and 30 times eps: sqrt(var + eps) and sqrt(var) + eps differ by far more
    # than rounding, in training (batch variance) and in evaluation (running variance).
    eps = float(10.0 ** rng.uniform(-6, -2))
    n, d = _shape(rng, max_n=64)
    layer = _layer(rng, d)
    spread = np.sqrt(eps * 10.0 ** rng.uniform(-3, 1.5, size=d))
    running_mean = spread * rng.uniform(-2, 2, size=d)
    x = running_mean + spread * rng.standard_normal((n, d))
    args = (x, layer["gamma"], layer["beta"], running_mean, spread**2 * rng.uniform(0.5, 2.0, size=d))
    _compare(learner, args, True, parts=(0,), eps=eps)
    _compare(learner, args, False, parts=(0,), eps=eps)


@check("A constant feature gives beta, not NaN", points=1)
def constant_feature(learner, rng):
    x, gamma, beta, running_mean, running_var = _case(rng, max_n=64)
    constant = rng.random(x.shape[1]) < 0.5
    constant[int(rng.integers(x.shape[1]))] = True
    # Small values with few significant bits, and eps of at least 1e-5: whatever rounding a correct
    # mean makes, (x - mean) / sqrt(var + eps) stays within 1e-11 of 0 there, and out of beta.
    values = rng.integers(-64, 65, size=x.shape[1]) * 2.0 ** rng.integers(-6, 1, size=x.shape[1])
    x[:, constant] = values[constant]
    options = {"momentum": float(rng.uniform(0, 1)), "eps": float(10.0 ** rng.uniform(-5, -1))}
    _compare(learner, (x, gamma, beta, running_mean, running_var), True, **options)


@check("Accurate when a feature has a large mean and a small spread", points=1)
def large_offset(learner, rng):
    """Means near 1e6 with spreads near 1e-2. A centred computation loses at most about
    n * 1.1e-16 * |mean| / spread <= 2e-5 of a standard deviation here (n <= 128, |mean| / spread <=
    1e9); E[x^2] - E[x]^2 loses 1e-2 of the variance or all of it. ``z`` (out without gamma and beta)
    is allowed 1e-4, the running variance (given a previous value of the batch's order and momentum of
    at least 0.5) 1e-3 relative."""
    n, d = int(rng.integers(8, 129)), int(rng.integers(1, 9))
    offset = 10.0 ** rng.uniform(5.5, 6.5, size=d) * rng.choice([-1.0, 1.0], size=d)
    spread = 10.0 ** rng.uniform(-2.5, -1.5, size=d)
    x = offset + spread * rng.standard_normal((n, d))
    gamma, beta = rng.uniform(0.5, 2.0, size=d), rng.uniform(-1, 1, size=d)
    args = (x, gamma, beta, offset, spread**2 * rng.uniform(0.5, 2.0, size=d))
    options = {"momentum": float(rng.uniform(0.5, 1.0)), "eps": 1e-12}
    what, out, _, new_var = _forward(learner, args, True, **options)
    expected_out, _, expected_var = _reference(*args, True, **options)
    try:
        assert_close(out, expected_out, what=f"{what}: out", rtol=0, atol=1e-4 * float(gamma.min()))
        assert_close(new_var, expected_var, what=f"{what}: new_running_var", rtol=1e-3, atol=0)
    except CheckFailed as failure:
        raise CheckFailed(f"{failure}\nCentre the batch before squaring.\n{_inputs(args)}") from None


@check("Training with one example raises ValueError", points=1)
def single_example(learner, rng):
    x, gamma, beta, running_mean, running_var = _case(rng)
    x = x[:1]
    call = f"batchnorm_forward(x of shape {x.shape}, ..., training=True)"
    try:
        learner.batchnorm_forward(x, gamma, beta, running_mean, running_var, True, **_options(rng))
    except LearnerError as error:
        if not error.is_a("ValueError"):
            raise CheckFailed(f"{call} should raise ValueError, but raised {error.type}: {error.message}") from None
        return
    raise CheckFailed(f"{call} should raise ValueError as PyTorch does (one example has no spread), but it returned")


@check("Inputs are not modified in place", points=1)
def inputs_untouched(learner, rng):
    # momentum above 0: an update written into running_mean in place then changes its values. Writable
    # arguments too, as a caller's own arrays are: code that writes only to writable arrays is seen.
    for training, writable in rng.permutation([(True, False), (False, False), (True, True), (False, True)]).tolist():
        options = {"momentum": float(rng.uniform(0.05, 1.0)), "eps": 1e-5}
        _compare(learner, _case(rng), bool(training), writable=bool(writable), **options)
