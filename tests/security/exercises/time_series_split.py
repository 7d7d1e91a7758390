"""White-box attacks on the time-series-split checks (exercises/time-series-split/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "time-series-split"
SOLUTION = exercise_file(SLUG, "solution.py")
# The reference's functions under other names, for attacks that wrap them.
HONEST = SOLUTION.replace("def time_series_split(", "def _honest_split(").replace(
    "def purged_splits(", "def _honest_purged("
)


def changed_when(split_condition: str, purged_condition: str, state: str = "") -> str:
    """The reference, except that time_series_split ignores the gap and max_train_size when
    ``split_condition`` holds, and purged_splits the embargo when ``purged_condition`` holds."""
    return (
        HONEST
        + state
        + f"""

def time_series_split(n_samples, n_splits, max_train_size=None, test_size=None, gap=0):
    if {split_condition}:
        max_train_size, gap = None, 0
    return _honest_split(n_samples, n_splits, max_train_size, test_size, gap)


def purged_splits(label_end, n_splits, embargo=0):
    if {purged_condition}:
        embargo = 0
    return _honest_purged(label_end, n_splits, embargo)
"""
    )


ATTACKS = [
    Attack(
        "honest_only_on_the_public_examples",
        "Answers the public examples (their arguments are in the checks) honestly, and everything else with "
        "the gap and max_train_size ignored and the purge applied before the test block only.",
        HONEST
        + """
PUBLIC = {(10, 3, None, None, 0), (10, 3, 3, None, 1), (6, 5, None, None, 0), (12, 3, None, 2, 2)}


def time_series_split(n_samples, n_splits, max_train_size=None, test_size=None, gap=0):
    if (n_samples, n_splits, max_train_size, test_size, gap) in PUBLIC:
        return _honest_split(n_samples, n_splits, max_train_size, test_size, gap)
    return _honest_split(n_samples, n_splits, None, test_size, 0)


def purged_splits(label_end, n_splits, embargo=0):
    if len(label_end) == 10:
        return _honest_purged(label_end, n_splits, embargo)
    n_samples = len(label_end)
    return [
        (np.flatnonzero((label_end < test[0]) | (np.arange(n_samples) > test[-1] + embargo)), test)
        for _, test in _honest_purged(np.arange(n_samples), n_splits, 0)
    ]
""",
        "wrong_answer",
    ),
    Attack(
        "memoised_by_sizes",
        "Remembers the splits of each (n_samples, n_splits) and returns them again whatever the other "
        "arguments are, as if the limits and the gap could not change between calls.",
        HONEST
        + """
_memo = {}


def time_series_split(n_samples, n_splits, max_train_size=None, test_size=None, gap=0):
    key = (n_samples, n_splits)
    if key not in _memo:
        _memo[key] = _honest_split(n_samples, n_splits, max_train_size, test_size, gap)
    return _memo[key]


purged_splits = _honest_purged
""",
        "wrong_answer",
    ),
    Attack(
        "honest_only_for_small_series",
        "Honest below 1000 samples (the public examples and most small cases); above, places the test blocks "
        "from the start, dropping the leftover samples from testing instead of training.",
        HONEST
        + """
def time_series_split(n_samples, n_splits, max_train_size=None, test_size=None, gap=0):
    splits = _honest_split(n_samples, n_splits, max_train_size, test_size, gap)
    if n_samples < 1000:
        return splits
    size = len(splits[0][1])
    return [(np.arange(0, (k + 1) * size - gap), np.arange((k + 1) * size, (k + 2) * size)) for k in range(n_splits)]


purged_splits = _honest_purged
""",
        "wrong_answer",
    ),
    Attack(
        "last_label_for_long_series",
        "Honest on short series; on long ones, takes each block's test period from its last label, as if "
        "label horizons were always sorted.",
        HONEST
        + """
time_series_split = _honest_split


def purged_splits(label_end, n_splits, embargo=0):
    splits = _honest_purged(label_end, n_splits, embargo)
    if len(label_end) < 300:
        return splits
    positions = np.arange(len(label_end))
    return [
        (np.flatnonzero((label_end < test[0]) | (positions > label_end[test[-1]] + embargo)), test)
        for _, test in splits
    ]
""",
        "wrong_answer",
    ),
    Attack(
        "honest_only_for_int64_labels",
        "Recognises the hidden series by dtype: honest for int64 label_end (the public example's), purging "
        "after the block only up to its end for any other dtype.",
        HONEST
        + """
