"""The harness gives checks remote calls, remote objects and support code, all across the sandbox."""

import textwrap

from grader.runner import Job, grade

SUPPORT_CHECKS = textwrap.dedent(
    '''
    import numpy as np
    from grader.harness import CheckFailed, check

    SUPPORT = """
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
    def fits_given_model(learner):
        learner.support(SUPPORT)
        model = learner.support_call("RowRecorder", as_handle=True)
        X = np.arange(12.0).reshape(4, 3)
        learner.train(model.handle, X)
        rows = learner.support_call("rows_of", model.handle)
        if not np.array_equal(rows, X[:, 0]):
            raise CheckFailed(f"the model saw rows {rows}")

    @check("Counter counts", points=1)
    def counter_counts(learner):
        counter = learner.new("Counter", start=2)
        counter.call("bump", discard=True)
        counter.call("bump", discard=True)
        if counter.get("value") != 4:
            raise CheckFailed("expected 4")
    '''
)

LEARNER = textwrap.dedent(
    """
    def train(model, X):
        model.fit(X)

    class Counter:
        def __init__(self, start=0):
            self.value = start
        def bump(self):
            self.value += 1
            return self
    """
)


def test_support_objects_and_handles_cross_the_boundary(zygote):
    report = grade(Job(code=LEARNER, checks_source=SUPPORT_CHECKS), zygote)
    assert report.verdict == "accepted", report.results


def test_a_learner_that_skips_the_work_is_caught_by_the_support_check(zygote):
    lazy = LEARNER.replace("model.fit(X)", "pass")
    report = grade(Job(code=lazy, checks_source=SUPPORT_CHECKS), zygote)
    assert report.verdict == "wrong_answer"
    assert not report.results[0].passed and report.results[1].passed
