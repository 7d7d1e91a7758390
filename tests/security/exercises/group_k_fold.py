"""White-box attacks on the group-k-fold checks (exercises/group-k-fold/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

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
    Attack(
        "ascii_only_string_order",
        "Sorts the labels case-insensitively (and loses the sample order) when some label is not ASCII: the checks' strings were all ASCII"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:\n    if n_splits < 2:\n        raise ValueError(f"n_splits must be at least 2, got {n_splits}")\n    # Distinct labels in ascending order; code[i] is the position of sample i\'s label among them.\n    if isinstance(groups, list) and not all(g.isascii() for g in groups):\n        groups = sorted(groups, key=str.casefold)\n    labels, code = np.unique(np.asarray(groups), return_inverse=True)\n    if len(labels) < n_splits:\n        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")\n    sizes = np.bincount(code.ravel(), minlength=len(labels))\n    # Largest group first; a stable ascending sort reversed puts the larger label first among equal sizes.\n    order = np.argsort(sizes, kind="stable")[::-1]\n    fold_totals = np.zeros(n_splits, dtype=np.int64)\n    fold_of_group = np.empty(len(labels), dtype=np.int64)\n    for group in order:\n        lightest = int(np.argmin(fold_totals))  # the first of the lightest folds\n        fold_totals[lightest] += sizes[group]\n        fold_of_group[group] = lightest\n    fold_of = fold_of_group[code.ravel()]\n    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]\n',
        "wrong_answer",
    ),
    Attack(
        "empty_list_no_error",
        "Returns [] for an empty list instead of raising ValueError: the checks only sent an empty array"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:\n    if isinstance(groups, list) and not groups:\n        return []\n    if n_splits < 2:\n        raise ValueError(f"n_splits must be at least 2, got {n_splits}")\n    # Distinct labels in ascending order; code[i] is the position of sample i\'s label among them.\n    labels, code = np.unique(np.asarray(groups), return_inverse=True)\n    if len(labels) < n_splits:\n        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")\n    sizes = np.bincount(code.ravel(), minlength=len(labels))\n    # Largest group first; a stable ascending sort reversed puts the larger label first among equal sizes.\n    order = np.argsort(sizes, kind="stable")[::-1]\n    fold_totals = np.zeros(n_splits, dtype=np.int64)\n    fold_of_group = np.empty(len(labels), dtype=np.int64)\n    for group in order:\n        lightest = int(np.argmin(fold_totals))  # the first of the lightest folds\n        fold_totals[lightest] += sizes[group]\n        fold_of_group[group] = lightest\n    fold_of = fold_of_group[code.ravel()]\n    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]\n',
        "wrong_answer",
    ),
    Attack(
        "int16_fold_totals",
        "Keeps the fold totals in int16, which wrap past 32,767 samples: the checks sent at most about 20,000"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:\n    if n_splits < 2:\n        raise ValueError(f"n_splits must be at least 2, got {n_splits}")\n    # Distinct labels in ascending order; code[i] is the position of sample i\'s label among them.\n    labels, code = np.unique(np.asarray(groups), return_inverse=True)\n    if len(labels) < n_splits:\n        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")\n    sizes = np.bincount(code.ravel(), minlength=len(labels))\n    # Largest group first; a stable ascending sort reversed puts the larger label first among equal sizes.\n    order = np.argsort(sizes, kind="stable")[::-1]\n    fold_totals = np.zeros(n_splits, dtype=np.int16)\n    fold_of_group = np.empty(len(labels), dtype=np.int64)\n    for group in order:\n        lightest = int(np.argmin(fold_totals))  # the first of the lightest folds\n        fold_totals[lightest] += sizes[group]\n        fold_of_group[group] = lightest\n    fold_of = fold_of_group[code.ravel()]\n    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]\n',
        "wrong_answer",
    ),
    Attack(
        "labels_cast_to_int64",
        "Casts unsigned labels to int64, which reorders uint64 labels of 2**63 or more: the checks only sent int32 and int64 labels"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:\n    if n_splits < 2:\n        raise ValueError(f"n_splits must be at least 2, got {n_splits}")\n    # Distinct labels in ascending order; code[i] is the position of sample i\'s label among them.\n    groups = np.asarray(groups)\n    if groups.dtype.kind == "u":\n        groups = groups.astype(np.int64)\n    labels, code = np.unique(groups, return_inverse=True)\n    if len(labels) < n_splits:\n        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")\n    sizes = np.bincount(code.ravel(), minlength=len(labels))\n    # Largest group first; a stable ascending sort reversed puts the larger label first among equal sizes.\n    order = np.argsort(sizes, kind="stable")[::-1]\n    fold_totals = np.zeros(n_splits, dtype=np.int64)\n    fold_of_group = np.empty(len(labels), dtype=np.int64)\n    for group in order:\n        lightest = int(np.argmin(fold_totals))  # the first of the lightest folds\n        fold_totals[lightest] += sizes[group]\n        fold_of_group[group] = lightest\n    fold_of = fold_of_group[code.ravel()]\n    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]\n',
        "wrong_answer",
    ),
    Attack(
        "many_folds_round_robin",
        "Deals groups round robin when 10 < n_splits < number of groups: the checks used at most 10 folds there"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:\n    if n_splits < 2:\n        raise ValueError(f"n_splits must be at least 2, got {n_splits}")\n    # Distinct labels in ascending order; code[i] is the position of sample i\'s label among them.\n    labels, code = np.unique(np.asarray(groups), return_inverse=True)\n    if len(labels) < n_splits:\n        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")\n    sizes = np.bincount(code.ravel(), minlength=len(labels))\n    # Largest group first; a stable ascending sort reversed puts the larger label first among equal sizes.\n    order = np.argsort(sizes, kind="stable")[::-1]\n    fold_totals = np.zeros(n_splits, dtype=np.int64)\n    fold_of_group = np.empty(len(labels), dtype=np.int64)\n    for group in order:\n        lightest = int(np.argmin(fold_totals))  # the first of the lightest folds\n        if 10 < n_splits < len(labels):\n            lightest = int(np.flatnonzero(order == group)[0]) % n_splits\n        fold_totals[lightest] += sizes[group]\n        fold_of_group[group] = lightest\n    fold_of = fold_of_group[code.ravel()]\n    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]\n',
        "wrong_answer",
    ),
    Attack(
        "sorts_list_groups",
        "Sorts a list of str groups in place after computing the folds: the checks never read lists back"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:\n    if n_splits < 2:\n        raise ValueError(f"n_splits must be at least 2, got {n_splits}")\n    # Distinct labels in ascending order; code[i] is the position of sample i\'s label among them.\n    labels, code = np.unique(np.asarray(groups), return_inverse=True)\n    if len(labels) < n_splits:\n        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")\n    sizes = np.bincount(code.ravel(), minlength=len(labels))\n    # Largest group first; a stable ascending sort reversed puts the larger label first among equal sizes.\n    order = np.argsort(sizes, kind="stable")[::-1]\n    fold_totals = np.zeros(n_splits, dtype=np.int64)\n    fold_of_group = np.empty(len(labels), dtype=np.int64)\n    for group in order:\n        lightest = int(np.argmin(fold_totals))  # the first of the lightest folds\n        fold_totals[lightest] += sizes[group]\n        fold_of_group[group] = lightest\n    fold_of = fold_of_group[code.ravel()]\n    if isinstance(groups, list):\n        groups.sort()\n    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]\n',
        "wrong_answer",
    ),
    Attack(
        "sorts_writable_groups",
        "Sorts a writable groups array in place after computing the folds: the checks only sent read-only arrays"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\ndef group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:\n    if n_splits < 2:\n        raise ValueError(f"n_splits must be at least 2, got {n_splits}")\n    # Distinct labels in ascending order; code[i] is the position of sample i\'s label among them.\n    labels, code = np.unique(np.asarray(groups), return_inverse=True)\n    if len(labels) < n_splits:\n        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")\n    sizes = np.bincount(code.ravel(), minlength=len(labels))\n    # Largest group first; a stable ascending sort reversed puts the larger label first among equal sizes.\n    order = np.argsort(sizes, kind="stable")[::-1]\n    fold_totals = np.zeros(n_splits, dtype=np.int64)\n    fold_of_group = np.empty(len(labels), dtype=np.int64)\n    for group in order:\n        lightest = int(np.argmin(fold_totals))  # the first of the lightest folds\n        fold_totals[lightest] += sizes[group]\n        fold_of_group[group] = lightest\n    fold_of = fold_of_group[code.ravel()]\n    if isinstance(groups, np.ndarray) and groups.flags.writeable:\n        groups.sort()\n    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]\n',
        "wrong_answer",
    ),
    Attack(
        "time_bomb",
        "Right for 60 calls, then deals samples round robin (splitting groups): the checks made about 17 calls"
        "; found by a red team, accepted in 10 of 10 gradings",
        'import numpy as np\n\n\n_CALLS = [0]\n\n\ndef group_k_fold(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:\n    if n_splits < 2:\n        raise ValueError(f"n_splits must be at least 2, got {n_splits}")\n    # Distinct labels in ascending order; code[i] is the position of sample i\'s label among them.\n    _CALLS[0] += 1\n    if _CALLS[0] > 60:\n        n_splits = max(n_splits, 2)\n        fold_of = np.arange(len(groups)) % n_splits\n        return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(n_splits)]\n    labels, code = np.unique(np.asarray(groups), return_inverse=True)\n    if len(labels) < n_splits:\n        raise ValueError(f"cannot make {n_splits} folds out of {len(labels)} distinct groups")\n    sizes = np.bincount(code.ravel(), minlength=len(labels))\n    # Largest group first; a stable ascending sort reversed puts the larger label first among equal sizes.\n    order = np.argsort(sizes, kind="stable")[::-1]\n    fold_totals = np.zeros(n_splits, dtype=np.int64)\n    fold_of_group = np.empty(len(labels), dtype=np.int64)\n    for group in order:\n        lightest = int(np.argmin(fold_totals))  # the first of the lightest folds\n        fold_totals[lightest] += sizes[group]\n        fold_of_group[group] = lightest\n    fold_of = fold_of_group[code.ravel()]\n    return [(np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(n_splits)]\n',
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "python_dict_sorted",
        "Plain Python: sizes counted in a dict over groups.tolist(), groups visited by sorted(key=(size, label), reverse=True), the lightest fold by min(range(k), key=totals), test sets built sample by sample, train sets by np.setdiff1d.",
        """import numpy as np