time_series_split = _honest_split


def purged_splits(label_end, n_splits, embargo=0):
    splits = _honest_purged(label_end, n_splits, embargo)
    if label_end.dtype == np.int64:
        return splits
    positions = np.arange(len(label_end))
    return [
        (np.flatnonzero((label_end < test[0]) | (positions > test[-1] + embargo)), test) for _, test in splits
    ]
""",
        "wrong_answer",
    ),
    Attack(
        "float_indices",
        "Returns the right indices as float arrays (equal values, wrong type).",
        HONEST
        + """
def time_series_split(*args, **kwargs):
    return [(train.astype(float), test.astype(float)) for train, test in _honest_split(*args, **kwargs)]


def purged_splits(*args, **kwargs):
    return [(train.astype(float), test.astype(float)) for train, test in _honest_purged(*args, **kwargs)]
""",
        "wrong_answer",
    ),
    Attack(
        "python_lists",
        "Returns the right indices as Python lists of ints instead of NumPy arrays.",
        HONEST
        + """
def time_series_split(*args, **kwargs):
    return [(train.tolist(), test.tolist()) for train, test in _honest_split(*args, **kwargs)]


def purged_splits(*args, **kwargs):
    return [(train.tolist(), test.tolist()) for train, test in _honest_purged(*args, **kwargs)]
""",
        "wrong_answer",
    ),
    Attack(
        "impostor_value_error",
        "Raises its own class named ValueError (not the built-in), which an `except ValueError` never catches.",
        "class ValueError(Exception):\n    pass\n\n\n" + SOLUTION,
        "wrong_answer",
    ),
    Attack(
        "label_end_sorted_in_place_and_restored",
        "Replaces label_end in place by its running maximum (sorted horizons make the test period the last "
        "label's), computes, then writes the original values back before returning.",
        HONEST
        + """
time_series_split = _honest_split


def purged_splits(label_end, n_splits, embargo=0):
    original = label_end.copy()
    np.maximum.accumulate(label_end, out=label_end)
    splits = _honest_purged(label_end, n_splits, embargo)
    label_end[:] = original
    return splits
""",
        "wrong_answer",
    ),
    Attack(
        "patched_comparisons",
        "Makes NumPy's comparisons always agree in the learner's process, then ignores the gap everywhere; "
        "the checks compare on the trusted side, and the gate refuses the patch.",
        "import numpy as np\nnp.array_equal = lambda *a, **k: True\n"
        + HONEST
        + """
def time_series_split(n_samples, n_splits, max_train_size=None, test_size=None, gap=0):
    return _honest_split(n_samples, n_splits, max_train_size, test_size, 0)


purged_splits = _honest_purged
""",
        "restricted_code",
    ),
    Attack(
        "label_end_reversed_when_writable",
        "Right splits, then sorts label_end in place and reverses it whenever it is writable (as a caller's "
        "array is); the checks used to send it read-only only.",
        HONEST
        + """
time_series_split = _honest_split


def purged_splits(label_end, n_splits, embargo=0):
    splits = _honest_purged(label_end, n_splits, embargo)
    if label_end.flags.writeable:
        label_end.sort()
        label_end[:] = label_end[::-1].copy()
    return splits
""",
        "wrong_answer",
    ),
    Attack(
        "test_end_in_the_label_dtype",
        "Keeps test_end as a NumPy scalar of label_end's dtype: test_end + embargo overflows a small dtype "
        "(int8, uint8) and wraps around, so the embargo keeps the wrong samples.",
        SOLUTION.replace("test_end = int(label_end[start:stop].max())", "test_end = label_end[start:stop].max()"),
        "wrong_answer",
    ),
    Attack(
        "embargo_ignored_for_other_dtypes",
        "Honest for int32 and int64 label_end (the dtypes the checks used to send), no embargo for others.",
        changed_when("False", "np.asarray(label_end).dtype not in (np.int32, np.int64)"),
        "wrong_answer",
    ),
    Attack(
        "options_ignored_after_the_usual_calls",
        "Honest for the first 25 time_series_split and 12 purged_splits calls of a process (as many as the "
        "checks used to make), then ignores gap, max_train_size and the embargo.",
        changed_when(
            "next(_SPLITS) > 25",
            "next(_PURGED) > 12",
            "\nimport itertools\n\n_SPLITS, _PURGED = itertools.count(1), itertools.count(1)\n",
        ),
        "wrong_answer",
    ),
    Attack(
        "options_ignored_with_many_splits",
        "Honest up to 20 splits of time_series_split and 10 purged folds (as far as the checks used to go), "
        "ignores gap, max_train_size and the embargo beyond.",
        changed_when("n_splits > 20 and n_samples > 40", "n_splits > 10 and len(label_end) > 30"),
        "wrong_answer",
    ),
    Attack(
        "embargo_ignored_on_views",
        "No embargo when label_end is a view whose elements are not adjacent in memory.",
        changed_when("False", "not label_end.flags.c_contiguous"),
        "wrong_answer",
    ),
    Attack(
        "options_ignored_on_longer_series",
        "Honest up to 6000 samples for time_series_split and 3000 for purged_splits (about the largest the "
        "checks used to ask), ignores gap, max_train_size and the embargo beyond.",
        changed_when("n_samples > 6000", "len(label_end) > 3000"),
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "python_loops",
        "Plain Python: test starts computed per split, max_train_size applied only when the training range is longer; purged training sets by a list comprehension over label_end converted to Python ints (no overflow).",
        """import numpy as np


