"""The harness gives checks remote calls, remote objects, an environment loaded before the learner's code,
fresh processes and arguments read back from shared memory, all across the sandbox; and the statistics
checks share."""

import textwrap

import numpy as np
import pytest

from grader import harness
from grader.runner import Job, grade

CHECKS = textwrap.dedent(
    '''
    import numpy as np
    from grader.harness import CheckFailed, LearnerError, check

    ENVIRONMENT = """
    LOADED_BEFORE = True

    class RowRecorder:
        def __init__(self):
            self.rows = None
        def fit(self, X):
            self.rows = X[:, 0].copy()
            return self

    def rows_of(model):
        return model.rows
    """

    @check("Fits the model it is given", points=1)
    def fits_given_model(learner, rng):
        model = learner.environment("RowRecorder", as_handle=True)
        X = rng.standard_normal((4, 3))
        learner.train(model.handle, X)
        rows = learner.environment("rows_of", model.handle)
        if not np.array_equal(rows, X[:, 0]):
            raise CheckFailed(f"the model saw rows {rows}")

    @check("Counter counts", points=1)
    def counter_counts(learner, rng):
        counter = learner.new("Counter", start=2)
        counter.call("bump", discard=True)
        counter.call("bump", discard=True)
        if counter.get("value") != 4:
            raise CheckFailed("expected 4")

    @check("Leaves its input alone", points=1)
    def leaves_input(learner, rng):
        x = rng.standard_normal(5)
        _, after = learner.call_and_read_args("total", x)
        if not np.array_equal(after[0], x):
            raise CheckFailed(f"x changed to {after[0]}")

    @check("Leaves a writable input alone", points=1)
    def leaves_writable_input(learner, rng):
        from grader.harness import Writable

        x = rng.standard_normal(5)
        _, after = learner.call_and_read_args("total", Writable(x))
        if not np.array_equal(after[0], x):
            raise CheckFailed(f"x changed to {after[0]}")

    @check("Counts calls per process", points=1)
    def counts_per_process(learner, rng):
        first = [learner.tick() for _ in range(3)]
        fresh = learner.fresh()
        second = [fresh.tick() for _ in range(2)]
        if (first, second) != ([1, 2, 3], [1, 2]):
            raise CheckFailed(f"got {first} then {second}")

    @check("A keyed process is new for the first check that asks", points=1)
    def keyed_process_starts_new(learner, rng):
        shared = learner.fresh("shared", new=True)
        counts = [shared.tick() for _ in range(2)]
        if counts != [1, 2] or learner.fresh("shared").tick() != 3:
            raise CheckFailed(f"the keyed process counted {counts}, then not 3")

    @check("A later check gets the keyed process as the earlier one left it", points=1)
    def keyed_process_is_shared(learner, rng):
        if learner.fresh("shared").tick() != 4:
            raise CheckFailed("the keyed process did not keep the earlier check's calls")
        if learner.fresh("other").tick() != 1 or learner.fresh().tick() != 1:
            raise CheckFailed("another key, or no key, must give a new process")
        try:
            learner.fresh("shared", new=True)
        except AssertionError:
            return
        raise CheckFailed("a keyed process asked for new after another check did not refuse")

    @check("Many calls in one round trip", points=1)
    def many_calls(learner, rng):
        from grader.harness import Seed

        counter = learner.new("Counter", start=0)
        replies = learner.map("bump_and_read", [(counter.handle,), (counter.handle,), (counter.handle,)])
        if [reply.value for reply in replies] != [1, 2, 3]:
            raise CheckFailed("a handle's state did not carry from one call to the next")
        replies = learner.map("draw", [(Seed(7),), (Seed(7),), ("not a generator",), (Seed(8),)])
        first, again, broken, other = replies
        if first.value != again.value or first.value == other.value:
            raise CheckFailed("each Seed must be a new generator of its own")
        try:
            broken.value
        except LearnerError as error:
            if not error.is_a("AttributeError") or error.function != "draw":
                raise CheckFailed(f"the failed call reported {error}")
        else:
            raise CheckFailed("the failed call did not raise")
        if learner.map("draw", []) != []:
            raise CheckFailed("no calls, no replies")

    @check("Raises the real ValueError", points=1)
    def raises_value_error(learner, rng):
        try:
            learner.refuse()
        except LearnerError as error:
            if not error.is_a("ValueError"):
                raise CheckFailed(f"raised {error.type}, kinds {error.kinds}")
            return
        raise CheckFailed("did not raise")
    '''
)

