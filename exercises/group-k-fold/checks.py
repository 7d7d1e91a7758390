"""Hidden checks for group k-fold splits (scikit-learn's ``GroupKFold`` with ``shuffle=False``).

The rule (scikit-learn's ``GroupKFold._iter_test_indices``, with a stable sort of the group sizes):

- ``labels, code = np.unique(groups, return_inverse=True)``: distinct labels in ascending order (numbers
  by value, strings in Python's code-point order); ``sizes = np.bincount(code)``.
- Groups are visited in the order ``np.argsort(sizes, kind="stable")[::-1]``: largest first, and among
  equal sizes the group with the larger label first. (Older releases used the default, unstable argsort,
  whose tie order depends on NumPy's sort implementation and the CPU; the statement fixes the stable
  rule.)
- Each group goes to ``np.argmin(fold_totals)``: the fold with the fewest samples so far, ties to the
  lowest fold index.
- Fold ``f`` tests on the samples whose group went to fold ``f`` and trains on all others, both in
  ascending order.
- ``ValueError`` when ``n_splits < 2`` or there are fewer distinct labels than ``n_splits``. (scikit-learn
  checks ``n_splits`` in the constructor; the statement asks for the same error from the function.)

``shuffle=True`` (scikit-learn 1.6+, ``np.array_split`` of a random permutation of the labels) is not
part of the exercise and never asked for.

Every answer is recomputed here and compared exactly, so no check is statistical: a correct solution is
never rejected (false-rejection rate 0). Before the exact comparison, the folds are checked as a
partition (types, sorted indices, every sample in exactly one test fold, train the complement of test)
and for leakage (a group split across folds), so the message names the first thing that is wrong.

Hidden cases come from ``rng`` (a secret fresh seed per grading). The statement's edge cases: labels of
dtype ``int64`` or ``int32`` (negative, far apart) or lists of ``str`` (mixed case, digits, different lengths,
so that string order differs from numeric and length order), in random sample order (first appearance is not
label order); group sizes geometric, uniform, heavy-tailed, all equal, or differing by one; one dominant
group; up to about twenty thousand samples and six hundred groups; ``n_splits`` from 2 to 10 and equal to the
number of groups. Two calls of one check share the length and ``n_splits`` with different labels, so an
answer cached by shape is wrong. ``groups`` arrays live in memory shared with the learner's process (mapped
read-only there unless sent writable), and are read back here after the call.

Beyond the edge cases the statement lists (a red-team pass got rules right only there accepted in every
grading; they are kept as attacks), the integer and string checks each add one round trip of many calls in
random order (``_batch``), all judged: labels of every integer dtype from int8 to uint64 over their whole
ranges, strings of any letters (beyond ASCII, the empty string), a call of 140,000 to 160,000 samples in 2
or 3 folds, 11 to 100 folds over more groups, as many folds as 100 to 300 groups, an empty list; about half
the arrays sent writable and every array and list read back, and 70 or more calls made before the later
checks, so behaviour that changes after some number of calls meets judged calls past it.
"""

import numpy as np

from grader.harness import CheckFailed, LearnerError, Writable, check, describe

ENVIRONMENT = """
import sys


def calls(requests):
    # Calls in one round trip: each call's result, or the exception it raised (its type's name and whether it is a
    # ValueError), with groups as it is after the call (an array sent writable, as a caller's is, or a list), which
    # the checker compares with its own copy.
    group_k_fold = sys.modules["submission"].group_k_fold
    answers = []
    for groups, n_splits in requests:
        try:
            answer = ("returned", group_k_fold(groups, n_splits))
        except Exception as error:
            answer = ("raised", type(error).__name__, isinstance(error, ValueError))
        answers.append((answer, groups))
    return answers
"""

RULE = (
    "groups visited largest first (equal sizes: the larger label first), each put in the fold with the "
    "fewest samples so far (equal totals: the lowest fold index)"
)

# Trusted recomputation


