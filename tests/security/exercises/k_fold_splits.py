"""White-box attacks on the k-fold-splits checks (exercises/k-fold-splits/checks.py)."""

from tests.security.exercises import Attack, Correct, exercise_file

SLUG = "k-fold-splits"
SOLUTION = exercise_file(SLUG, "solution.py")
# The reference's functions under other names, for attacks that wrap them.
HONEST = (
    SOLUTION.replace("def kfold_indices(", "def _honest_kfold(")
    .replace("def stratified_kfold_indices(", "def _honest_stratified(")
    .replace("return kfold_indices(n_samples, n_samples)", "return _honest_kfold(n_samples, n_samples)")
)

ATTACKS = [
    Attack(
        "global_generator_memoised_per_seed",
        "Shuffles with np.random and remembers the folds of each (n_samples, n_splits, seed), so the same "
        "seed gives the same folds inside one process, as a seeded shuffle would.",
        HONEST
        + """
_memo = {}


def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    if not shuffle:
        return _honest_kfold(n_samples, n_splits)
    key = (n_samples, n_splits, seed)
    if key not in _memo:
        order = np.random.permutation(n_samples)
        folds = _honest_kfold(n_samples, n_splits)
        _memo[key] = [(np.sort(order[train]), np.sort(order[val])) for train, val in folds]
    return _memo[key]


def stratified_kfold_indices(y, n_splits, seed=None):
    return _honest_stratified(y, n_splits, seed)
""",
        "wrong_answer",
    ),
    Attack(
        "honest_only_on_the_public_examples",
        "Recomputes the public examples honestly (their sizes are in the checks) and returns plain "
        "contiguous folds for everything else, stratified or shuffled.",
        HONEST
        + """
PUBLIC = {(7, 3), (11, 5), (6, 6), (2, 2)}


def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    if (n_samples, n_splits) in PUBLIC:
        return _honest_kfold(n_samples, n_splits, shuffle, seed)
    return _honest_kfold(n_samples, n_splits)


def stratified_kfold_indices(y, n_splits, seed=None):
    if len(y) == 8:
        return _honest_stratified(y, n_splits, seed)
    return _honest_kfold(len(y), n_splits)
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
        "y_sorted_in_place_after_the_answer",
        "Computes the right folds from a copy, then sorts the caller's y in place (the answer itself is exact).",
        HONEST
        + """
kfold_indices = _honest_kfold


def stratified_kfold_indices(y, n_splits, seed=None):
    folds = _honest_stratified(np.array(y, copy=True), n_splits, seed)
    y.sort()
    return folds
""",
        "wrong_answer",
    ),
    Attack(
        "rotated_blocks_without_a_seed",
        "Without a seed, returns the contiguous folds rotated by a random offset: KFold's sizes, sorted, and "
        "different on every call, but not a uniform shuffle.",
        HONEST
        + """
def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    if not (shuffle and seed is None):
        return _honest_kfold(n_samples, n_splits, shuffle, seed)
    shift = int(np.random.default_rng().integers(n_samples))
    folds = _honest_kfold(n_samples, n_splits)
    return [(np.sort((train + shift) % n_samples), np.sort((val + shift) % n_samples)) for train, val in folds]


stratified_kfold_indices = _honest_stratified
""",
        "wrong_answer",
    ),
    Attack(
        "float_indices",
        "Returns the right indices as float arrays (equal values, wrong type).",
        HONEST
        + """
def _as_float(folds):
    return [(train.astype(float), val.astype(float)) for train, val in folds]


def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    return _as_float(_honest_kfold(n_samples, n_splits, shuffle, seed))


def stratified_kfold_indices(y, n_splits, seed=None):
    return _as_float(_honest_stratified(y, n_splits, seed))


def leave_one_out_indices(n_samples):
    return _as_float(_honest_kfold(n_samples, n_samples))
""",
        "wrong_answer",
    ),
    Attack(
        "generator_per_class_from_seed",
        "Seeds each class's shuffle with default_rng([seed, class index]): reproducible, uniform, and not the "
        "stated rule of one generator for all classes.",
        HONEST
        + """
kfold_indices = _honest_kfold


def stratified_kfold_indices(y, n_splits, seed=None):
    if seed is None:
        return _honest_stratified(y, n_splits)
    y = np.asarray(y)
    _honest_stratified(y, n_splits)  # the same errors as the reference
    fold_of = np.empty(len(y), dtype=int)
    for index, label in enumerate(np.unique(y)):
        members = np.random.default_rng([seed, index]).permutation(np.flatnonzero(y == label))
        for fold, run in enumerate(np.array_split(members, n_splits)):
            fold_of[run] = fold
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(n_splits)]
""",
        "wrong_answer",
    ),
    Attack(
        "first_call_per_process_differs",
        "Counts calls: the first stratified call of each process (a fresh process's too) deals labels round "
        "robin, every later call is honest.",
        HONEST
        + """
kfold_indices = _honest_kfold
_calls = []


def stratified_kfold_indices(y, n_splits, seed=None):
    _calls.append(1)
    if len(_calls) > 1:
        return _honest_stratified(y, n_splits, seed)
    y = np.asarray(y)
    fold_of = np.empty(len(y), dtype=int)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        fold_of[members] = np.arange(len(members)) % n_splits
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(n_splits)]
""",
        "wrong_answer",
    ),
    Attack(
        "patched_comparisons",
        "Makes NumPy's comparisons always agree in the learner's process, then returns unshuffled folds for "
        "everything; the checks compare on the trusted side, and the gate refuses the patch.",
        "import numpy as np\nnp.array_equal = lambda *a, **k: True\nnp.isin = lambda a, b, **k: np.ones(len(a), bool)\n"
        + HONEST
        + """
