"""Hidden checks for scikit-learn's TimeSeriesSplit and for purged, embargoed k-fold splits.

Both functions have one right answer for given arguments, recomputed here and compared exactly (every
index, in order, in an integer array). scikit-learn is not installed in the worker, so
``_sklearn_splits`` transcribes ``TimeSeriesSplit.split`` (``sklearn/model_selection/_split.py``,
unchanged since 0.24 added ``test_size`` and ``gap``), and the constructor's own check:

- ``n_splits`` must be at least 2 (``_BaseKFold.__init__`` raises ``ValueError`` for ``n_splits <= 1``);
- ``test_size`` defaults to ``n_samples // (n_splits + 1)``;
- ``ValueError`` when ``n_splits + 1 > n_samples``, and when ``n_samples - gap - test_size * n_splits <= 0``;
- the test blocks start at ``range(n_samples - n_splits * test_size, n_samples, test_size)``, so an explicit
  ``test_size=0`` raises ``ValueError`` from ``range`` itself (step zero);
- each training set ends ``gap`` samples before its test block, ``train_end = test_start - gap``, and is
  ``indices[train_end - max_train_size:train_end]`` when ``max_train_size and max_train_size < train_end``,
  else ``indices[:train_end]``: ``max_train_size=0`` is falsy and so means no limit, like ``None``.

Purged splits follow the statement's rule (KFold's contiguous test blocks, purging of labels that reach
into the test period, an embargo after it), written here as a loop over samples rather than the
reference's masks.

Cases are drawn from ``rng`` (seeded from a secret fresh for every grading): sizes from a few samples to
several thousand, test blocks that do not divide the samples evenly, every parameter at and next to the
boundary where scikit-learn starts raising, the same sizes asked with several ``max_train_size`` values,
and label horizons that are uneven inside a block. Exceptions are judged by the built-in class they
derive from; whether ``label_end`` was changed is read from the memory the learner's process shares with
the checker, where it is sent writable. Beyond those cases (a red team got submissions wrong only outside
them accepted in every grading; they are kept as attacks), ``any_arguments`` asks dozens of calls of each
function in one round trip each: many splits, tens of thousands of samples, every integer dtype (with
sums past a small one's largest value), writable arrays and a strided view. Nothing here is random for a
correct solution: no check can fail one.
"""

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, check, describe

ENVIRONMENT = """
def strided(x):
    # A view whose elements are not adjacent in memory, as a caller's a[::2] is.
    return x[::2]
"""

INTEGER_DTYPES = (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64)

# Trusted recomputations


def _sklearn_splits(n_samples, n_splits, max_train_size=None, test_size=None, gap=0) -> list | None:
    """TimeSeriesSplit(n_splits, max_train_size=..., test_size=..., gap=...).split(range(n_samples)) as a
    list, or None where scikit-learn raises ValueError."""
    if n_splits <= 1:
        return None
    n_folds = n_splits + 1
    test_size = test_size if test_size is not None else n_samples // n_folds
    if n_folds > n_samples or n_samples - gap - (test_size * n_splits) <= 0 or test_size == 0:
        return None
    indices = np.arange(n_samples)
    splits = []
    for test_start in range(n_samples - n_splits * test_size, n_samples, test_size):
        train_end = test_start - gap
        if max_train_size and max_train_size < train_end:
            splits.append(
                (indices[train_end - max_train_size : train_end], indices[test_start : test_start + test_size])
            )
        else:
            splits.append((indices[:train_end], indices[test_start : test_start + test_size]))
    return splits


def _purged(label_end: np.ndarray, n_splits: int, embargo: int) -> list:
    """The statement's purged, embargoed k-fold splits, sample by sample, each with a note on its rule."""
    n_samples = len(label_end)
    ends = [int(end) for end in label_end]
    splits, start = [], 0
    for fold in range(n_splits):
        stop = start + n_samples // n_splits + (1 if fold < n_samples % n_splits else 0)
        test_end = max(ends[start:stop])
        train = [i for i in range(n_samples) if ends[i] < start or i > test_end + embargo]
        note = f"test_end = {test_end}: train on label_end[i] < {start} or i > {test_end} + {embargo}"
        splits.append((np.array(train, dtype=np.int64), np.arange(start, stop), note))
        start = stop
    return splits


# Reading and judging the learner's splits