def time_series_split(n_samples, n_splits, max_train_size=None, test_size=None, gap=0):
    if n_splits < 2 or n_splits + 1 > n_samples:
        raise ValueError("bad n_splits")
    size = n_samples // (n_splits + 1) if test_size is None else test_size
    if size <= 0:
        raise ValueError("test_size must be positive")
    if n_samples - gap - size * n_splits <= 0:
        raise ValueError("no training sample for the first split")
    out = []
    for k in range(n_splits):
        test_start = n_samples - (n_splits - k) * size
        train_end = test_start - gap
        train_start = 0
        if max_train_size and train_end > max_train_size:
            train_start = train_end - max_train_size
        out.append((np.arange(train_start, train_end, dtype=np.int64), np.arange(test_start, test_start + size, dtype=np.int64)))
    return out


def purged_splits(label_end, n_splits, embargo=0):
    ends = [int(e) for e in np.asarray(label_end).tolist()]
    n = len(ends)
    if n_splits < 2 or n_splits > n or embargo < 0:
        raise ValueError("bad arguments")
    for i, e in enumerate(ends):
        if e < i or e > n - 1:
            raise ValueError(f"label_end[{i}] = {e} out of range")
    out, start = [], 0
    for k in range(n_splits):
        stop = start + n // n_splits + (1 if k < n % n_splits else 0)
        test_end = max(ends[start:stop])
        train = [i for i in range(n) if ends[i] < start or i > test_end + embargo]
        out.append((np.array(train, dtype=np.int64), np.arange(start, stop)))
        start = stop
    return out
""",
    ),
    Correct(
        "slices_of_arange",
        "Slices of one np.arange (copied) for every split, max_train_size as a negative slice; purged k-fold on label_end cast to int64, with fold bounds from np.cumsum.",
        """import numpy as np


def time_series_split(n_samples, n_splits, max_train_size=None, test_size=None, gap=0):
    if n_splits < 2:
        raise ValueError("n_splits must be >= 2")
    if n_splits >= n_samples:
        raise ValueError("too many splits")
    if test_size is None:
        test_size = n_samples // (n_splits + 1)
    if test_size == 0:
        raise ValueError("test_size=0")
    if n_samples - gap - test_size * n_splits <= 0:
        raise ValueError("too many splits for these samples")
    idx = np.arange(n_samples)
    starts = n_samples - test_size * np.arange(n_splits, 0, -1)
    splits = []
    for s in starts:
        train = idx[: s - gap]
        if max_train_size is not None and max_train_size > 0:
            train = train[-max_train_size:]
        splits.append((train.copy(), idx[s : s + test_size].copy()))
    return splits


def purged_splits(label_end, n_splits, embargo=0):
    ends = np.asarray(label_end).astype(np.int64)  # wide enough for test_end + embargo
    n = ends.shape[0]
    if not 2 <= n_splits <= n:
        raise ValueError("n_splits must lie in [2, n_samples]")
    if embargo < 0:
        raise ValueError("negative embargo")
    i = np.arange(n)
    if (ends < i).any() or (ends > n - 1).any():
        raise ValueError("label_end out of range")
    bounds = np.cumsum([0] + [n // n_splits + (k < n % n_splits) for k in range(n_splits)])
    splits = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        test_end = ends[start:stop].max()
        keep = (ends < start) | (i > test_end + embargo)
        splits.append((i[keep], i[start:stop]))
    return splits
""",
    ),
]