def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    return _honest_kfold(n_samples, n_splits)


def stratified_kfold_indices(y, n_splits, seed=None):
    return _honest_kfold(len(y), n_splits)
""",
        "restricted_code",
    ),
    Attack(
        "y_modified_when_writable",
        "Relabels y in place as class codes, but only when y is writable (every y the checks sent was read-"
        "only). Found by a red team, accepted in 10 of 10 gradings.",
        HONEST
        + """
kfold_indices = _honest_kfold


def stratified_kfold_indices(y, n_splits, seed=None):
    folds = _honest_stratified(np.array(y, copy=True), n_splits, seed)
    if isinstance(y, np.ndarray) and y.flags.writeable:
        y.sort()  # "free" memory-friendly normalisation of the caller's labels
    return folds
""",
        "wrong_answer",
    ),
    Attack(
        "int8_fold_ids",
        "Stores fold numbers as np.int8, which wrap beyond 127 folds (no check used more than 24); with that many "
        "stratified folds it raises instead. Found by a red team, accepted in 10 of 10 gradings.",
        SOLUTION.replace(
            "fold_of = np.empty(n_samples, dtype=int)", "fold_of = np.empty(n_samples, dtype=np.int8)"
        ).replace("fold_of = np.empty(len(y), dtype=int)", "fold_of = np.empty(len(y), dtype=np.int8)"),
        "runtime_error",
    ),
    *(
        Attack(
            name,
            f"Without a seed, shuffles chunks of {chunk} consecutive samples instead of the samples: fold sizes "
            f"right, new folds on every call, neighbours kept together. Found by a red team, accepted in {found}.",
            HONEST
            + f"""
stratified_kfold_indices = _honest_stratified