def _encode(groups) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels in ascending order, each sample's position among them, each group's size)."""
    labels, code = np.unique(np.asarray(groups), return_inverse=True)
    code = code.ravel()
    return labels, code, np.bincount(code, minlength=len(labels))


def _greedy(sizes: np.ndarray, n_splits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the fold of each group, the visiting order, the fold totals just before each visit)."""
    order = np.argsort(sizes, kind="stable")[::-1]
    totals = np.zeros(n_splits, dtype=np.int64)
    fold_of_group = np.empty(len(sizes), dtype=np.int64)
    before = np.empty((len(sizes), n_splits), dtype=np.int64)
    for rank, group in enumerate(order):
        before[rank] = totals
        lightest = int(np.argmin(totals))
        totals[lightest] += sizes[group]
        fold_of_group[group] = lightest
    return fold_of_group, order, before


# Describing inputs


def _label(value) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _samples(count) -> str:
    return f"{count} sample" if count == 1 else f"{count} samples"


def _text(groups) -> str:
    """A short description of ``groups`` for messages: in full when short, else a summary."""
    values = groups.tolist() if isinstance(groups, np.ndarray) else list(groups)
    kind = f"{groups.dtype} array" if isinstance(groups, np.ndarray) else "list of str"
    if len(values) <= 16:
        return f"{kind} {values}"
    labels, _, sizes = _encode(groups)
    return (
        f"{kind} of {len(values)} labels ({len(labels)} distinct groups of {sizes.min()} to "
        f"{_samples(sizes.max())}; first labels {values[:4]})"
    )


# Judging the learner's folds


def _indices(value, what: str) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what}: expected a 1-D NumPy array of integers, got {describe(value)}")
    if value.dtype.kind not in "iu" or value.ndim != 1:
        raise CheckFailed(
            f"{what}: expected a 1-D NumPy array of integers, got dtype {value.dtype} and shape {value.shape}"
        )
    if value.size > 1 and np.any(value[1:] <= value[:-1]):
        first = int(np.argmax(value[1:] <= value[:-1]))
        raise CheckFailed(
            f"{what}: indices must be sorted ascending and distinct; position {first + 1} holds "
            f"{value[first + 1]} after {value[first]}: {describe(value)}"
        )
    return value


def _test_fold_of_samples(result, n_samples: int, n_splits: int, what: str) -> np.ndarray:
    """The fold testing on each sample, after checking that the folds partition the samples."""
    if not isinstance(result, (list, tuple)) or len(result) != n_splits:
        count = f"{len(result)} items" if isinstance(result, (list, tuple)) else describe(result)
        raise CheckFailed(f"{what}: expected a list of {n_splits} (train_idx, test_idx) pairs, got {count}")
    fold_of = np.full(n_samples, -1, dtype=np.int64)
    for fold, pair in enumerate(result):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise CheckFailed(f"{what}: item {fold} should be a pair (train_idx, test_idx), got {describe(pair)}")
        test = _indices(pair[1], f"{what}: fold {fold} test_idx")
        train = _indices(pair[0], f"{what}: fold {fold} train_idx")
        if test.size and (int(test[0]) < 0 or int(test[-1]) >= n_samples):
            raise CheckFailed(f"{what}: fold {fold} test_idx holds indices outside 0..{n_samples - 1}")
        again = test[fold_of[test] != -1]
        if again.size:
            sample = int(again[0])
            raise CheckFailed(
                f"{what}: sample {sample} is in the test_idx of fold {fold_of[sample]} and of fold {fold}: "
                "every sample must be tested exactly once"
            )
        fold_of[test] = fold
        in_test = np.zeros(n_samples, dtype=bool)
        in_test[test] = True
        expected_train = np.flatnonzero(~in_test)
        if train.shape != expected_train.shape or not np.array_equal(train, expected_train):
            raise CheckFailed(
                f"{what}: fold {fold} train_idx must hold every sample not in its test_idx, in ascending "
                f"order ({expected_train.size} indices); got {describe(train)}"
            )
    if (fold_of < 0).any():
        raise CheckFailed(f"{what}: sample {int(np.argmax(fold_of < 0))} is in no fold's test_idx")
    return fold_of