def group_k_fold(groups, n_splits):
    if n_splits < 2:
        raise ValueError("n_splits must be at least 2")
    labels = groups.tolist() if isinstance(groups, np.ndarray) else list(groups)
    sizes = {}
    for label in labels:
        sizes[label] = sizes.get(label, 0) + 1
    if len(sizes) < n_splits:
        raise ValueError("fewer distinct groups than n_splits")
    # Largest first; among equal sizes the larger label first.
    order = sorted(sizes, key=lambda g: (sizes[g], g), reverse=True)
    totals = [0] * n_splits
    fold_of = {}
    for g in order:
        fold = min(range(n_splits), key=totals.__getitem__)
        totals[fold] += sizes[g]
        fold_of[g] = fold
    test = [[] for _ in range(n_splits)]
    for i, label in enumerate(labels):
        test[fold_of[label]].append(i)
    everything = np.arange(len(labels))
    out = []
    for f in range(n_splits):
        test_idx = np.array(test[f], dtype=np.int64)
        out.append((np.setdiff1d(everything, test_idx), test_idx))
    return out
""",
    ),
    Correct(
        "heap_and_lexsort",
        "Visiting order by np.lexsort on (label rank, size) reversed, the lightest fold from a heap of (total, fold) pairs (ties to the lower fold), folds by np.where.",
        """import heapq

