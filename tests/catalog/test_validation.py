"""Every exercise proves its checks: reference accepted, starter rejected, and every wrong solution
rejected with the verdict its header declares, by failing the checks its header names."""

from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from grader.runner import grade
from quizsite.catalog.content import load_exercises
from quizsite.catalog.validation import exercise_validate, job_of, zygotes

ROOT = Path(__file__).resolve().parents[2] / "exercises"
EXERCISES = load_exercises(ROOT)


@pytest.fixture(scope="module")
def started():
    with zygotes() as pool:
        yield pool


def test_the_catalogue_has_every_exercise_with_six_wrong_solutions():
    assert EXERCISES
    for exercise in EXERCISES:
        assert len(exercise.wrong_solutions) >= 6, exercise.slug


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.slug)
def test_every_sample_gets_the_verdict_it_declares(exercise, started):
    results = exercise_validate(exercise=exercise, zygotes=started)
    failures = [
        (result.sample, result.verdict, result.expected, result.passed_unexpectedly)
        for result in results
        if not result.ok
    ]
    assert not failures


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.slug)
def test_the_same_case_seed_reproduces_every_verdict(exercise, started):
    samples = [exercise.solution_code, *(wrong.code for wrong in exercise.wrong_solutions.values())]
    for code in samples:
        job = replace(job_of(exercise, code), seed=7)
        runs = [grade(job, started) for _ in range(2)]
        outcomes = [(run.verdict, [(r.name, r.passed) for r in run.results]) for run in runs]
        assert outcomes[0] == outcomes[1]


def test_a_wrong_solution_that_passes_the_check_it_names_is_not_valid(started):
    exercise = next(exercise for exercise in EXERCISES if exercise.slug == "inverted-dropout")
    sample = exercise.wrong_solutions["no_validation_of_p"]
    mislabelled = replace(sample, fails=("Evaluation mode returns the input unchanged and no mask",))
    broken = replace(exercise, wrong_solutions={"no_validation_of_p": mislabelled})
    results = {result.sample: result for result in exercise_validate(exercise=broken, zygotes=started)}
    result = results["wrong/no_validation_of_p"]
    assert result.verdict == "wrong_answer" and not result.ok
    assert result.passed_unexpectedly == ("Evaluation mode returns the input unchanged and no mask",)


def test_the_command_prints_a_table_and_succeeds(capsys):
    call_command("validate_exercises", "inverted-dropout")
    output = capsys.readouterr().out
    assert "wrong/no_rescale" in output and "1 exercise(s) valid" in output


def test_the_command_names_an_unknown_exercise():
    with pytest.raises(CommandError, match="unknown exercises: no-such-exercise"):
        call_command("validate_exercises", "inverted-dropout", "no-such-exercise")