def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    if not (shuffle and seed is None):
        return _honest_kfold(n_samples, n_splits, shuffle, seed)
    _check_counts(n_samples, n_splits)
    # "Cache-friendly" shuffle: permute chunks of consecutive samples, keep each chunk together.
    chunks = np.array_split(np.arange(n_samples), -(-n_samples // {chunk}))
    order = np.concatenate([chunks[i] for i in np.random.default_rng().permutation(len(chunks))])
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    fold_of = np.empty(n_samples, dtype=int)
    fold_of[order] = np.repeat(np.arange(n_splits), sizes)
    return _folds_from_labels(fold_of, n_splits)
""",
            "wrong_answer",
        )
        for name, chunk, found in (
            ("unseeded_chunk_shuffle", 3, "20 of 20 gradings"),
            ("unseeded_chunk_shuffle_6", 6, "16 of 20 gradings"),
        )
    ),
    Attack(
        "seed_zero_is_none",
        "Tests the seed for truth (if seed:), so seed 0 shuffles from fresh entropy like None. Found by a red"
        " team, accepted in 3 of 4 gradings.",
        SOLUTION.replace(
            "np.random.default_rng(seed).permutation(n_samples) if shuffle",
            "(np.random.default_rng(seed) if seed else np.random.default_rng()).permutation(n_samples) if shuffle",
        ),
        "wrong_answer",
    ),
    Attack(
        "drops_shuffle_after_50_calls",
        "A time bomb: after 50 calls in a process, shuffle=True is silently ignored. Found by a red team, "
        "accepted in 10 of 10 gradings.",
        HONEST
        + """
_calls = [0]


def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    _calls[0] += 1
    if _calls[0] > 50:
        return _honest_kfold(n_samples, n_splits)  # shuffle silently dropped after 50 calls
    return _honest_kfold(n_samples, n_splits, shuffle, seed)


stratified_kfold_indices = _honest_stratified
""",
        "wrong_answer",
    ),
]


CORRECT = [
    Correct(
        "python_blocks_setdiff",
        "Blocks cut by a loop over fold sizes (k-fold), classes from sorted(set(y.tolist())) with each fold's validation indices gathered in Python lists, train sets by np.setdiff1d, leave-one-out by list comprehensions.",
        """import numpy as np


def _check(n_samples, n_splits):
    if n_splits < 2 or n_splits > n_samples:
        raise ValueError(f"need 2 <= n_splits <= n_samples, got {n_splits} folds for {n_samples} samples")


def _pairs(n_samples, val_sets):
    everything = np.arange(n_samples)
    return [(np.setdiff1d(everything, val), np.sort(val)) for val in val_sets]


def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    _check(n_samples, n_splits)
    if shuffle:
        order = np.random.default_rng(seed).permutation(n_samples)
    else:
        order = np.arange(n_samples)
    blocks, start = [], 0
    for fold in range(n_splits):
        size = n_samples // n_splits + (1 if fold < n_samples % n_splits else 0)
        blocks.append(order[start : start + size])
        start += size
    return _pairs(n_samples, blocks)


def stratified_kfold_indices(y, n_splits, seed=None):
    y = np.asarray(y)
    _check(len(y), n_splits)
    classes = sorted(set(y.tolist()))
    members = [np.flatnonzero(y == label) for label in classes]
    if min(len(m) for m in members) < n_splits:
        raise ValueError("a class has fewer samples than n_splits")
    rng = np.random.default_rng(seed) if seed is not None else None
    folds = [[] for _ in range(n_splits)]
    for indices in members:
        if rng is not None:
            indices = rng.permutation(indices)
        for fold, run in enumerate(np.array_split(indices, n_splits)):
            folds[fold].extend(run.tolist())
    return _pairs(len(y), [np.array(f, dtype=np.int64) for f in folds])


def leave_one_out_indices(n_samples):
    if n_samples < 2:
        raise ValueError("leave-one-out needs at least 2 samples")
    return [
        (np.array([j for j in range(n_samples) if j != i], dtype=np.int64), np.array([i], dtype=np.int64))
        for i in range(n_samples)
    ]
""",
    ),
    Correct(
        "masks_and_stable_argsort",
        "Fold boundaries by np.cumsum and boolean masks; stratified classes grouped by a stable argsort of y and each run's length from divmod, without np.array_split; leave-one-out by np.delete.",
        """import numpy as np


def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    if n_splits < 2:
        raise ValueError("n_splits must be at least 2")
    if n_splits > n_samples:
        raise ValueError("more folds than samples")
    q, r = divmod(n_samples, n_splits)
    bounds = np.concatenate([[0], np.cumsum([q + 1] * r + [q] * (n_splits - r))])
    order = np.random.default_rng(seed).permutation(n_samples) if shuffle else np.arange(n_samples)
    result = []
    for f in range(n_splits):
        in_val = np.zeros(n_samples, dtype=bool)
        in_val[order[bounds[f] : bounds[f + 1]]] = True
        result.append((np.nonzero(~in_val)[0], np.nonzero(in_val)[0]))
    return result


def stratified_kfold_indices(y, n_splits, seed=None):
    y = np.asarray(y)
    n = y.shape[0]
    if n_splits < 2 or n_splits > n:
        raise ValueError("bad n_splits")
    rng = None if seed is None else np.random.default_rng(seed)
    # Samples grouped by class, classes ascending, original order kept inside each class.
    by_class = np.argsort(y, kind="stable")
    classes, starts, counts = np.unique(y[by_class], return_index=True, return_counts=True)
    if counts.min() < n_splits:
        raise ValueError("a class has fewer samples than folds")
    fold = np.zeros(n, dtype=np.int64)
    for start, count in zip(starts, counts):
        members = by_class[start : start + count]
        if rng is not None:
            members = rng.permutation(members)
        q, r = divmod(count, n_splits)
        # Run f holds q + 1 samples for f < r, else q.
        fold[members] = np.repeat(np.arange(n_splits), [q + 1 if f < r else q for f in range(n_splits)])
    return [(np.where(fold != f)[0], np.where(fold == f)[0]) for f in range(n_splits)]


def leave_one_out_indices(n_samples):
    if n_samples < 2:
        raise ValueError("need at least 2 samples")
    everything = np.arange(n_samples)
    return [(np.delete(everything, i), everything[i : i + 1]) for i in range(n_samples)]
""",
    ),
]