def _judge(result, groups, n_splits: int, what: str) -> None:
    labels, code, sizes = _encode(groups)
    fold_of = _test_fold_of_samples(result, len(code), n_splits, what)
    lowest = np.full(len(labels), n_splits, dtype=np.int64)
    highest = np.full(len(labels), -1, dtype=np.int64)
    np.minimum.at(lowest, code, fold_of)
    np.maximum.at(highest, code, fold_of)
    split = np.flatnonzero(lowest != highest)
    if split.size:
        group = int(split[0])
        members = np.flatnonzero(code == group)
        raise CheckFailed(
            f"{what}: group {_label(labels[group])} is split: fold {lowest[group]} tests on its samples "
            f"{members[fold_of[members] == lowest[group]][:8].tolist()} and trains on "
            f"{members[fold_of[members] != lowest[group]][:8].tolist()}, so the same group is on both sides "
            "(leakage). Every group must sit whole in one test fold"
        )
    expected, order, before = _greedy(sizes, n_splits)
    wrong = np.flatnonzero(lowest[order] != expected[order])
    if wrong.size:
        rank = int(wrong[0])
        group = int(order[rank])
        expected_totals = np.bincount(expected, weights=sizes, minlength=n_splits).astype(np.int64)
        got_totals = np.bincount(lowest, weights=sizes, minlength=n_splits).astype(np.int64)
        same_size = int(np.count_nonzero(sizes == sizes[group]))
        tie = (
            f" {same_size} groups have {_samples(sizes[group])}: among them, the larger label is visited first."
            if same_size > 1
            else ""
        )
        raise CheckFailed(
            f"{what}: group {_label(labels[group])} ({_samples(sizes[group])}) belongs in fold "
            f"{expected[group]}, yours tests it in fold {lowest[group]}. Rule: {RULE}. It is group number "
            f"{rank + 1} in that order; the folds held {before[rank].tolist()} samples just before it.{tie} "
            f"Expected test-fold sizes {expected_totals.tolist()}, yours {got_totals.tolist()}"
        )


def _expect_value_error(call, what: str) -> None:
    try:
        call()
    except LearnerError as error:
        if not error.is_a("ValueError"):
            raise CheckFailed(f"{what} should raise ValueError, but raised {error.type}: {error.message}") from None
        return
    raise CheckFailed(f"{what} should raise ValueError, but returned")


def _ask(learner, groups, n_splits: int) -> None:
    what = f"group_k_fold({_text(groups)}, n_splits={n_splits})"
    _judge(learner.group_k_fold(groups, n_splits), groups, n_splits, what)


# Hidden cases

INT_DTYPES = ("int64", "int32")
LETTERS = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _int_labels(rng, n_groups: int, dtype: str | None = None) -> np.ndarray:
    dtype = dtype or str(rng.choice(INT_DTYPES))
    bound = 2**31 - 1 if dtype == "int32" else 2**40
    # Distinct values, negative and far apart: not 0..n_groups-1, so labels are not their own ranks.
    values = np.unique(rng.integers(-bound, bound, size=2 * n_groups + 8))
    return rng.permutation(values)[:n_groups].astype(dtype)


def _string_labels(rng, n_groups: int) -> list[str]:
    """Distinct strings whose order differs from numeric and length order: "p10" < "p9", "Zoe" < "ana"."""
    found: set[str] = set()
    while len(found) < n_groups:
        if rng.random() < 0.5:
            found.add(f"patient-{int(rng.integers(0, 10 ** int(rng.integers(1, 5))))}")
        else:
            found.add("".join(rng.choice(LETTERS, size=int(rng.integers(1, 9)))))
    return [str(label) for label in rng.permutation(sorted(found))]


