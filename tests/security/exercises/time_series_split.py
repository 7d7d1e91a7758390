"""White-box attacks on the time-series-split checks (exercises/time-series-split/checks.py)."""

from tests.security.exercises import Attack, exercise_file

SLUG = "time-series-split"
SOLUTION = exercise_file(SLUG, "solution.py")
# The reference's functions under other names, for attacks that wrap them.
HONEST = SOLUTION.replace("def time_series_split(", "def _honest_split(").replace(
    "def purged_splits(", "def _honest_purged("
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
]