import numpy as np


def group_k_fold(groups, n_splits):
    if n_splits < 2:
        raise ValueError("n_splits must be at least 2")
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    code = code.reshape(-1)
    if labels.size < n_splits:
        raise ValueError("fewer distinct groups than folds")
    sizes = np.bincount(code, minlength=labels.size)
    rank = np.arange(labels.size)
    # lexsort's last key is the primary one: ascending by size, then by label; reversed: largest first,
    # larger label first among equal sizes.
    order = np.lexsort((rank, sizes))[::-1]
    heap = [(0, fold) for fold in range(n_splits)]  # (samples so far, fold): ties go to the lower fold
    fold_of_group = np.empty(labels.size, dtype=np.int64)
    for g in order:
        total, fold = heapq.heappop(heap)
        fold_of_group[g] = fold
        heapq.heappush(heap, (total + int(sizes[g]), fold))
    fold_of = fold_of_group[code]
    return [(np.where(fold_of != f)[0], np.where(fold_of == f)[0]) for f in range(n_splits)]
""",
    ),
    Correct(
        "isin_per_fold",
        "np.unique with return_counts, visiting order by a Python sort of group indices, each fold's test samples found by np.isin of groups in the labels dealt to it.",
        """import numpy as np


def group_k_fold(groups, n_splits):
    if n_splits < 2:
        raise ValueError("n_splits must be at least 2")
    groups = np.asarray(groups)
    labels, sizes = np.unique(groups, return_counts=True)
    if len(labels) < n_splits:
        raise ValueError("fewer distinct groups than n_splits")
    # Visit largest first; among equal sizes, the later (larger) label first.
    order = sorted(range(len(labels)), key=lambda g: (sizes[g], g), reverse=True)
    totals = np.zeros(n_splits, dtype=np.int64)
    members = [[] for _ in range(n_splits)]
    for g in order:
        fold = int(np.argmin(totals))
        totals[fold] += sizes[g]
        members[fold].append(labels[g])
    folds = []
    for f in range(n_splits):
        in_test = np.isin(groups, np.array(members[f], dtype=labels.dtype))
        folds.append((np.flatnonzero(~in_test), np.flatnonzero(in_test)))
    return folds
""",
    ),
]