LEARNER = textwrap.dedent(
    """
    CALLS = []

    def train(model, X):
        model.fit(X)

    class Counter:
        def __init__(self, start=0):
            self.value = start
        def bump(self):
            self.value += 1
            return self

    def total(x):
        return float(x.sum())

    def bump_and_read(counter):
        return counter.bump().value

    def draw(generator):
        return float(generator.random())

    def tick():
        CALLS.append(1)
        return len(CALLS)

    class TooStrict(ValueError):
        pass

    def refuse():
        raise TooStrict("no")
    """
)


def test_environment_objects_handles_shared_memory_and_fresh_processes_work(zygotes):
    report = grade(Job(code=LEARNER, checks_source=CHECKS), zygotes)
    assert report.verdict == "accepted", [(r.name, r.message) for r in report.results]


def test_checks_that_share_a_keyed_process_start_it_once(zygotes):
    """Five processes in all: the first, one for each plain ``fresh()`` (two), one for the key asked for three
    times and one for the other key."""
    started = []

    class Counted:
        def __init__(self, zygote):
            self.zygote = zygote

        def run(self, *args, **kwargs):
            started.append(args)
            return self.zygote.run(*args, **kwargs)

    report = grade(Job(code=LEARNER, checks_source=CHECKS), lambda runtime: Counted(zygotes(runtime)))
    assert report.verdict == "accepted", [(r.name, r.message) for r in report.results]
    assert len(started) == 5


def test_a_batch_with_a_value_that_cannot_be_sent_raises_once_not_in_each_reply():
    from grader.harness import CheckFailed, Learner, LearnerError

    class Process:
        def request(self, message, placed):
            # What the learner's process answers when one value's encoding raised the learner's own ValueError.
            return {"ok": False, "error": {"type": "ValueError", "kinds": ["ValueError"], "message": "p"}}

    with pytest.raises(LearnerError, match=r"f \(one of 3 calls\) raised ValueError: p") as raised:
        Learner(Process()).map("f", [(1,), (2,), (3,)])
    assert not isinstance(raised.value, CheckFailed)


def test_a_batch_of_real_calls_with_an_unsendable_value_fails_its_check(zygotes):
    checks = CHECKS + textwrap.dedent(
        """
        @check("Unsendable", points=1)
        def unsendable(learner, rng):
            learner.map("total", [(np.ones(2),), (np.ones(3),)])
        """
    )
    code = LEARNER + "\ndef total(x):\n    return object() if len(x) == 3 else float(x.sum())\n"
    report = grade(Job(code=code, checks_source=checks), zygotes)
    failed = {r.name: r.message for r in report.results if not r.passed}
    assert list(failed) == ["Unsendable"]
    assert "total (one of 2 calls) raised UnsendableValue" in failed["Unsendable"]


def test_an_input_changed_in_place_in_a_batch_fails_that_call_as_a_single_call_would():
    import pytest

    from grader.harness import CheckFailed, Learner

    class Process:
        def request(self, message, placed):
            read_only = {
                "type": "ValueError",
                "kinds": ["ValueError"],
                "message": "assignment destination is read-only",
            }
            return {"ok": True, "value": [[True, 1], [False, read_only]]}

    fine, changed = Learner(Process()).map("f", [(1,), (2,)])
    assert fine.value == 1
    with pytest.raises(CheckFailed, match="change one of its input arrays in place"):
        _ = changed.value


def test_a_batch_reply_that_raised_fails_the_check_naming_the_call_unless_out_of_memory():
    error = {"type": "ValueError", "kinds": ["ValueError", "Exception", "BaseException"], "message": "bad p"}
    assert harness.Reply("f", {"ok": True, "value": 3}).value_in("call 2 of 9: f(1)") == 3
    with pytest.raises(harness.CheckFailed, match=r"^call 2 of 9: f\(1\) raised ValueError: bad p$"):
        harness.Reply("f", {"ok": False, "error": error}).value_in("call 2 of 9: f(1)")
    memory = {"type": "MemoryError", "kinds": ["MemoryError", "Exception", "BaseException"], "message": ""}
    with pytest.raises(harness.LearnerError) as raised:
        harness.Reply("f", {"ok": False, "error": memory}).value_in("call 2 of 9: f(1)")
    assert raised.value.is_a("MemoryError")


def test_a_batch_answered_with_the_wrong_shape_fails_the_check_that_asked():
    import pytest

    from grader.harness import CheckFailed, Learner

    answers = [
        None,
        [],
        [[True, 1]],
        [[1, 2], [True, 3]],
        [[True, 1], [True]],
        [(True, 1), [True, 2]],
        [7, [True, 2]],
        [{"ok": True, "value": 1}, {"ok": True, "value": 2}],
    ]
    for value in answers:

        class Process:
            def request(self, message, placed, value=value):
                return {"ok": True, "value": value}

        with pytest.raises(CheckFailed, match="2 calls of f did not get 2 well-formed answers"):
            Learner(Process()).map("f", [(1,), (2,)])


