"""White-box attacks on the k-fold-splits checks (exercises/k-fold-splits/checks.py)."""

from tests.security.exercises import Attack, exercise_file

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