def _sizes(rng, n_groups: int, kind: str, budget: int) -> np.ndarray:
    """Group sizes of a kind: geometric, uniform, heavy-tailed, equal, or two sizes differing by one."""
    mean = max(1, budget // n_groups)
    if kind == "geometric":
        sizes = rng.geometric(1 / mean, size=n_groups)
    elif kind == "uniform":
        sizes = rng.integers(1, 2 * mean + 1, size=n_groups)
    elif kind == "heavy":
        sizes = np.ceil(rng.pareto(1.2, size=n_groups) * mean / 3 + 1).astype(np.int64)
    elif kind == "equal":
        sizes = np.full(n_groups, int(rng.integers(1, mean + 1)))
    else:
        base = int(rng.integers(1, mean + 1))
        sizes = base + rng.integers(0, 2, size=n_groups)
    return np.minimum(sizes, budget).astype(np.int64)


def _groups(rng, labels, sizes: np.ndarray):
    """One label per sample, in random sample order: a NumPy array, or a list of str for string labels."""
    if isinstance(labels, np.ndarray):
        return np.repeat(labels, sizes)[rng.permutation(int(sizes.sum()))]
    samples = np.repeat(np.arange(len(labels)), sizes)[rng.permutation(int(sizes.sum()))]
    return [labels[index] for index in samples.tolist()]


def _splits(rng, n_groups: int) -> int:
    return int(rng.integers(2, min(10, n_groups) + 1))


# Public checks: the statement's examples


@check("The statement's examples: patients as strings, and scikit-learn's docstring example", points=2, public=True)
def statement_examples(learner, rng):
    patients = ["ana", "ben", "ana", "cai", "dee", "ben", "cai", "eve", "ana", "dee", "cai", "eve"]
    for groups, n_splits in ((patients, 3), (np.array([0, 0, 2, 2, 3, 3]), 2)):
        _ask(learner, groups, n_splits)


# Hidden checks


@check("Integer group labels: random sizes, labels and fold counts", points=3)
def integer_groups(learner, rng):
    kinds = [str(kind) for kind in rng.permutation(["geometric", "uniform", "heavy"])]
    cases = [(int(rng.integers(20, 300)), kind, int(rng.integers(1000, 5000))) for kind in kinds[:2]]
    # Always one large case: a rule that is exact only on small inputs cannot pass.
    cases.append((int(rng.integers(300, 600)), kinds[2], int(rng.integers(5000, 10000))))
    cases.append((int(rng.integers(2, 9)), "uniform", int(rng.integers(10, 200))))
    for index, (n_groups, kind, budget) in enumerate(cases):
        labels = _int_labels(rng, n_groups)
        # The last case has one group per fold.
        n_splits = n_groups if index == len(cases) - 1 else _splits(rng, n_groups)
        _ask(learner, _groups(rng, labels, _sizes(rng, n_groups, str(kind), budget)), n_splits)
    # Then, in one round trip: 60 to 100 small calls over every integer dtype (``_wide_case``), a call of
    # 140,000 to 160,000 samples and 2 or 3 folds (fold totals past 2**15, and with 2 folds past 2**16), one of
    # 11 to 100 folds over more groups, and one with as many folds as 100 to 300 groups. A rule right on part of
    # the input space only, or whose behaviour changes after some number of calls (up to the 60 or more made
    # here), meets the rest.
    cases = [_wide_case(rng, strings=False) for _ in range(int(rng.integers(60, 101)))]
    n_groups = int(rng.integers(50, 601))
    kind = str(rng.choice(["geometric", "uniform", "heavy"]))
    cases.append((_groups(rng, _any_int_labels(rng, n_groups), _sizes(rng, n_groups, kind, 160_000)), 0))
    while cases[-1][0].size < 140_000:
        cases[-1] = (np.concatenate([cases[-1][0], cases[-1][0]]), 0)
    cases[-1] = (cases[-1][0][: int(rng.integers(140_000, 160_001))], int(rng.integers(2, 4)))
    n_groups = int(rng.integers(50, 301))
    # Sizes that vary: with equal sizes (or two sizes), dealing groups round robin gives the greedy rule's folds, so a
    # round robin for many folds would pass this case.
    kind = str(rng.choice(["geometric", "uniform", "heavy"]))
    sizes = _sizes(rng, n_groups, kind, 4 * n_groups)
    cases.append(
        (_groups(rng, _any_int_labels(rng, n_groups), sizes), int(rng.integers(11, min(100, n_groups - 1) + 1)))
    )
    n_groups = int(rng.integers(100, 301))
    sizes = _sizes(rng, n_groups, str(rng.choice(["geometric", "uniform", "equal"])), 2 * n_groups)
    cases.append((_groups(rng, _any_int_labels(rng, n_groups), sizes), n_groups))
    _batch(learner, rng, cases, f"{len(cases)} calls of group_k_fold in a row")


@check("String group labels, ordered as Python orders strings", points=2)
def string_groups(learner, rng):
    n_groups = int(rng.integers(30, 200))
    n_splits = _splits(rng, n_groups)
    sizes = _sizes(rng, n_groups, str(rng.choice(["geometric", "uniform"])), int(rng.integers(500, 3000)))
    # Two calls of the same length and n_splits with other labels: an answer cached by shape is wrong.
    for _ in range(2):
        _ask(learner, _groups(rng, _string_labels(rng, n_groups), rng.permutation(sizes)), n_splits)
    # 10 to 20 calls on strings of any letters (beyond ASCII, the empty string among them), lists read back after
    # the call, and one of 11 to 100 folds over more groups.
    cases = [_wide_case(rng, strings=True) for _ in range(int(rng.integers(10, 21)))]
    n_groups = int(rng.integers(50, 201))
    sizes = _sizes(rng, n_groups, str(rng.choice(["geometric", "uniform", "by_one"])), 4 * n_groups)
    cases.append(
        (_groups(rng, _wide_string_labels(rng, n_groups), sizes), int(rng.integers(11, min(100, n_groups) + 1)))
    )
    _batch(learner, rng, cases, f"{len(cases)} calls of group_k_fold with string labels in a row")


@check("Groups of equal size: the larger label goes first", points=2)
def equal_size_ties(learner, rng):
    """First case: every group has one size, so the greedy rule deals the groups to folds 0, 1, ...,
    k-1, 0, ... in visiting order. With k >= 3 folds the reversed order (smaller label first) always
    moves some group to another fold; another order (first appearance, another string order, an
    unstable sort) goes unseen only if it keeps every group's position modulo k. Second case: string
    labels and two sizes differing by one, so the string order decides every tie."""
    n_groups = int(rng.integers(40, 150))
    labels = _int_labels(rng, n_groups)
    n_splits = int(rng.integers(3, 11))
    _ask(learner, _groups(rng, labels, _sizes(rng, n_groups, "equal", 600)), n_splits)
    n_groups = int(rng.integers(60, 200))
    labels = _string_labels(rng, n_groups)
    n_splits = int(rng.integers(3, 11))
    _ask(learner, _groups(rng, labels, _sizes(rng, n_groups, "by_one", 1000)), n_splits)


@check("One group holds most of the samples", points=1)
def one_big_group(learner, rng):
    for share in (rng.uniform(0.5, 0.9), None):
        n_groups = int(rng.integers(10, 80))
        sizes = _sizes(rng, n_groups, "uniform", int(rng.integers(100, 1500)))
        big = int(rng.integers(n_groups))
        rest = int(sizes.sum() - sizes[big])
        # Either a given share of all samples, or more than all the other groups together.
        sizes[big] = int(share * rest / (1 - share)) + 1 if share is not None else rest + int(rng.integers(1, 50))
        n_splits = int(rng.integers(2, min(6, n_groups) + 1))
        _ask(learner, _groups(rng, _int_labels(rng, n_groups), sizes), n_splits)


@check("Invalid arguments raise ValueError", points=1)
def invalid_arguments(learner, rng):
    n_groups = int(rng.integers(3, 12))
    groups = _groups(rng, _int_labels(rng, n_groups), _sizes(rng, n_groups, "uniform", 100))
    n_splits = int(rng.choice([1, 0, -int(rng.integers(1, 100))]))
    too_few = int(rng.integers(3, 9))
    # One distinct group fewer than n_splits, but far more samples than n_splits.
    short = _groups(rng, _int_labels(rng, too_few - 1), _sizes(rng, too_few - 1, "uniform", 60) + too_few)
    single = [_string_labels(rng, 1)[0]] * int(rng.integers(2, 30))
    for args, why in (
        ((groups, n_splits), "n_splits < 2"),
        ((short, too_few), f"{too_few - 1} distinct groups, fewer than n_splits"),
        ((single, 2), "a single group"),
        ((np.zeros(0, dtype=np.int64), 2), "no groups at all"),
        (([], int(rng.integers(2, 6))), "an empty list"),
    ):
        _expect_value_error(
            lambda args=args: learner.group_k_fold(*args), f"group_k_fold({_text(args[0])}, n_splits={args[1]}) ({why})"
        )


@check("groups is not modified", points=1)
def groups_untouched(learner, rng):
    n_groups = int(rng.integers(10, 60))
    groups = _groups(rng, _int_labels(rng, n_groups, "int64"), _sizes(rng, n_groups, "geometric", 800))
    n_splits = _splits(rng, n_groups)
    what = f"group_k_fold({_text(groups)}, n_splits={n_splits})"
    # Writable, as a caller's array is: code that writes only to writable arrays is seen too.
    _, after = learner.call_and_read_args("group_k_fold", Writable(groups), n_splits)
    if not np.array_equal(after[0], groups):
        index = int(np.argmax(after[0] != groups))
        raise CheckFailed(
            f"{what} changed groups in place: groups[{index}] was {groups[index]}, is {after[0][index]} after the call"
        )


# Every integer dtype a caller's labels may have, and letters beyond ASCII (accents, Greek, CJK, an emoji outside the
# Basic Multilingual Plane): Python orders strings by code point whatever the letters.
ALL_INT_DTYPES = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64")
WIDE_LETTERS = LETTERS + list("éÉàßøΩωжЖ中文字😀")


def _any_int_labels(rng, n_groups: int) -> np.ndarray:
    """Distinct labels of any integer dtype wide enough, spread over its whole range (uint64 beyond 2**63)."""
    dtype = np.dtype(str(rng.choice([d for d in ALL_INT_DTYPES if 2 ** (8 * np.dtype(d).itemsize) >= 4 * n_groups])))
    info = np.iinfo(dtype)
    values = np.unique(rng.integers(info.min, info.max, size=2 * n_groups + 8, dtype=dtype, endpoint=True))
    while len(values) < n_groups:
        values = np.unique(np.concatenate([values, rng.integers(info.min, info.max, size=n_groups, dtype=dtype)]))
    return rng.permutation(values)[:n_groups]


def _wide_string_labels(rng, n_groups: int) -> list[str]:
    found: set[str] = set()
    while len(found) < n_groups:
        found.add("".join(rng.choice(WIDE_LETTERS, size=int(rng.integers(0, 9)))))
    return [str(label) for label in rng.permutation(sorted(found))]


def _wide_case(rng, strings: bool):
    """(groups, n_splits) of a small call over the whole input space: 2 to 40 groups, labels of any integer dtype
    or strings of any letters (the empty string among them), n_splits from 2 to 5, or the number of groups."""
    n_groups = int(rng.integers(2, 41))
    kind = str(rng.choice(["geometric", "uniform", "heavy", "equal", "by_one"]))
    sizes = _sizes(rng, n_groups, kind, int(rng.integers(n_groups, 400)))
    labels = _wide_string_labels(rng, n_groups) if strings else _any_int_labels(rng, n_groups)
    # Few folds, so that the many calls cost little (the cases beside them have many), or one per group.
    n_splits = n_groups if rng.random() < 0.1 else int(rng.integers(2, min(5, n_groups) + 1))
    return _groups(rng, labels, sizes), n_splits


def _batch(learner, rng, cases, what_calls: str) -> None:
    """``cases`` ((groups, n_splits) pairs) through group_k_fold in one round trip, in random order, about half the
    arrays sent writable; every answer judged and every ``groups`` (array or list) read back and compared."""
    order = [int(index) for index in rng.permutation(len(cases))]
    writable = rng.random(len(cases)) < 0.5
    requests = []
    for index in order:
        groups, n_splits = cases[index]
        copy = groups.copy() if isinstance(groups, np.ndarray) else list(groups)
        requests.append((Writable(copy) if writable[index] and isinstance(groups, np.ndarray) else copy, n_splits))
    try:
        answers = learner.environment("calls", requests)
    except LearnerError as error:
        raise CheckFailed(f"{what_calls} failed: {error.type}: {error.message}") from None
    if not (isinstance(answers, list) and len(answers) == len(requests)):
        raise CheckFailed(f"{what_calls} did not give {len(requests)} answers")
    for index, (answer, after) in zip(order, answers, strict=True):
        groups, n_splits = cases[index]
        what = f"group_k_fold(\0, n_splits={n_splits})"
        try:
            _judge_answer(answer, after, groups, n_splits, what)
        except CheckFailed as failure:
            # The description of groups (which costs an np.unique) only for the message of a failure.
            raise CheckFailed(str(failure).replace("\0", _text(groups))) from None


def _judge_answer(answer, after, groups, n_splits: int, what: str) -> None:
    if isinstance(groups, np.ndarray):
        same = isinstance(after, np.ndarray) and after.dtype == groups.dtype and np.array_equal(after, groups)
    else:
        same = after == groups
    if not same:
        raise CheckFailed(f"{what} changed groups in place: never modify groups")
    if answer[0] != "returned":
        raise CheckFailed(f"{what} raised {answer[1]}")
    _judge(answer[1], groups, n_splits, what)
