"""Every exercise proves its checks: reference accepted, starter and wrong solutions rejected,
the same verdicts and messages on every run."""

from pathlib import Path

import pytest
from django.core.management import call_command

from grader.runner import Job, grade
from quizsite.catalog.content import load_exercises
from quizsite.catalog.validation import exercise_validate, limits_of, zygotes

ROOT = Path(__file__).resolve().parents[2] / "exercises"
EXERCISES = load_exercises(ROOT)


@pytest.fixture(scope="module")
def started():
    with zygotes() as instances:
        yield instances


def test_the_catalogue_has_every_exercise_with_four_wrong_solutions():
    assert EXERCISES
    for exercise in EXERCISES:
        assert len(exercise.wrong_solutions) >= 4, exercise.slug


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.slug)
def test_reference_accepted_and_every_wrong_solution_and_starter_rejected(exercise, started):
    results = exercise_validate(exercise=exercise, zygotes=started)
    failures = [(result.sample, result.verdict, result.expected) for result in results if not result.ok]
    assert not failures


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.slug)
def test_grading_is_deterministic(exercise, started):
    samples = [exercise.solution_code, exercise.starter_code, *exercise.wrong_solutions.values()]
    for code in samples:
        job = Job(code=code, checks_source=exercise.checks_source, limits=limits_of(exercise), seed=7)
        runs = [grade(job, started[exercise.runtime]) for _ in range(3)]
        outcomes = [(run.verdict, run.score, [(r.name, r.passed, r.message) for r in run.results]) for run in runs]
        assert outcomes[0] == outcomes[1] == outcomes[2]


def test_the_command_prints_a_table_and_succeeds(capsys):
    call_command("validate_exercises", "inverted-dropout")
    output = capsys.readouterr().out
    assert "wrong/no_rescale" in output and "1 exercise(s) valid" in output
