"""The harness gives checks remote calls, remote objects, an environment loaded before the learner's code,
fresh processes and arguments read back from shared memory, all across the sandbox."""

import textwrap

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

    @check("Counts calls per process", points=1)
    def counts_per_process(learner, rng):
        first = [learner.tick() for _ in range(3)]
        fresh = learner.fresh()
        second = [fresh.tick() for _ in range(2)]
        if (first, second) != ([1, 2, 3], [1, 2]):
            raise CheckFailed(f"got {first} then {second}")

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


def test_an_input_changed_in_place_is_seen_whatever_the_learner_claims(zygotes):
    report = grade(
        Job(code=LEARNER + "\ndef total(x):\n    x += 1\n    return float(x.sum())\n", checks_source=CHECKS), zygotes
    )
    failed = {r.name: r.message for r in report.results if not r.passed}
    assert list(failed) == ["Leaves its input alone"]


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