def _indices(value, what: str) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iu" or value.ndim != 1:
        kind = f"dtype {value.dtype} and shape {value.shape}" if isinstance(value, np.ndarray) else describe(value)
        raise CheckFailed(f"{what}: expected a 1-D NumPy array of integers (even when empty), got {kind}")
    return value


def _span(indices: np.ndarray) -> str:
    """A short description of a set of indices: a range when it is one, else the array."""
    if indices.size == 0:
        return "empty"
    if indices.size > 1 and np.array_equal(indices, np.arange(indices[0], indices[-1] + 1)):
        return f"{indices[0]}..{indices[-1]} ({indices.size} samples)"
    return describe(indices, 200)


def _compare(result, expected: list, what: str, rule: str) -> None:
    """Compare the learner's splits with the expected ones exactly; the message names the first difference."""
    if not isinstance(result, (list, tuple)) or len(result) != len(expected):
        count = f"{len(result)} items" if isinstance(result, (list, tuple)) else describe(result)
        raise CheckFailed(f"{what}: expected a list of {len(expected)} (train_idx, test_idx) pairs, got {count}")
    for index, (pair, (train, test, *note)) in enumerate(zip(result, expected, strict=True)):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise CheckFailed(f"{what}: item {index} should be a pair (train_idx, test_idx), got {describe(pair)}")
        for name, got, wanted in (("test_idx", pair[1], test), ("train_idx", pair[0], train)):
            got = _indices(got, f"{what}: split {index} {name}")
            if got.shape == wanted.shape and np.array_equal(got, wanted):
                continue
            if got.shape != wanted.shape:
                detail = f"{wanted.size} indices expected, {got.size} returned"
            else:
                first = int(np.argmax(got != wanted))
                detail = f"first difference at position {first}: expected {wanted[first]}, got {got[first]}"
            raise CheckFailed(
                f"{what}: split {index} {name} differs ({rule}); {detail}.\n"
                f"Expected {_span(wanted)}\nGot      {_span(got)}\n"
                f"(this split's expected test block: {_span(test)}; training set: {_span(train)})"
                + "".join(f"\n({text})" for text in note)
            )


def _call_text(n_samples, n_splits, options: dict) -> str:
    listed = "".join(f", {key}={value}" for key, value in options.items())
    return f"time_series_split({n_samples}, {n_splits}{listed})"


TS_RULE = (
    "test blocks of test_size (default n_samples // (n_splits + 1)) samples, the last one ending at the last "
    "sample; training ends gap samples before its block and keeps at most max_train_size of the latest samples"
)


def _ask(learner, n_samples: int, n_splits: int, **options) -> None:
    """Ask one case (the options passed by keyword, omitted ones left at their defaults) and compare."""
    expected = _sklearn_splits(n_samples, n_splits, **options)
    assert expected is not None, "a valid case was drawn"
    _compare(
        learner.time_series_split(n_samples, n_splits, **options),
        expected,
        _call_text(n_samples, n_splits, options),
        TS_RULE,
    )


def _expect_value_error(call, what: str, why: str) -> None:
    try:
        call()
    except LearnerError as error:
        if not error.is_a("ValueError"):
            raise CheckFailed(
                f"{what} ({why}) should raise ValueError, but raised {error.type}: {error.message}"
            ) from None
        return
    raise CheckFailed(f"{what} ({why}) should raise ValueError, but returned")


# Public checks: the statement's examples


@check("The statement's examples: default test blocks, gap, max_train_size, test_size", points=2, public=True)
def statement_examples(learner, rng):
    for n_samples, n_splits, options in (
        (10, 3, {}),
        (10, 3, {"max_train_size": 3, "gap": 1}),
        (6, 5, {}),
        (12, 3, {"test_size": 2, "gap": 2}),
    ):
        _ask(learner, n_samples, n_splits, **options)


EXAMPLE_LABEL_END = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 9])
PURGED_RULE = (
    "KFold's contiguous test blocks; train on samples whose label ends before the block starts, or that start "
    "more than embargo samples after test_end = the largest label_end in the block"
)


@check("Purged splits: the statement's example, with and without an embargo", points=1, public=True)
def purged_example(learner, rng):
    for embargo in (1, 0):
        _compare(
            learner.purged_splits(EXAMPLE_LABEL_END, 3, embargo),
            _purged(EXAMPLE_LABEL_END, 3, embargo),
            f"purged_splits(label_end={EXAMPLE_LABEL_END.tolist()}, n_splits=3, embargo={embargo})",
            PURGED_RULE,
        )


