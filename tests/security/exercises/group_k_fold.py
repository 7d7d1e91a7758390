"""White-box attacks on the group-k-fold checks (exercises/group-k-fold/checks.py)."""

from tests.security.exercises import Attack, exercise_file

SLUG = "group-k-fold"
SOLUTION = exercise_file(SLUG, "solution.py")
# The reference under another name, for attacks that wrap it.
HONEST = SOLUTION.replace("def group_k_fold(", "def _honest(")
# Folds from each sample's fold number, as the reference builds them.
FOLDS = """

def _folds(fold_of, n_splits):
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(n_splits)]
"""
# Greedy assignment with a given visiting order of the groups (the reference's loop).
GREEDY = (
    FOLDS
    + """

def _greedy(groups, n_splits, order_of):
    _honest(groups, n_splits)  # the same errors as the reference
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    code = code.ravel()
    sizes = np.bincount(code, minlength=len(labels))
    totals = np.zeros(n_splits, dtype=np.int64)
    fold_of_group = np.empty(len(labels), dtype=np.int64)
    for group in order_of(labels, sizes):
        lightest = int(np.argmin(totals))
        totals[lightest] += sizes[group]
        fold_of_group[group] = lightest
    return _folds(fold_of_group[code], n_splits)
"""
)

ATTACKS = [
    Attack(
        "honest_only_on_the_public_examples",
        "Recognises the public examples by their length (12 and 6 samples, in the checks) and answers them "
        "honestly; everything else is dealt round robin, largest group first.",
        HONEST
        + GREEDY
        + """

def group_k_fold(groups, n_splits):
    if len(groups) in (6, 12):
        return _honest(groups, n_splits)
    _honest(groups, n_splits)
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    sizes = np.bincount(code.ravel())
    fold_of_group = np.empty(len(labels), dtype=np.int64)
    fold_of_group[np.argsort(sizes, kind="stable")[::-1]] = np.arange(len(labels)) % n_splits
    return _folds(fold_of_group[code.ravel()], n_splits)
""",
        "wrong_answer",
    ),
    Attack(
        "tie_rule_only_when_every_size_is_equal",
        "Applies the stated tie rule only when all groups have one size (the shape of one tie case), and "
        "otherwise visits equal sizes smaller label first.",
        HONEST
        + GREEDY
        + """

def group_k_fold(groups, n_splits):
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    sizes = np.bincount(code.ravel())
    if sizes.min() == sizes.max() or len(groups) in (6, 12):
        return _honest(groups, n_splits)
    return _greedy(groups, n_splits, lambda labels, sizes: np.argsort(-sizes, kind="stable"))
""",
        "wrong_answer",
    ),
    Attack(
        "natural_order_for_strings",
        "Orders string labels case-insensitively with numbers compared as numbers ('p9' before 'p10'), as "
        "a file browser does, instead of Python's string order; integer labels are honest.",
        HONEST
        + GREEDY
        + """
import re


def _natural(label):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\\d+)", str(label))]


def _order(labels, sizes):
    if labels.dtype.kind in "iu":
        return np.argsort(sizes, kind="stable")[::-1]
    rank = sorted(range(len(labels)), key=lambda i: _natural(labels[i]))
    by_natural = np.array(rank, dtype=np.int64)
    # Largest first; among equal sizes the naturally larger label first.
    return by_natural[np.argsort(sizes[by_natural], kind="stable")[::-1]]


def group_k_fold(groups, n_splits):
    if len(groups) == 12:
        return _honest(groups, n_splits)
    return _greedy(groups, n_splits, _order)
""",
        "wrong_answer",
    ),
    Attack(
        "cached_by_length",
        "Answers honestly the first time it sees a (length, n_splits) and returns the same folds for any "
        "later call of that shape.",
        HONEST
        + """
_cache = {}


def group_k_fold(groups, n_splits):
    key = (len(groups), n_splits)
    if key not in _cache:
        _cache[key] = _honest(groups, n_splits)
    return _cache[key]
""",
        "wrong_answer",
    ),
    Attack(
        "exact_when_small_round_robin_when_large",
        "Runs the greedy rule only for up to 30 groups (small inputs, like the examples) and deals larger "
        "inputs round robin in label order, which is cheaper.",
        HONEST
        + FOLDS
        + """

def group_k_fold(groups, n_splits):
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    if len(labels) <= 30:
        return _honest(groups, n_splits)
    return _folds(code.ravel() % n_splits, n_splits)
""",
        "wrong_answer",
    ),
    Attack(
        "balanced_sample_folds_ignoring_groups",
        "Sorts the samples by group and cuts KFold's contiguous blocks: the fold sizes are perfectly "
        "balanced and most groups stay whole, but groups at the block edges are split (leakage).",
        HONEST
        + FOLDS
        + """

def group_k_fold(groups, n_splits):
    _honest(groups, n_splits)
    order = np.argsort(np.unique(np.asarray(groups), return_inverse=True)[1].ravel(), kind="stable")
    fold_of = np.empty(len(order), dtype=np.int64)
    fold_of[order] = np.arange(len(order)) * n_splits // len(order)
    return _folds(fold_of, n_splits)
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
        "relabels_groups_then_restores",
        "Overwrites the caller's integer groups with their codes to work in place, answers from them, then "
        "writes the labels back before returning.",
        HONEST
        + """

def group_k_fold(groups, n_splits):
    if isinstance(groups, np.ndarray):
        saved = groups.copy()
        groups[:] = np.unique(saved, return_inverse=True)[1].ravel()
        try:
            return _honest(saved, n_splits)
        finally:
            groups[:] = saved
    return _honest(groups, n_splits)
""",
        "wrong_answer",
    ),
    Attack(
        "float_indices",
        "Returns the right indices as float arrays (equal values, wrong type).",
        HONEST
        + """

def group_k_fold(groups, n_splits):
    return [(train.astype(float), test.astype(float)) for train, test in _honest(groups, n_splits)]
""",
        "wrong_answer",
    ),
    Attack(
        "boolean_masks",
        "Returns boolean masks of the right folds instead of index arrays.",
        HONEST
        + """

def group_k_fold(groups, n_splits):
    n = len(groups)
    folds = []
    for train, test in _honest(groups, n_splits):
        mask = np.zeros(n, dtype=bool)
        mask[test] = True
        folds.append((~mask, mask))
    return folds
""",
        "wrong_answer",
    ),
    Attack(
        "trains_on_everything",
        "Gets the test folds right and returns every sample as the training set (the test fold leaks in).",
        HONEST
        + """

def group_k_fold(groups, n_splits):
    return [(np.arange(len(groups)), test) for _, test in _honest(groups, n_splits)]
""",
        "wrong_answer",
    ),
]