def test_an_input_changed_in_place_is_seen_whatever_the_learner_claims(zygotes):
    report = grade(
        Job(code=LEARNER + "\ndef total(x):\n    x += 1\n    return float(x.sum())\n", checks_source=CHECKS), zygotes
    )
    failed = {r.name: r.message for r in report.results if not r.passed}
    assert set(failed) == {"Leaves its input alone", "Leaves a writable input alone"}


def test_an_input_changed_in_place_only_when_writable_is_seen_through_writable(zygotes):
    sneaky = LEARNER + "\ndef total(x):\n    if x.flags.writeable:\n        x += 1\n    return float(x.sum())\n"
    report = grade(Job(code=sneaky, checks_source=CHECKS), zygotes)
    failed = {r.name: r.message for r in report.results if not r.passed}
    assert list(failed) == ["Leaves a writable input alone"]


def test_an_impostor_exception_class_is_not_the_built_in_one(zygotes):
    impostor = LEARNER + "\nclass ValueError(Exception):\n    pass\n\ndef refuse():\n    raise ValueError('no')\n"
    report = grade(Job(code=impostor, checks_source=CHECKS), zygotes)
    failed = {r.name: r.message for r in report.results if not r.passed}
    assert list(failed) == ["Raises the real ValueError"]
    assert "submission.ValueError" in failed["Raises the real ValueError"]


def test_the_environment_is_loaded_before_the_learners_code(zygotes):
    checks = CHECKS.replace("LOADED_BEFORE = True", "import builtins\nbuiltins.GYM_ENVIRONMENT_LOADED = True")
    checks += "\n@check('Saw the environment')\ndef saw(learner, rng):\n    if learner.seen() is not True:\n"
    checks += "        raise CheckFailed('no')\n"
    code = "SEEN = GYM_ENVIRONMENT_LOADED\n" + LEARNER + "\ndef seen():\n    return SEEN\n"
    report = grade(Job(code=code, checks_source=checks), zygotes)
    assert report.verdict == "accepted", [(r.name, r.message) for r in report.results]


def test_a_tolerance_given_per_entry_is_reported_for_the_failing_entry():
    import numpy as np
    import pytest

    from grader.harness import CheckFailed, assert_close

    with pytest.raises(CheckFailed, match=r"atol=0\.25"):
        assert_close(np.ones(3), np.zeros(3), what="x", atol=np.array([0.25, 2.0, 2.0]), rtol=0)


def test_an_exact_comparison_decides_as_the_tolerance_rule_does():
    import numpy as np

    from grader.harness import _close

    values = np.array([0.0, -0.0, 1.5, np.inf, -np.inf, np.nan, 5e-324, -2.0])
    actual, expected = np.meshgrid(values, values)
    for equal_nan in (False, True):
        # The general rule with a tolerance too small to widen anything but exact equality.
        rule = _close(actual, expected, np.zeros_like(expected), 0.0, equal_nan)
        assert np.array_equal(_close(actual, expected, 0, 0, equal_nan), rule)
        assert _close(np.array([np.nan]), np.array([np.nan]), 0, 0, equal_nan)[0] == equal_nan
    assert _close(np.array([np.inf, -0.0]), np.array([np.inf, 0.0]), 0, 0, False).all()


def test_fisher_exact_p_agrees_with_scipy_on_the_tables_checks_make():
    from scipy import stats

    rng = np.random.default_rng(2026)
    tables = [[[0, 0], [0, 0]], [[1, 0], [0, 0]], [[5, 0], [0, 5]], [[10, 10], [10, 10]], [[4000, 0], [0, 4000]]]
    for _ in range(1500):
        n = int(np.exp(rng.uniform(0, np.log(40_000))))
        first = rng.random(n) < rng.uniform(0.01, 0.99)
        # Independent pairs, and pairs where the second copies the first a few times in a hundred.
        copied = rng.random(n) < rng.choice([0.0, rng.uniform(0, 0.2)])
        second = np.where(copied, first, rng.random(n) < rng.uniform(0.01, 0.99))
        both, kept_first, kept_second = int((first & second).sum()), int(first.sum()), int(second.sum())
        tables.append([[both, kept_first - both], [kept_second - both, n - kept_first - kept_second + both]])
    for table in tables:
        ours, scipy_p = harness.fisher_exact_p(table), stats.fisher_exact(table).pvalue
        assert ours == pytest.approx(scipy_p, rel=1e-8, abs=1e-250), table
        for alpha in (1e-8, 5e-10, 0.05):
            assert (ours < alpha) == (scipy_p < alpha), (table, alpha)