# Hidden checks: time_series_split


@check("Default test blocks on new sizes, including uneven ones and one test sample per split", points=2)
def default_test_size(learner, rng):
    # Uneven: n_samples % (n_splits + 1) is 1 to n_splits, the leftover samples join the first training set.
    n_splits = int(rng.integers(2, 13))
    _ask(learner, (n_splits + 1) * int(rng.integers(1, 25)) + int(rng.integers(1, n_splits + 1)), n_splits)
    # Large and uneven too (gap passed explicitly as 0); then the most splits the samples allow (test blocks
    # of 1 sample, a first training set of 1 sample or a few).
    n_splits = int(rng.integers(2, 21))
    blocks = int(rng.integers(-(-1000 // (n_splits + 1)), 5000 // (n_splits + 1)))
    _ask(learner, (n_splits + 1) * blocks + int(rng.integers(1, n_splits + 1)), n_splits, gap=0)
    n_samples = int(rng.integers(3, 40))
    _ask(learner, n_samples, n_samples - 1)
    _ask(learner, n_samples + int(rng.integers(1, 4)), n_samples - 1, max_train_size=None, test_size=None)


@check("test_size and gap on new sizes, at the smallest first training set they allow", points=2)
def test_size_and_gap(learner, rng):
    n_splits, test_size, gap = int(rng.integers(2, 11)), int(rng.integers(1, 200)), int(rng.integers(0, 100))
    _ask(learner, int(rng.integers(1, 500)) + gap + test_size * n_splits, n_splits, test_size=test_size, gap=gap)
    # n_samples - gap - test_size * n_splits == 1: the first training set is sample 0 alone.
    n_splits, test_size, gap = int(rng.integers(2, 8)), int(rng.integers(1, 50)), int(rng.integers(1, 30))
    _ask(learner, 1 + gap + test_size * n_splits, n_splits, gap=gap, test_size=test_size)
    # A test_size larger than the default n_samples // (n_splits + 1).
    n_splits, test_size = int(rng.integers(2, 6)), int(rng.integers(5, 60))
    _ask(learner, int(rng.integers(1, test_size)) + test_size * n_splits, n_splits, test_size=test_size)
    # A gap with the default test_size, up to the largest gap that still leaves one training sample.
    n_splits = int(rng.integers(2, 8))
    n_samples = (n_splits + 1) * int(rng.integers(2, 40)) + int(rng.integers(0, n_splits + 1))
    largest_gap = n_samples - n_samples // (n_splits + 1) * n_splits - 1
    _ask(learner, n_samples, n_splits, gap=int(rng.choice([rng.integers(1, largest_gap + 1), largest_gap])))


@check("max_train_size keeps the latest training samples; 0 means no limit, as in scikit-learn", points=2)
def max_train_size(learner, rng):
    """One set of sizes asked with several limits: 0 and a limit above every training set (neither
    clips), 1, a limit equal to one split's training size, and one between the first and the last."""
    n_splits, test_size = int(rng.integers(3, 9)), int(rng.integers(2, 40))
    if rng.random() < 0.5:
        gap = int(rng.choice([0, rng.integers(1, 20)]))
        n_samples = int(rng.integers(2, 80)) + gap + test_size * n_splits
        options = {"test_size": test_size, "gap": gap}
    else:
        # The default test_size: n_samples // (n_splits + 1) == test_size, and at least 2 training samples.
        leftover = int(rng.integers(0, n_splits + 1))
        gap = int(rng.integers(0, test_size + leftover - 1))
        n_samples = (n_splits + 1) * test_size + leftover
        options = {"gap": gap}
    train_ends = [n_samples - (n_splits - k) * test_size - gap for k in range(n_splits)]
    limits = [
        0,
        train_ends[-1] + int(rng.integers(0, 50)),
        1,
        train_ends[int(rng.integers(0, n_splits))],
        int(rng.integers(train_ends[0] + 1, train_ends[-1])),
    ]
    for index in rng.permutation(len(limits)):
        _ask(learner, n_samples, n_splits, max_train_size=limits[index], **options)


@check("Invalid arguments raise ValueError, where scikit-learn raises it", points=2)
def invalid_arguments(learner, rng):
    n_samples = int(rng.integers(20, 200))
    n_splits = int(rng.integers(2, 6))
    test_size = int(rng.integers(1, n_samples // n_splits))
    cases = [
        ((n_samples, 1), {"test_size": int(rng.integers(1, 5))}, "n_splits < 2"),
        ((n_samples, int(rng.choice([0, -int(rng.integers(1, 50))]))), {}, "n_splits < 2"),
        ((int(rng.integers(0, 3)), 2), {}, "n_splits + 1 > n_samples"),
        ((n_samples, n_samples + int(rng.integers(0, 2))), {"test_size": 1}, "n_splits + 1 > n_samples"),
        # Exactly no sample left for the first training set, then fewer than none.
        ((n_samples, n_splits), {"test_size": test_size, "gap": n_samples - test_size * n_splits}, "no training left"),
        ((n_samples, n_splits), {"gap": n_samples - n_samples // (n_splits + 1) * n_splits}, "no training left"),
        (
            (n_samples, n_splits),
            {"test_size": n_samples // n_splits + int(rng.integers(1, 5)), "max_train_size": 5},
            "test blocks longer than the samples",
        ),
        ((n_samples, n_splits), {"test_size": 0, "gap": int(rng.integers(0, 3))}, "test_size=0"),
    ]
    for index in rng.permutation(len(cases)):
        arguments, options, why = cases[index]
        assert _sklearn_splits(*arguments, **options) is None, "an invalid case was drawn"
        _expect_value_error(
            lambda arguments=arguments, options=options: learner.time_series_split(*arguments, **options),
            _call_text(*arguments, options),
            why,
        )


# Hidden checks: purged_splits


def _horizons(rng, n_samples: int, longest: int) -> np.ndarray:
    """label_end[i] = i + a horizon of 0 to ``longest`` samples (uneven, not sorted), capped at the last sample."""
    return np.minimum(np.arange(n_samples) + rng.integers(0, longest + 1, size=n_samples), n_samples - 1)


def _ask_purged(learner, label_end: np.ndarray, n_splits: int, embargo: int) -> None:
    what = (
        f"purged_splits(label_end of {len(label_end)} samples, dtype {label_end.dtype}, "
        f"{describe(label_end, 160)}, n_splits={n_splits}, embargo={embargo})"
    )
    _compare(
        learner.purged_splits(label_end, n_splits, embargo), _purged(label_end, n_splits, embargo), what, PURGED_RULE
    )


@check("Purged splits on new series: uneven label horizons, embargoes, empty training sets", points=3)
def purged_on_new_series(learner, rng):
    # A long series whose horizons vary; in one block, a sample in the middle reaches furthest.
    n_samples, n_splits, longest = int(rng.integers(600, 3000)), int(rng.integers(2, 11)), int(rng.integers(2, 21))
    label_end = _horizons(rng, n_samples, longest)
    fold = int(rng.integers(0, n_splits - 1))
    size = n_samples // n_splits
    middle = fold * size + size // 2
    # Past every other label of its block (whose last sample is at most (fold + 1) * size + n_splits - 1).
    label_end[middle] = (fold + 1) * size + n_splits + longest + int(rng.integers(1, 11))
    _ask_purged(learner, label_end.astype(np.int32), n_splits, int(rng.integers(1, 2 * longest)))
    # Two blocks; a label of the first reaches the end of the series: its training set is empty.
    n_samples = int(rng.integers(10, 200))
    label_end = _horizons(rng, n_samples, int(rng.integers(1, 5)))
    label_end[int(rng.integers(0, n_samples // 2))] = n_samples - 1
    _ask_purged(learner, label_end, 2, int(rng.integers(0, 4)))
    # One sample per block, labels that end where they start or one sample later.
    n_samples = int(rng.integers(4, 30))
    _ask_purged(learner, _horizons(rng, n_samples, 1).astype(np.int64), n_samples, int(rng.integers(0, 3)))


@check("purged_splits raises ValueError for invalid arguments", points=1)
def purged_invalid(learner, rng):
    n_samples = int(rng.integers(10, 100))
    valid = _horizons(rng, n_samples, 5)
    before_start = valid.copy()
    sample = int(rng.integers(1, n_samples))
    before_start[sample] = sample - int(rng.integers(1, sample + 1))
    past_end = valid.copy()
    past_end[int(rng.integers(0, n_samples))] = n_samples + int(rng.integers(0, 10))
    n_splits = int(rng.integers(2, 6))
    cases = [
        (before_start, n_splits, 0, f"label_end[{sample}] = {before_start[sample]} < {sample}"),
        (past_end, n_splits, 0, f"a label_end of {past_end.max()} >= n_samples"),
        (valid, 1, int(rng.integers(0, 3)), "n_splits < 2"),
        (valid, 0, 0, "n_splits < 2"),
        (valid, n_samples + int(rng.integers(1, 5)), 0, "n_splits > n_samples"),
        (valid, n_splits, -int(rng.integers(1, 10)), "embargo < 0"),
    ]
    for index in rng.permutation(len(cases)):
        label_end, k, embargo, why = cases[index]
        _expect_value_error(
            lambda label_end=label_end, k=k, embargo=embargo: learner.purged_splits(label_end, k, embargo),
            f"purged_splits(label_end of {len(label_end)} samples, n_splits={k}, embargo={embargo})",
            why,
        )


@check("label_end is not modified", points=1)
def label_end_untouched(learner, rng):
    """Two calls, in random order: label_end sent read-only (a write of any kind raises) and writable, as a
    caller's own array is (code that writes only to writable arrays shows when it is read back), each in an
    integer dtype drawn from all eight."""
    for writable in rng.permutation([False, True]):
        n_samples = int(rng.integers(20, 120))
        dtype = INTEGER_DTYPES[int(rng.integers(len(INTEGER_DTYPES)))]
        label_end = _horizons(rng, n_samples, int(rng.integers(1, 10))).astype(dtype)
        n_splits, embargo = int(rng.integers(2, 6)), int(rng.integers(0, 5))
        what = (
            f"purged_splits(label_end of {n_samples} samples, dtype {label_end.dtype}"
            f"{', sent writable' if writable else ''}, n_splits={n_splits}, embargo={embargo})"
        )
        sent = Writable(label_end.copy()) if writable else label_end
        result, after = learner.call_and_read_args("purged_splits", sent, n_splits, embargo)
        if not np.array_equal(after[0], label_end):
            index = int(np.argmax(after[0] != label_end))
            raise CheckFailed(
                f"{what} changed label_end in place: label_end[{index}] was {label_end[index]}, is "
                f"{after[0][index]} after the call"
            )
        _compare(result, _purged(label_end, n_splits, embargo), what, PURGED_RULE)


def _log_uniform(rng, low, high) -> int:
    """An integer in [low, high], log-uniform."""
    return min(high, int(np.exp(rng.uniform(np.log(low), np.log(high + 1)))))


def _any_split(rng, role) -> tuple:
    """Arguments (n_samples, n_splits, max_train_size, test_size, gap) of time_series_split. "small": 2 to 6
    splits (log-uniform), up to about 20000 / n_splits samples, test_size and gap left at their defaults or
    drawn up to the largest valid ones and a little past (valid or not), max_train_size None, 0 or from 1
    to past the longest training set. "many" (21 to 60 splits) and "huge" (10000 to 30000 samples in 2 to
    4 splits): the default test_size, a gap and a limit that both apply, valid."""
    if role in ("many", "huge"):
        if role == "many":
            n_splits = _log_uniform(rng, 21, 60)
            n_samples = (n_splits + 1) * _log_uniform(rng, 2, 40) + int(rng.integers(n_splits + 1))
        else:
            n_splits, n_samples = int(rng.integers(2, 5)), _log_uniform(rng, 10000, 30000)
        room = n_samples - n_splits * (n_samples // (n_splits + 1))
        return n_samples, n_splits, _log_uniform(rng, 1, room - 1), None, int(rng.integers(1, room))
    n_splits = _log_uniform(rng, 2, 6)
    n_samples = n_splits + _log_uniform(rng, 1, 20000 // n_splits)
    test_size = None if rng.random() < 0.5 else _log_uniform(rng, 1, n_samples // n_splits + 1)
    room = n_samples - n_splits * (test_size or n_samples // (n_splits + 1))
    gap = 0 if rng.random() < 0.3 or room < 1 else _log_uniform(rng, 1, room + 1)
    max_train_size = (None, 0, _log_uniform(rng, 1, n_samples))[int(rng.integers(3))]
    return n_samples, n_splits, max_train_size, test_size, gap


@check("Any arguments: dozens of calls, many splits, every integer dtype, views and writable arrays", points=2)
def any_arguments(learner, rng):
    """Two round trips, every answer judged. time_series_split: 16 to 22 calls with arguments passed by
    position (see _any_split), three with 21 to 60 splits, one on 10000 to 30000 samples; invalid ones
    must raise ValueError. purged_splits: 11 to 14 calls, label_end of each of the eight integer dtypes at
    least once (int8 and uint8 with as many samples as their largest value allows and an embargo that takes
    test_end + embargo past it), 2 to 8 folds, one call with 11 to 40 folds, one of 3001 to 5000 samples
    with an embargo, about half the arrays writable and one, whose embargo matters, a view with a stride.
    With the 25 and 13 calls of the other checks, a submission that changes after some number of calls
    meets judged calls past it."""
    roles = rng.permutation(["huge", "many", "many", "many"] + ["small"] * int(rng.integers(12, 19)))
    splits = [_any_split(rng, role) for role in roles]
    for arguments, reply in zip(splits, learner.map("time_series_split", splits), strict=True):
        expected = _sklearn_splits(*arguments)
        names = ("max_train_size", "test_size", "gap")
        what = _call_text(*arguments[:2], dict(zip(names, arguments[2:], strict=True)))
        if expected is None:
            _expect_value_error(lambda reply=reply: reply.value, what, "scikit-learn raises ValueError here")
        else:
            _compare(reply.value, expected, what, TS_RULE)
    count = int(rng.integers(10, 14))
    dtypes = [*INTEGER_DTYPES, *(INTEGER_DTYPES[i] for i in rng.integers(len(INTEGER_DTYPES), size=count - 9))]
    cases = []
    for dtype in dtypes:
        largest = int(np.iinfo(dtype).max)
        if largest < 1000:
            # As many samples as the dtype holds (label_end up to n_samples - 1), and test_end + embargo past
            # its largest value.
            n_samples = int(rng.integers(largest // 2, largest + 2))
            embargo = int(rng.integers(largest + 2 - n_samples, largest + 12 - n_samples))
        else:
            n_samples, embargo = _log_uniform(rng, 2, 300), int(rng.integers(0, 20))
        label_end = _horizons(rng, n_samples, _log_uniform(rng, 1, 30)).astype(dtype)
        cases.append((label_end, _log_uniform(rng, 2, min(n_samples, 8)), embargo))
    long = _horizons(rng, _log_uniform(rng, 3001, 5000), _log_uniform(rng, 1, 30))
    wide_enough = INTEGER_DTYPES[int(rng.integers(2, len(INTEGER_DTYPES)))]
    cases.append((long.astype(wide_enough), int(rng.integers(2, 4)), int(rng.integers(1, 40))))
    n_samples = _log_uniform(rng, 40, 300)
    many = _horizons(rng, n_samples, _log_uniform(rng, 1, 10))
    cases.append((many, _log_uniform(rng, 11, min(n_samples, 40)), int(rng.integers(1, 20))))
    cases = [cases[index] for index in rng.permutation(len(cases))]
    # The view goes to a call whose embargo changes its answer (the int8 and uint8 calls' always does).
    viewed = next(
        index
        for index in rng.permutation(len(cases))
        if len(cases[index][0]) <= 300
        and any(
            not np.array_equal(a[0], b[0])
            for a, b in zip(_purged(*cases[index]), _purged(*cases[index][:2], 0), strict=True)
        )
    )
    sent = []
    for index, (label_end, n_splits, embargo) in enumerate(cases):
        if index == viewed:
            array = learner.environment("strided", np.repeat(label_end, 2), as_handle=True).handle
        else:
            array = Writable(label_end.copy()) if rng.random() < 0.5 else label_end
        sent.append((array, n_splits, embargo))
    for index, ((label_end, n_splits, embargo), reply) in enumerate(
        zip(cases, learner.map("purged_splits", sent), strict=True)
    ):
        how = " (sent as a strided view)" if index == viewed else ""
        what = (
            f"purged_splits(label_end of {len(label_end)} samples, dtype {label_end.dtype}{how}, "
            f"{describe(label_end, 160)}, n_splits={n_splits}, embargo={embargo})"
        )
        _compare(reply.value, _purged(label_end, n_splits, embargo), what, PURGED_RULE)
